"""Entry points: any supported statement file to the contract frame, or to a display CSV."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from integration_hub.connectors.bank.bai2_reader import read_bai2
from integration_hub.connectors.bank.camt053_reader import read_camt053
from integration_hub.connectors.bank.completeness import IncompleteStatement
from integration_hub.connectors.bank.detect import detect_format
from integration_hub.connectors.bank.errors import StatementFormatError
from integration_hub.connectors.bank.mt940_reader import read_mt940
from integration_hub.connectors.bank.records import to_frame
from integration_hub.security.csv_cells import write_csv

_READERS = {"bai2": read_bai2, "camt053": read_camt053, "mt940": read_mt940}
# What a person sees: no full account number, ever.
DISPLAY_COLUMNS = ["booking_date", "amount_minor", "currency", "type_code", "reference",
                   "counterparty", "account_mask", "statement_status"]


@dataclass(frozen=True)
class ParsedStatement:
    frame: pd.DataFrame
    incomplete: list[IncompleteStatement]   # statements kept but not proven complete, in file order


def read_statement(path: str | Path) -> ParsedStatement:
    """Rows of a BAI2, camt.053 or MT940 file, the format told by content, and its flagged statements.

    Columns: account, account_mask, statement_id, booking_date, value_date (UTC
    midnight), amount_minor (int64, credit +, debit -), currency, type_code,
    reference, counterparty, description, bank_ref, line, source_id, statement_status
    (complete, or the control its statement failed). Raises StatementFormatError
    naming the file and line for malformed input.
    """
    data = Path(path).read_bytes()
    try:
        kind = detect_format(data)
    except StatementFormatError as exc:
        raise StatementFormatError(path, exc.line, exc.message) from None
    rows, incomplete = _READERS[kind](str(path), data)
    return ParsedStatement(to_frame(rows), incomplete)


def parse_statement(path: str | Path) -> pd.DataFrame:
    """The rows of `read_statement`."""
    return read_statement(path).frame


def statement_to_csv(path: str | Path, out: Path | None = None) -> ParsedStatement:
    """Display frame of a statement (dates as YYYY-MM-DD), written to `out` as CSV if given, with
    the statement's flags."""
    parsed = read_statement(path)
    frame = parsed.frame[DISPLAY_COLUMNS].rename(columns={"booking_date": "date"})
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, out, index=False)
    return ParsedStatement(frame, parsed.incomplete)
