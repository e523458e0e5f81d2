"""Malformed and duplicate rows, as real exports have them, each one recorded in the truth.

A malformed row breaks exactly one rule (one column); a duplicate is an exact copy of an
earlier good row (same source id, same content) placed later in the file, as an
overlapping re-export leaves it. Together they stay under 0.5% of a file.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from integration_hub.demo.csvtext import as_text

BAD_SHARE = 0.003
DUPLICATE_SHARE = 0.001


@dataclass(frozen=True)
class Rule:
    column: str
    reason: str
    values: tuple[str, ...] = ()  # replacement values; empty means "prefix the value with '-'"


def _amount_rules(column: str, integer: bool) -> list[Rule]:
    not_number = ("12.5x", "1,2O0", "N/A", "abc") if integer else ("12.5x", "N/A", "#VALUE!", "1.2.3")
    return [Rule(column, "amount_not_integer" if integer else "amount_not_number", not_number),
            Rule(column, "blank_amount", ("",)), Rule(column, "negative_amount")]


_CURRENCY = [Rule("currency", "blank_currency", ("",)), Rule("currency", "invalid_currency", ("XXX1", "dollars", "US$"))]
_BAD_DATES = ("31/02/2025", "yesterday", "2025-13-45 10:00:00", "not a date")
RULES = {
    "stripe/charges.csv": ("id", [*_amount_rules("amount", True), Rule("id", "blank_id", ("",)), *_CURRENCY,
                                  Rule("created", "unparseable_date", _BAD_DATES)]),
    "stripe/refunds.csv": ("id", [*_amount_rules("amount", True), Rule("charge_id", "blank_charge_id", ("",)),
                                  *_CURRENCY, Rule("created", "unparseable_date", _BAD_DATES)]),
    "stripe/payouts.csv": ("id", [*_amount_rules("amount", True), *_CURRENCY,
                                  Rule("arrival_date", "unparseable_date", _BAD_DATES)]),
    "stripe/balance_transactions.csv": ("id", [Rule("amount", "amount_not_integer", ("12.5x", "N/A")),
                                               Rule("id", "blank_id", ("",)), *_CURRENCY,
                                               Rule("created", "unparseable_date", _BAD_DATES)]),
    "billing/invoices.csv": ("invoice_number", [*_amount_rules("total", False), Rule("invoice_number", "blank_id", ("",)),
                                                *_CURRENCY, Rule("issue_date", "unparseable_date", ("31/02/2025", "yesterday", "2025-02-30"))]),
    "billing/credit_notes.csv": ("credit_note_number", [*_amount_rules("total", False), *_CURRENCY,
                                                        Rule("issue_date", "unparseable_date", ("31/02/2025", "yesterday"))]),
}


def inject(rng: np.random.Generator, file: str, columns: dict) -> tuple[dict, list[tuple]]:
    """Return (messy columns, bad_rows truth rows: file, source_id, row_number, column, reason)."""
    id_column, rules = RULES[file]
    cols = dict(columns)
    n = len(cols[id_column])
    n_bad, n_dup = int(n * BAD_SHARE), int(n * DUPLICATE_SHARE)
    picked = rng.choice(n, size=n_bad + n_dup, replace=False) if n_bad + n_dup else np.array([], dtype=np.int64)
    bad, dup = np.sort(picked[:n_bad]), np.sort(picked[n_bad:])
    bad_rule = {int(i): rules[k % len(rules)] for k, i in enumerate(rng.permutation(bad))}
    for column in sorted({rule.column for rule in bad_rule.values()}):
        rows = sorted(i for i, rule in bad_rule.items() if rule.column == column)
        text = as_text(cols[column])
        replaced = [_break(bad_rule[i], value, rng) for i, value in zip(rows, text.take(pa.array(rows)).to_pylist())]
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        cols[column] = pc.replace_with_mask(text, pa.array(mask), pa.array(replaced, pa.string()))
    # each copy lands somewhere after its original
    insert_at = np.array([rng.integers(i + 1, n + 1) for i in dup], dtype=np.int64)
    order = np.insert(np.arange(n), insert_at, dup)
    is_copy = np.insert(np.zeros(n, dtype=bool), insert_at, True)
    position = np.empty(n, dtype=np.int64)
    position[order[~is_copy]] = np.flatnonzero(~is_copy)
    if dup.size:
        cols = {k: _take(v, order) for k, v in cols.items()}
    ids = as_text(cols[id_column])
    truth = [(file, ids[int(position[i])].as_py() or "", int(position[i]) + 1, rule.column, rule.reason)
             for i, rule in sorted(bad_rule.items())]
    truth += [(file, ids[int(p)].as_py() or "", int(p) + 1, "", "duplicate") for p in np.flatnonzero(is_copy)]
    return cols, truth


def _take(values, order: np.ndarray):
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.take(pa.array(order))
    return np.asarray(values)[order]


def _break(rule: Rule, value: str | None, rng: np.random.Generator) -> str:
    if not rule.values:
        return "-" + (value or "1").lstrip("-")
    return rule.values[int(rng.integers(len(rule.values)))]
