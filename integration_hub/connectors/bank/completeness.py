"""Statements that parse but do not prove themselves complete: flagged, their transactions kept.

Banks do send statements whose closing balance is not the opening balance plus the entries,
or an MT940 without its opening balance. Refusing such a file whole would keep its cash out
of the hub; loading it silently would hide that an entry may be missing. So the statement is
parsed, its transactions carry its status, and the flag (with the figures) is reported: on
stderr by `bank parse`, in the hub store and a warning check by the pipeline, and as a go-live
criterion (`complete_statements: true`) that a phase can require.
"""
from __future__ import annotations

from dataclasses import dataclass

from integration_hub.canonical.statement_status import (  # noqa: F401  (the statuses are judged here)
    BALANCE_MISMATCH, COMPLETE, NO_OPENING_BALANCE, STATEMENT_STATUSES, SUMMARY_MISMATCH, UNVERIFIABLE)


@dataclass(frozen=True)
class Problem:
    """One control a statement failed, at the line of the figure that disagrees."""

    status: str
    line: int
    detail: str
    stated_minor: int | None = None     # the bank's figure: closing balance, or the summary's count or sum
    computed_minor: int | None = None   # what the statement's own entries give instead


@dataclass(frozen=True)
class IncompleteStatement:
    """A flagged statement: its status is its first problem's; `detail` lists them all."""

    file: str
    statement_id: str
    account_mask: str
    currency: str | None
    problems: tuple[Problem, ...]

    @property
    def status(self) -> str:
        return self.problems[0].status

    @property
    def line(self) -> int:
        return self.problems[0].line

    @property
    def stated_minor(self) -> int | None:
        return self.problems[0].stated_minor

    @property
    def computed_minor(self) -> int | None:
        return self.problems[0].computed_minor

    @property
    def detail(self) -> str:
        return "; ".join(p.detail for p in self.problems)

    def __str__(self) -> str:
        return (f"{self.file} line {self.line}: statement {self.statement_id} (account {self.account_mask}) "
                f"is incomplete, {self.status}: {self.detail}; its transactions are kept")


def flag_statement(rows: list[dict], problems: list[Problem], *, file: str, statement_id: str,
                   account_mask: str, currency: str | None) -> IncompleteStatement | None:
    """Stamp `rows` with the statement's status; the flag to report, or None when it is complete."""
    status = problems[0].status if problems else COMPLETE
    for row in rows:
        row["statement_status"] = status
    if not problems:
        return None
    return IncompleteStatement(file=file, statement_id=statement_id, account_mask=account_mask,
                               currency=currency, problems=tuple(problems))
