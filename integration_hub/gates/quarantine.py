"""Turning rejected rows into quarantine records: who, which rule, which value, the whole record."""
from __future__ import annotations

import json

import pandas as pd

from integration_hub.connectors.exports import ROW
from integration_hub.mapping.engine import REJECT_COLUMNS


def quarantine_records(rejects: pd.DataFrame, source: pd.DataFrame, source_id_column: str) -> pd.DataFrame:
    """One record per broken rule. `rejects.row` indexes `source`, the rows as they entered the stage."""
    if rejects.empty:
        return pd.DataFrame(columns=["source_id", "row_number", "rule", "column_name", "value", "record"])
    rows = source.loc[rejects["row"].to_numpy()]
    records = [json.dumps({k: (None if pd.isna(v) else str(v)) for k, v in r.items()}, ensure_ascii=False)
               for r in rows.to_dict(orient="records")]
    return pd.DataFrame({
        "source_id": rows[source_id_column].astype("string").to_numpy() if source_id_column in rows else None,
        "row_number": rows[ROW].to_numpy() if ROW in rows else None,
        "rule": rejects["rule"].to_numpy(),
        "column_name": rejects["column_name"].to_numpy(),
        "value": rejects["value"].to_numpy(),
        "record": records,
    })


def combine_rejects(*frames: pd.DataFrame) -> pd.DataFrame:
    """Stack reject frames (row, rule, column_name, value) from several checks of one stage."""
    present = [f for f in frames if not f.empty]
    return pd.concat(present, ignore_index=True) if present else pd.DataFrame(columns=REJECT_COLUMNS)


def rule_summary(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows per rule, for materialization metadata."""
    if rejects.empty:
        return pd.DataFrame(columns=["rule", "rows"])
    return (rejects.groupby("rule")["row"].nunique().rename("rows").reset_index()
            .sort_values("rows", ascending=False))
