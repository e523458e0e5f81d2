"""Write every account's statement file and describe what was written, for the truth."""

from pathlib import Path

import pandas as pd

from integration_hub.demo.bank_activity import ACCOUNTS, day_to_date, opening_balance
from integration_hub.demo.bank_camt import write_camt053
from integration_hub.demo.bank_files import write_bai2, write_mt940

_WRITERS = {".bai": write_bai2, ".xml": write_camt053, ".sta": write_mt940}


def write_statements(out_dir: Path, entries: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Return (truth rows, one per entry; per-file expectations)."""
    (out_dir / "bank").mkdir(parents=True, exist_ok=True)
    truth, expected = [], {}
    for account in ACCOUNTS:
        mine = entries[entries["currency"] == account.currency].reset_index(drop=True)
        opening = opening_balance(mine)
        path = out_dir / account.path
        lines = _WRITERS[path.suffix](path, account, mine, opening)
        amounts = mine["amount"]
        truth.append(pd.DataFrame({
            "file": account.path, "line": lines, "account": account.number,
            "booking_date": [str(day_to_date(d)) for d in mine["day"]], "amount_minor": amounts,
            "currency": account.currency, "kind": mine["kind"], "reference": mine["reference"],
            "bank_ref": mine["bank_ref"], "true_link": mine["link"], "expected_amount_minor": mine["expected_amount"]}))
        expected[account.path] = {
            "entries": len(mine), "credits": int((amounts > 0).sum()), "debits": int((amounts < 0).sum()),
            "currency": account.currency, "account": account.number, "opening_minor": opening,
            "closing_minor": opening + int(amounts.sum()), "credit_total_minor": int(amounts[amounts > 0].sum()),
            "debit_total_minor": int(-amounts[amounts < 0].sum())}
    return pd.concat(truth, ignore_index=True), expected
