"""Pandera validation that splits a frame into rows that pass and rows to quarantine."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from integration_hub.mapping.engine import REJECT_COLUMNS


class SchemaGateError(ValueError):
    """The frame as a whole breaks its schema (a missing column, a wrong type), not single rows."""


def validate_rows(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (valid rows coerced to the schema, failures as row/rule/column_name/value).

    Row-level failures never stop the run: the rows go to quarantine and the rest continue.
    Failures that name no row mean the dataset itself is malformed and raise SchemaGateError.
    """
    try:
        return schema.validate(frame, lazy=True), pd.DataFrame(columns=REJECT_COLUMNS)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    whole = cases[cases["index"].isna()]
    if not whole.empty:
        first = whole.iloc[0]
        raise SchemaGateError(
            f"{schema.name}: {first['check']} failed ({first['column']}: {first['failure_case']!r}; "
            f"{len(whole)} dataset-level failures): the data does not match its declared shape")
    # A frame-wide check reports each column of a failing row: keep one failure per row and check.
    frame_wide = cases["schema_context"] == "DataFrameSchema"
    cases = pd.concat([cases[~frame_wide], cases[frame_wide].drop_duplicates(["index", "check"]).assign(
        column=None, failure_case="")], ignore_index=True)
    failures = pd.DataFrame({
        "row": cases["index"].values,
        "rule": (schema.name + "." + cases["column"].fillna("row").astype(str) + ":" + cases["check"].astype(str)).values,
        "column_name": cases["column"].values,
        "value": cases["failure_case"].astype(str).values,
    })
    bad_rows = pd.Index(failures["row"].unique())
    good = frame.drop(index=bad_rows)
    return schema.validate(good, lazy=False), failures
