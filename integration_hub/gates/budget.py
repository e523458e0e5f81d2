"""The error budget gate: how much of a dataset a stage may quarantine before loading stops."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BudgetVerdict:
    passed: bool
    rate: float
    description: str


def within_budget(rejected: int, total: int, budget: float) -> BudgetVerdict:
    rate = rejected / total if total else 0.0
    passed = rate <= budget
    verb = "within" if passed else "exceeds"
    return BudgetVerdict(passed, rate, f"{rejected} of {total} records quarantined ({rate:.2%}) {verb} "
                                       f"the phase's error budget of {budget:.2%}")
