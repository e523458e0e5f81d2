"""Conservation: every extracted row is loaded, merged or quarantined: exactly one of them."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Conservation:
    extracted: int
    loaded: int
    quarantined: int
    merged: int
    unaccounted: tuple[int, ...]     # source row numbers with no outcome: lost records
    double_counted: tuple[int, ...]  # rows with two outcomes at once

    @property
    def holds(self) -> bool:
        return (not self.unaccounted and not self.double_counted
                and self.extracted == self.loaded + self.quarantined + self.merged)

    def describe(self) -> str:
        text = (f"extracted {self.extracted} = loaded {self.loaded} + quarantined {self.quarantined} "
                f"+ merged {self.merged}")
        if self.unaccounted:
            text += f"; {len(self.unaccounted)} rows unaccounted (first rows: {list(self.unaccounted[:5])})"
        if self.double_counted:
            text += f"; {len(self.double_counted)} rows with two outcomes (first: {list(self.double_counted[:5])})"
        return text


def account_rows(extracted_rows: pd.Series, loaded_rows: pd.Series, quarantined_rows: pd.Series,
                 merged_rows: pd.Series, *, rejected_at_extraction: pd.Series | None = None) -> Conservation:
    """Each argument lists source row numbers; quarantine may name a row once per broken rule.

    `rejected_at_extraction` are the rows the extracted stage quarantined (malformed in the file):
    they never reach the extracted frame, yet were extracted, so they count as extracted, and
    their quarantine entry is their outcome. A row cannot be both in the frame and rejected."""
    rejected = set(rejected_at_extraction.dropna().astype(int)) if rejected_at_extraction is not None else set()
    extracted = set(extracted_rows.dropna().astype(int))
    outcomes = {
        "loaded": set(loaded_rows.dropna().astype(int)),
        "quarantined": set(quarantined_rows.dropna().astype(int)),
        "merged": set(merged_rows.dropna().astype(int)),
    }
    seen: dict[int, int] = {}
    for rows in outcomes.values():
        for row in rows:
            seen[row] = seen.get(row, 0) + 1
    return Conservation(
        extracted=len(extracted_rows) + len(rejected),
        loaded=len(outcomes["loaded"]), quarantined=len(outcomes["quarantined"]), merged=len(outcomes["merged"]),
        unaccounted=tuple(sorted((extracted | rejected) - set(seen))),
        double_counted=tuple(sorted({r for r, n in seen.items() if n > 1} | (extracted & rejected))),
    )
