"""Cleaning one extracted dataset by its declaration: standardize each column, reject what cannot be."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from integration_hub.mapping.engine import REJECT_COLUMNS
from integration_hub.mapping.systems import EntityDeclaration
from integration_hub.standardize.registry import DTYPES, apply_rule
from integration_hub.standardize.text import blank_to_na

ROW = "_row"   # 1-based row number in the source export, kept through every stage


@dataclass
class CleanResult:
    cleaned: pd.DataFrame     # standardized values, source column names, only rows that passed
    rejects: pd.DataFrame     # row (index into the extracted frame), rule, column_name, value
    merged: pd.DataFrame      # row, merged_into, reason: exact re-exports folded into their first copy


def _blank(s: pd.Series) -> pd.Series:
    """Blank as exports write it: empty, whitespace, or a placeholder such as "N/A" or "null"."""
    return blank_to_na(s).isna().astype(bool)


def _reject(rows: pd.Index, rule: str | pd.Series, column: str, values: pd.Series) -> pd.DataFrame:
    """Reject entries for `rows`, under one rule name or a per-row one (a Series indexed like `values`)."""
    rule = rule if isinstance(rule, str) else rule.loc[rows].to_numpy()
    return pd.DataFrame({"row": rows, "rule": rule, "column_name": column,
                         "value": values.loc[rows].astype("string").values})


def _exact_duplicates(raw: pd.DataFrame, declared: list[str], source_id: str) -> tuple[pd.DataFrame, pd.Series]:
    """Rows identical to an earlier row in every declared column: a re-export, folded into the first copy."""
    duplicate = raw.duplicated(subset=declared, keep="first")
    copies = raw[raw.duplicated(subset=declared, keep=False)]      # only rows that have a twin: few
    first_row = copies.groupby(declared, dropna=False, sort=False)[ROW].transform("first")
    later = raw.index[duplicate]
    merged = pd.DataFrame({
        "row": later,
        "merged_into": raw.loc[later, source_id].astype("string").to_numpy(),
        "reason": [f"exact duplicate of row {r}" for r in first_row.loc[later]],
    })
    return merged, duplicate


def clean_frame(raw: pd.DataFrame, entity: EntityDeclaration) -> CleanResult:
    declared = [c.column for c in entity.columns]
    missing = [c for c in declared if c not in raw.columns]
    if missing:
        raise KeyError(f"{entity.system}/{entity.name}: export is missing declared columns {missing}")

    merged, duplicate = _exact_duplicates(raw, declared, entity.source_id)
    source = raw.loc[~duplicate]
    rejects: list[pd.DataFrame] = []
    if entity.deleted_flag:
        # A deletion carries no values to check: it is held under its own rule, not as a missing name.
        flag = source[entity.deleted_flag].astype("string")
        deleted = flag.str.strip().str.lower().eq("true").fillna(False).astype(bool)
        if deleted.any():
            rejects.append(_reject(source.index[deleted], entity.deleted_rule, entity.deleted_flag, flag))
            source = source.loc[~deleted]
    cleaned = pd.DataFrame(index=source.index)
    for rule in entity.columns:
        values = source[rule.column].astype("string")
        parsed = apply_rule(rule.rule, values, cleaned, rule.options, rule.formats)
        out = parsed.values
        blank = _blank(values)
        invalid = ~blank & out.isna()
        if rule.required and blank.any():
            rejects.append(_reject(source.index[blank], f"{rule.column}.required", rule.column, values))
        # A soft field (a phone, a website) declared on_invalid: null keeps the record without the bad value.
        if invalid.any() and rule.on_invalid == "reject":
            # "total.amount_ambiguous" where the rule named why it refused the value, else "total.major_units".
            names = (f"{rule.column}." + parsed.reasons).fillna(f"{rule.column}.{rule.rule}")
            rejects.append(_reject(source.index[invalid], names, rule.column, values))
        if rule.min is not None:
            below = out.notna() & (out < rule.min)
            if below.any():
                rejects.append(_reject(source.index[below.astype(bool)], f"{rule.column}.min({rule.min})",
                                       rule.column, values))
        if rule.allowed is not None:
            outside = out.notna() & ~out.isin(rule.allowed)
            if outside.any():
                rejects.append(_reject(source.index[outside.astype(bool)], f"{rule.column}.allowed",
                                       rule.column, values))
        cleaned[rule.column] = out
    cleaned[ROW] = source[ROW]

    rejected = pd.Index(pd.concat(rejects)["row"].unique()) if rejects else pd.Index([])
    ids = cleaned[entity.source_id]
    conflicting = ids.notna() & ids.duplicated(keep="first") & ~cleaned.index.isin(rejected)
    if conflicting.any():
        rejects.append(_reject(cleaned.index[conflicting], f"{entity.source_id}.unique "
                               "(same id as an earlier row with different content)", entity.source_id,
                               source[entity.source_id]))
    reject_frame = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    good = cleaned.loc[~cleaned.index.isin(reject_frame["row"])]
    return CleanResult(cleaned=good, rejects=reject_frame, merged=merged)


def cleaned_schema(entity: EntityDeclaration) -> pa.DataFrameSchema:
    """The cleaned-stage gate, derived from the declaration so the two cannot drift apart."""
    columns = {}
    for rule in entity.columns:
        checks = []
        if rule.min is not None:
            checks.append(pa.Check.ge(rule.min))
        if rule.allowed is not None:
            checks.append(pa.Check.isin(list(rule.allowed)))
        columns[rule.column] = pa.Column(DTYPES.get(rule.rule, "string"), checks=checks,
                                         nullable=not rule.required, unique=rule.column == entity.source_id)
    columns[ROW] = pa.Column("int64", unique=True)
    return pa.DataFrameSchema(columns, name=f"{entity.system}.{entity.name}.cleaned", strict=True, coerce=True)
