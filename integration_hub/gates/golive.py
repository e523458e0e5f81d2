"""The go-live checkpoint: a Great Expectations suite run on what the ERP holds after a load."""
from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class GoLiveResult:
    success: bool
    results: pd.DataFrame   # expectation, column, success, observed


def run_golive_suite(read_back: pd.DataFrame, *, entity: str, expected_rows: int, money_column: str | None,
                     expected_total: dict[str, int] | None, required: list[str],
                     allowed: dict[str, list[str]] | None = None) -> GoLiveResult:
    """Row count against the source, key fields present and unique, amount totals equal per currency,
    and each column of `allowed` within its values (a phase's enforced criteria, e.g. statement_status
    complete).

    `expected_total` maps currency -> minor units. Each currency is checked on its own column
    (`<money>__<CUR>`, the amount where the row is in that currency, else 0): one sum across
    currencies would let a EUR shortfall hide behind a USD surplus."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # ~3 s import: kept out of code-location load
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    expectations = [
        gxe.ExpectTableRowCountToEqual(value=expected_rows),
        gxe.ExpectColumnValuesToNotBeNull(column="external_id"),
        gxe.ExpectColumnValuesToBeUnique(column="external_id"),
        *([gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$")]
          if "currency" in read_back else []),     # a contact has no currency
        *[gxe.ExpectColumnValuesToNotBeNull(column=c) for c in required],
        *[gxe.ExpectColumnValuesToBeInSet(column=c, value_set=list(values)) for c, values in (allowed or {}).items()],
    ]
    frame = read_back.copy()
    if money_column is not None and expected_total is not None:
        # A missing optional amount (an opportunity without one) adds nothing, as in the expected total.
        held = frame[money_column].astype("Int64").fillna(0).astype("int64") if money_column in frame \
            else pd.Series(dtype="int64")
        currencies = sorted(set(expected_total) | set(frame.get("currency", pd.Series(dtype=str)).dropna()))
        for currency in currencies:
            column = f"{money_column}__{currency}"
            # Python ints (object dtype): GX then sums exactly, where an int64 sum would wrap.
            frame[column] = (held.where(frame["currency"] == currency, 0) if len(frame) else held).astype(object)
            total = int(expected_total.get(currency, 0))
            expectations.append(gxe.ExpectColumnSumToBeBetween(column=column, min_value=total, max_value=total))
    suite = gx.ExpectationSuite(name=f"{entity}_golive", expectations=expectations)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if money_column in frame and frame[money_column].notna().all():
        frame[money_column] = frame[money_column].astype("int64")   # an optional amount (a stock value) may be null
    batch = (context.data_sources.add_pandas("erp").add_dataframe_asset(entity)
             .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame}))
    outcome = batch.validate(suite, result_format="SUMMARY")
    rows = []
    for r in outcome.results:
        result = r.result or {}
        observed = result.get("observed_value", result.get("unexpected_count"))
        rows.append({"expectation": r.expectation_config.type, "column": r.expectation_config.kwargs.get("column"),
                     "success": bool(r.success), "observed": None if observed is None else str(observed)})
    return GoLiveResult(success=bool(outcome.success), results=pd.DataFrame(rows))
