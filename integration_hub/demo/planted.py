"""Bad rows a phase 3/4 declaration refuses, planted as extra rows, each with the quarantine it must get.

Every planted row is an extra record (its own source id): the good records stay the whole, consistent
truth, and a planted row breaks exactly one rule of its entity's declaration or mapping spec. So the
entity's gates still pass, a file holds at most ``capacity`` of them (1.5% of its good rows, under
the operations phase's 2% error budget; the people phase's 1% leaves a few dozen employees none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BadRow:
    template: int          # the good row it copies before breaking one column
    changes: dict          # column -> text; must include the source id column (a new id)
    column: str            # the column broken
    reason: str            # what is wrong with it (negative_quantity, missing_required, ...)
    stage: str             # the hub stage that quarantines it: cleaned or mapped
    rule: str              # the rule it is quarantined under


def capacity(n_good: int, share: float = 0.015) -> int:
    return int(n_good * share)


def plant(rng: np.random.Generator, system: str, entity: str, file: str, columns: dict, id_column: str,
          wanted: list[BadRow], share: float = 0.015) -> tuple[dict, list[tuple], list[tuple]]:
    """Insert as many of ``wanted`` as the file's budget allows at random places.

    Returns (columns as lists, bad_rows truth tuples (file, source_id, row_number, column, reason),
    quarantine truth tuples (system, entity, file, source_id, row_number, stage, rule))."""
    cols = {k: list(v) for k, v in columns.items()}
    n = len(cols[id_column])
    chosen = wanted[: capacity(n, share)]
    if not chosen:
        return cols, [], []
    rows = [{k: cols[k][b.template] for k in cols} | b.changes for b in chosen]
    slots = np.sort(rng.choice(n + len(chosen), size=len(chosen), replace=False))
    is_bad = np.zeros(n + len(chosen), dtype=bool)
    is_bad[slots] = True
    out = {}
    for k, values in cols.items():
        merged = np.empty(n + len(chosen), dtype=object)
        merged[~is_bad] = values
        merged[slots] = [row[k] for row in rows]
        out[k] = list(merged)
    bad = [(file, b.changes[id_column], int(s) + 1, b.column, b.reason) for b, s in zip(chosen, slots)]
    quarantine = [(system, entity, file, b.changes[id_column], int(s) + 1, b.stage, b.rule)
                  for b, s in zip(chosen, slots)]
    return out, bad, quarantine
