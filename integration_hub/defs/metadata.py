"""Small helpers shared by every asset: previews, metadata of the latest materialization, error redaction."""

import dagster as dg
import pandas as pd

from integration_hub.security.redact import redacting_errors
from integration_hub.security.scrub import scrub_frame

# Every asset and check body: an exception's text reaches Dagster's event log redacted.
guarded = redacting_errors(passthrough=(dg.DagsterError, dg.Failure, dg.RetryRequested))


def preview(frame: pd.DataFrame, rows: int = 5) -> dg.MetadataValue:
    """The first rows as markdown, scrubbed: Dagster's event log is append-only, so nothing in it can be masked later."""
    shown = scrub_frame(frame.head(rows).astype("string")).fillna("")
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "_no rows_")


def table_schema(frame: pd.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(str(c), str(t)) for c, t in frame.dtypes.items()])


def latest_materialization(context, key: dg.AssetKey):
    """(run_id, metadata dict of plain values) of the asset's latest materialization, or (None, {})."""
    event = context.instance.get_latest_materialization_event(key)
    if event is None or event.asset_materialization is None:
        return None, {}
    values = {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}
    return event.run_id, values


def passed_checks(context, keys) -> list[dict]:
    """The checks among `keys` whose latest evaluation passed, with the run that evaluated them."""
    passed = []
    for key in keys:
        record = context.instance.get_latest_asset_check_evaluation_record(key)
        if record is not None and getattr(record.status, "value", None) == "SUCCEEDED":
            passed.append({"check": f"{key.asset_key.to_user_string()}:{key.name}", "run_id": record.run_id})
    return passed
