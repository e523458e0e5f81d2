"""Entry points: any supported statement file to the contract frame, or to a display CSV."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from integration_hub.connectors.bank.bai2_reader import read_bai2
from integration_hub.connectors.bank.camt053_reader import read_camt053
from integration_hub.connectors.bank.detect import detect_format
from integration_hub.connectors.bank.errors import StatementFormatError
from integration_hub.connectors.bank.mt940_reader import read_mt940
from integration_hub.connectors.bank.records import to_frame
from integration_hub.security.csv_cells import write_csv

_READERS = {"bai2": read_bai2, "camt053": read_camt053, "mt940": read_mt940}
# What a person sees: no full account number, ever.
DISPLAY_COLUMNS = ["booking_date", "amount_minor", "currency", "type_code", "reference",
                   "counterparty", "account_mask"]


def parse_statement(path: str | Path) -> pd.DataFrame:
    """Rows of a BAI2, camt.053 or MT940 file, the format told by content.

    Columns: account, account_mask, statement_id, booking_date, value_date (UTC
    midnight), amount_minor (int64, credit +, debit -), currency, type_code,
    reference, counterparty, description, bank_ref, line, source_id. Raises
    StatementFormatError naming the file and line for malformed input.
    """
    data = Path(path).read_bytes()
    try:
        kind = detect_format(data)
    except StatementFormatError as exc:
        raise StatementFormatError(path, exc.line, exc.message) from None
    return to_frame(_READERS[kind](str(path), data))


def statement_to_csv(path: str | Path, out: Path | None = None) -> pd.DataFrame:
    """Display frame of a statement (dates as YYYY-MM-DD), written to `out` as CSV if given."""
    frame = parse_statement(path)[DISPLAY_COLUMNS].rename(columns={"booking_date": "date"})
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, out, index=False)
    return frame
