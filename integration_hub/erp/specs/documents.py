"""Canonical frames to ERP documents and back, through an ErpSpec.

Outbound, `prepare` adds the forms ERPs want beside the canonical columns (amounts in major
units, plain dates, ERP-safe keys), the spec maps them to field paths and `nest` builds the
JSON document. Inbound, `flatten` turns an ERP record into field paths, the spec's `read`
section maps them to canonical columns and `to_canonical` restores canonical types.
Documents that hold their lines in a list (an order's items) are read line by line:
`split_lines` turns one flattened document into one flattened record per line.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.codec import utc_micros
from integration_hub.erp.specs import ErpSpec
from integration_hub.mapping.engine import apply_spec
from integration_hub.standardize.currency import minor_exponent

Key = Callable[[str], str]
Decode = Callable[[str, str], "str | None"]
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _scale(frame: pd.DataFrame) -> pd.Series:
    """10 ** minor-unit exponent per row, from its currency (2 for an entity without one)."""
    if "currency" not in frame:
        return pd.Series(100.0, index=frame.index, dtype="float64")
    return frame["currency"].map(lambda c: 10.0 ** _exponent(c)).astype("float64")


def _exponent(currency) -> int:
    return minor_exponent(str(currency)) if isinstance(currency, str) and currency else 2


def prepare(entity: str, records: pd.DataFrame, key: Key = str) -> pd.DataFrame:
    """Canonical columns plus `<x>_major` for each `<x>_minor` amount (float, in the record's
    currency), `<t>_date` (YYYY-MM-DD) and ISO text for each timestamp, and `<p>external_key`
    (`key` applied) for each `<p>external_id`."""
    spec = registry.get(entity)
    out = records.loc[:, list(spec.columns)].copy()
    scale = _scale(out)
    for column in (*spec.money, *spec.nullable_money):
        minor = pd.to_numeric(out[column], errors="coerce").astype("float64")
        out[column.removesuffix("_minor") + "_major"] = (minor / scale).round(6)
    for column in spec.timestamps:
        stamps = utc_micros(out[column])
        out[column + "_date"] = stamps.dt.strftime("%Y-%m-%d").astype(object).where(stamps.notna(), None)
        out[column] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object).where(stamps.notna(), None)
    for column in [c for c in spec.columns if c.endswith("external_id")]:
        out[column.removesuffix("_id") + "_key"] = out[column].map(lambda v: key(v) if isinstance(v, str) else None)
    return out


def _path(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _TOKEN.findall(path)]


def nest(flat: dict[str, Any]) -> dict:
    """{"a.b[0].c": 1} -> {"a": {"b": [{"c": 1}]}}; values of None are left out."""
    doc: dict = {}
    for path, value in flat.items():
        if value is None:
            continue
        parts = _path(path)
        node: Any = doc
        for part, following in zip(parts, parts[1:]):
            empty = [] if isinstance(following, int) else {}
            if isinstance(part, int):
                while len(node) <= part:
                    node.append(None)
                node[part] = node[part] if node[part] is not None else empty
                node = node[part]
            else:
                node = node.setdefault(part, empty)
        last = parts[-1]
        if isinstance(last, int):
            while len(node) <= last:
                node.append(None)
        node[last] = value
    return doc


def flatten(doc: Any, unwrap: bool = False, prefix: str = "") -> dict[str, Any]:
    """The inverse of `nest`. With `unwrap`, {"value": x} objects (Acumatica's field wrapper) are leaves."""
    if unwrap and isinstance(doc, dict) and "value" in doc and not isinstance(doc["value"], (dict, list)):
        return {prefix: doc["value"]}
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for name, value in doc.items():
            out.update(flatten(value, unwrap, f"{prefix}.{name}" if prefix else str(name)))
        return out
    if isinstance(doc, list):
        out = {}
        for index, value in enumerate(doc):
            out.update(flatten(value, unwrap, f"{prefix}[{index}]"))
        return out
    return {prefix: doc}


def json_value(value: Any) -> Any:
    """A JSON-native value; None for every kind of missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def split_lines(flat: dict[str, Any], sublist: str) -> list[dict[str, Any]]:
    """One flattened record per line of `sublist` in the flattened document `flat`: the line's
    own paths relative to the line, the document's other paths as `parent.<path>`."""
    prefix = re.compile(re.escape(sublist) + r"\[(\d+)\]\.?(.*)$")
    parent = {f"parent.{path}": value for path, value in flat.items() if not prefix.match(path)}
    lines: dict[int, dict[str, Any]] = {}
    for path, value in flat.items():
        match = prefix.match(path)
        if match:
            lines.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [{**parent, **lines[n]} for n in sorted(lines)]


def documents(spec: ErpSpec, prepared: pd.DataFrame) -> tuple[dict[Any, dict], dict[Any, str]]:
    """ERP documents per row index, and a message per row the spec rejects (a required field blank)."""
    result = apply_spec(spec.outbound, prepared)
    rejects: dict[Any, list[str]] = {}
    for row in result.rejects.itertuples(index=False):
        rejects.setdefault(row.row, []).append(f"{row.rule} ({row.column_name} is blank)")
    docs = {}
    for index, row in zip(result.mapped.index, result.mapped.to_dict("records")):
        if index not in rejects:
            flat = {path: json_value(value) for path, value in row.items()}
            for path in spec.booleans:
                flat[path] = _boolean(flat.get(path))
            docs[index] = nest(flat)
    return docs, {i: f"{spec.outbound.version_tag}: " + "; ".join(m) for i, m in rejects.items()}


def to_canonical(spec: ErpSpec, records: list[dict[str, Any]], decode: Decode | None = None) -> pd.DataFrame:
    """Canonical columns from flattened ERP records: amounts back to int minor units, timestamps
    to UTC, every `*external_id` column through `decode(column, value)` (ERP keys or ids back to
    external ids), source_system/source_id from external_id when not read."""
    canonical = registry.get(spec.entity)
    sources = sorted({s for f in spec.inbound.fields for s in f.all_sources})
    raw = pd.DataFrame.from_records(records, columns=sources) if records else pd.DataFrame(columns=sources)
    raw = raw.astype(object).where(raw.notna(), None)
    out = apply_spec(spec.inbound, raw).mapped
    for column in canonical.columns:
        if column not in out:
            out[column] = None
    for column in [c for c in canonical.columns if c.endswith("external_id")]:
        values = out[column].astype(object)
        out[column] = [None if v is None or pd.isna(v) else (decode(column, str(v)) if decode else str(v))
                       for v in values]
    ids = out["external_id"].astype("string")
    for position, column in enumerate(("source_system", "source_id")):
        derived = ids.str.split(":", n=1).str[position]
        out[column] = out[column].where(out[column].notna(), derived)
    scale = _scale(out)
    for column in (*canonical.money, *canonical.nullable_money):
        major = pd.to_numeric(out[column], errors="coerce")
        minor = (major * scale).round()
        out[column] = minor.astype("Int64") if column in canonical.nullable_money or minor.isna().any() \
            else minor.astype("int64")
    for column in canonical.timestamps:
        out[column] = pd.to_datetime(out[column], utc=True, errors="coerce", format="ISO8601")
    for column in canonical.numbers:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in canonical.text:
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), None).map(lambda v: v if v is None else str(v))
    return out.loc[:, list(canonical.columns)].reset_index(drop=True)
