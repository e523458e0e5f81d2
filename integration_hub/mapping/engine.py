"""The one mapping engine: applies a MappingSpec to a cleaned frame, column by column."""
from __future__ import annotations

import operator
from dataclasses import dataclass

import pandas as pd

from integration_hub.mapping.spec import FieldRule, MappingSpec, Operand, RowCheck
from integration_hub.mapping.transforms import apply_transform

REJECT_COLUMNS = ["row", "rule", "column_name", "value"]
_COMPARE = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
            "<": operator.lt, ">": operator.gt}


@dataclass
class MappingResult:
    mapped: pd.DataFrame          # every input row, canonical columns, same index as the input
    rejects: pd.DataFrame         # row (input index), rule, column_name, value
    spec: MappingSpec


def _is_blank(s: pd.Series) -> pd.Series:
    blank = s.isna()
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        blank |= s.astype("string").str.strip().fillna("").eq("")
    return blank.astype(bool)


def _combine(rule: FieldRule, frame: pd.DataFrame, rejects: list[pd.DataFrame]) -> pd.Series:
    columns = [frame[c] for c in rule.sources]
    if len(columns) == 1:
        return columns[0]
    if rule.conflict == "join":
        text = pd.DataFrame({i: c.astype("string").str.strip() for i, c in enumerate(columns)})
        return text.apply(lambda r: " ".join(v for v in r if isinstance(v, str) and v), axis=1).astype("string")
    values = columns[0].where(~_is_blank(columns[0]))
    for other in columns[1:]:
        other = other.where(~_is_blank(other))
        if rule.conflict == "must_agree":
            disagree = values.notna() & other.notna() & (values.astype("string") != other.astype("string"))
            if disagree.any():
                rejects.append(pd.DataFrame({
                    "row": frame.index[disagree], "rule": f"{rule.target}.must_agree",
                    "column_name": ",".join(rule.sources),
                    "value": (values[disagree].astype("string") + " != " + other[disagree].astype("string")).values,
                }))
        values = values.fillna(other) if values.dtype == other.dtype else values.where(values.notna(), other)
    return values


def _evaluate(rule: FieldRule, frame: pd.DataFrame, rejects: list[pd.DataFrame]) -> tuple[pd.Series, pd.Series]:
    """The field's values after transforms (and fallback), plus the raw input for reject messages."""
    values = _combine(rule, frame, rejects)
    raw = values
    for transform in rule.transforms:
        values = apply_transform(transform.name, values, transform.arg)
    if rule.fallback is not None:
        blank = _is_blank(values)
        if blank.any():
            other, _ = _evaluate(rule.fallback, frame, rejects)
            values = values.astype("string").where(~blank, other.astype("string"))
    return values, raw


def _side(side: Operand, frame: pd.DataFrame):
    return frame[side.column] if side.column else side.literal


def _check_rows(check: RowCheck, frame: pd.DataFrame) -> pd.DataFrame | None:
    """Rows breaking `check`, with the compared values; rows with a blank compared column pass."""
    compared = [frame[c] for c in check.columns]
    judged = pd.Series(True, index=frame.index)
    for values in compared:
        judged &= ~_is_blank(values)
    left, right = _side(check.left, frame[judged]), _side(check.right, frame[judged])
    holds = pd.Series(_COMPARE[check.op](left, right), index=frame.index[judged.to_numpy()], dtype="boolean")
    broken = holds.index[~holds.fillna(True).to_numpy(dtype=bool)]
    if broken.empty:
        return None
    shown = [c + "=" + frame.loc[broken, c].astype("string") for c in check.columns]
    value = shown[0].str.cat(shown[1:], sep=", ").to_numpy() if shown else check.text
    return pd.DataFrame({"row": broken, "rule": check.rule, "column_name": ",".join(check.columns), "value": value})


def apply_spec(spec: MappingSpec, frame: pd.DataFrame) -> MappingResult:
    missing = sorted(spec.source_columns - set(frame.columns))
    if missing:
        raise KeyError(f"mapping {spec.version_tag}: source columns missing from the data: {missing}")
    out: dict[str, pd.Series] = {}
    rejects: list[pd.DataFrame] = []
    for rule in spec.fields:
        if not rule.sources:
            out[rule.target] = pd.Series([rule.const] * len(frame), index=frame.index,
                                         dtype="string" if isinstance(rule.const, str) or rule.const is None else None)
            continue
        values, raw_for_reject = _evaluate(rule, frame, rejects)
        blank = _is_blank(values)
        if blank.any():
            if rule.blank == "reject":
                rejects.append(pd.DataFrame({
                    "row": frame.index[blank], "rule": f"{rule.target}.required",
                    "column_name": ",".join(rule.sources), "value": raw_for_reject[blank].astype("string").values,
                }))
            elif rule.blank == "default":
                values = values.where(~blank, rule.default)
        out[rule.target] = values
    rejects += [r for r in (_check_rows(check, frame) for check in spec.checks) if r is not None]
    mapped = pd.DataFrame(out, index=frame.index)
    reject_frame = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    return MappingResult(mapped=mapped, rejects=reject_frame, spec=spec)
