"""Small helpers shared by every asset: previews, metadata of the latest materialization."""

import dagster as dg
import pandas as pd


def preview(frame: pd.DataFrame, rows: int = 5) -> dg.MetadataValue:
    shown = frame.head(rows).astype("string").fillna("")
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
