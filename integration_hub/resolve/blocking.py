"""Candidate pairs: records that share at least one blocking key. Never all pairs.

Each blocking rule gives every record zero or more keys; records sharing a key form a block, and
every pair inside a block is a candidate. A block larger than `cap` is skipped (a key that
common, say the token "holdings" or the ZIP of a big office park, says nothing); skipped blocks
are counted in the stats so the caller can report them. Pairs are built with numpy per block
size, so 50,000 records take well under a second and memory stays proportional to the pairs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DEFAULT_RULES = ("email", "phone", "company_domain", "national_id", "tax_id", "bank_account", "name_rare_token",
                 "name_sorted", "postal_name", "address", "person_postal", "person_dob")


@dataclass
class BlockingStats:
    pairs: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)           # pairs each rule produced (before union)
    skipped_blocks: dict[str, int] = field(default_factory=dict)     # blocks over the cap, per rule
    skipped_records: dict[str, int] = field(default_factory=dict)    # records in those blocks, per rule


def _join(*parts: pd.Series) -> pd.Series:
    out = parts[0].astype("string")
    for part in parts[1:]:
        out = out + "|" + part.astype("string")
    return out


def _prefix(s: pd.Series, n: int) -> pd.Series:
    return s.str.replace(" ", "", regex=False).str[:n]


def rare_tokens(name_key: pd.Series, cap: int, per_record: int = 2) -> pd.Series:
    """The `per_record` rarest name tokens of each record (document frequency over all records),
    skipping one-letter tokens and tokens in more than `cap` records. Indexed like `name_key`,
    one row per (record, token)."""
    tokens = name_key.str.split().explode().dropna()
    tokens = tokens[tokens.str.len() > 1]
    frame = pd.DataFrame({"row": tokens.index, "token": tokens.to_numpy()}).drop_duplicates()
    frame["df"] = frame["token"].map(frame["token"].value_counts())
    frame = frame[frame["df"].le(cap)].sort_values(["row", "df", "token"], kind="stable")
    frame = frame.groupby("row", sort=False).head(per_record)
    return pd.Series(frame["token"].to_numpy(), index=frame["row"].to_numpy())


def rule_keys(prepared: pd.DataFrame, rule: str, cap: int) -> pd.Series:
    """Blocking keys of one rule; the index repeats for a record with several keys, NA means none."""
    p = prepared
    if rule in ("email", "phone", "national_id", "tax_id", "bank_account"):
        return p[rule]
    if rule == "company_domain":
        return p["email_domain"].where(~p["email_free"].astype(bool))
    if rule == "name_rare_token":
        return rare_tokens(p["name_key"], cap)
    if rule == "name_sorted":
        return p["name_key"].str.split().map(lambda t: " ".join(sorted(t)), na_action="ignore").astype("string")
    if rule == "postal_name":
        return _join(p["postal_key"], _prefix(p["name_key"], 3))
    if rule == "city_name":
        return _join(p["country"].fillna(""), p["city_key"], _prefix(p["name_key"], 5))
    if rule == "address":
        return _join(p["street_number"], p["postal_key"].fillna(p["city_key"]))
    if rule == "person_postal":
        return _join(p["last_key"], p["first_key"].str[:1], p["postal_key"])
    if rule == "person_dob":
        return _join(p["date_of_birth"], p["first_key"].str[:1])
    raise ValueError(f"unknown blocking rule {rule!r}; known: {', '.join(DEFAULT_RULES)}")


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values. (np.unique hashes on numpy 2.x, many times slower than a sort here.)"""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _block_pairs(rows: np.ndarray, codes: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(a, b) with a < b for every pair of rows sharing a code, blocks over `cap` skipped."""
    order = np.argsort(codes, kind="stable")
    codes, rows = codes[order], rows[order]
    if len(codes) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0, 0
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, len(codes)])
    out_a, out_b = [], []
    for size in _distinct(sizes[(sizes >= 2) & (sizes <= cap)]):
        members = rows[starts[sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        a, b = members[:, first].ravel(), members[:, second].ravel()
        out_a.append(np.minimum(a, b))
        out_b.append(np.maximum(a, b))
    over = sizes > cap
    if not out_a:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, int(over.sum()), int(sizes[over].sum())
    return np.concatenate(out_a), np.concatenate(out_b), int(over.sum()), int(sizes[over].sum())


def candidate_pairs(prepared: pd.DataFrame, rules=DEFAULT_RULES, cap: int = 200) -> tuple[pd.DataFrame, BlockingStats]:
    """Unique candidate pairs (columns a, b: row positions in `prepared`, a < b) and blocking stats."""
    n = len(prepared)
    positional = prepared.reset_index(drop=True)
    stats = BlockingStats()
    encoded = []
    for rule in rules:
        keys = rule_keys(positional, rule, cap).dropna()
        codes, _ = pd.factorize(keys)
        rows = keys.index.to_numpy(dtype=np.int64)
        if rule == "name_rare_token":   # a record may carry two tokens of one block: count it once
            pair = pd.DataFrame({"r": rows, "c": codes}).drop_duplicates()
            rows, codes = pair["r"].to_numpy(), pair["c"].to_numpy()
        a, b, skipped, skipped_rows = _block_pairs(rows, codes, cap)
        stats.per_rule[rule] = len(a)
        if skipped:
            stats.skipped_blocks[rule] = skipped
            stats.skipped_records[rule] = skipped_rows
        keep = a != b
        encoded.append(a[keep] * n + b[keep])
    unique = _distinct(np.concatenate(encoded)) if encoded else np.empty(0, dtype=np.int64)
    stats.pairs = len(unique)
    return pd.DataFrame({"a": unique // max(n, 1), "b": unique % max(n, 1)}), stats
