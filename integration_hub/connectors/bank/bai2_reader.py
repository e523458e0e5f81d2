"""BAI2 statement files (BAI Cash Management Balance Reporting Specifications v2) to rows.

Amounts in BAI2 are already minor units (implied decimals follow the currency), detail
amounts are unsigned and the type code says credit or debit. The currency comes from the
03 account identifier, else the 02 group header, else USD as the spec prescribes. The
file's control totals and record counts are checked against the trailer that states them
(statement.summary_mismatch): the trailers are mandatory file structure, so a dropped or
truncated record always shows, and such a file is refused rather than flagged (unlike a camt.053
or MT940 whose balances disagree: there the bank's figures, not the file, are in question).
The 03 summaries are not held against the details: the spec's own example reports totals it
does not itemize.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from bai2.constants import FundsType, TypeCodeTransaction
from bai2.exceptions import NotSupportedYetException, ParsingException
from bai2.models import Account, Bai2File, Group, TransactionDetail

from integration_hub.connectors.bank.bai2_records import (
    RECORD_NAMES,
    FileParser,
    NumberedRecords,
    scan_records,
)
from integration_hub.connectors.bank.completeness import COMPLETE, IncompleteStatement
from integration_hub.connectors.bank.errors import StatementFormatError
from integration_hub.connectors.bank.records import check_currency, mask_account, split_lines

_SIGN = {TypeCodeTransaction.credit: 1, TypeCodeTransaction.debit: -1, TypeCodeTransaction.misc: 0}


def read_bai2(path: str, data: bytes) -> tuple[list[dict], list[IncompleteStatement]]:
    """One row per 16 transaction detail record, in file order; a file that parses is complete."""
    numbered = scan_records(path, split_lines(data))
    records = NumberedRecords(numbered)
    try:
        parsed = FileParser(records, check_integrity=False).parse()
    except (ParsingException, NotSupportedYetException, ValueError, IndexError, KeyError) as exc:
        code = dict(numbered)[records.line][:2]
        message = f"bad {RECORD_NAMES[code]} ({code}) record: {exc}"
        raise StatementFormatError(path, records.line, message) from None
    rows = _Walk(path, iter(records.starts)).file(parsed)
    for row in rows:
        row["statement_status"] = COMPLETE
    return rows, []


def _count(*models: object) -> int:
    """Physical records (88 continuations included) behind single-record models."""
    return sum(len(model.rows) for model in models)


class _Walk:
    """Visits the parsed file in record order, so each record meets its own line number."""

    def __init__(self, path: str, lines: Iterator[int]) -> None:
        self.path = path
        self.lines = lines
        self.rows: list[dict] = []

    def check(self, line: int, what: str, stated: int | None, actual: int) -> None:
        if stated != actual:
            message = f"statement.summary_mismatch: {what} is {stated} but the records add up to {actual}"
            raise StatementFormatError(self.path, line, message)

    def file(self, model: Bai2File) -> list[dict]:
        line, head = next(self.lines), model.header
        if head.creation_date is None:
            raise StatementFormatError(self.path, line, "file header has no creation date")
        statement_id = f"{head.sender_id}:{head.creation_date:%Y%m%d}:{head.file_id}"
        total = records = 0
        for group in model.children:
            group_total, group_records = self.group(group, statement_id)
            total, records = total + group_total, records + group_records
        line, trailer = next(self.lines), model.trailer
        self.check(line, "file control total", trailer.file_control_total, total)
        self.check(line, "file number of groups", trailer.number_of_groups, len(model.children))
        self.check(line, "file record count", trailer.number_of_records, records + _count(head, trailer))
        return self.rows

    def group(self, group: Group, statement_id: str) -> tuple[int, int]:
        line = next(self.lines)
        if group.header.as_of_date is None:
            raise StatementFormatError(self.path, line, "group header has no as-of date")
        total = records = 0
        for account in group.children:
            account_total, account_records = self.account(account, group, statement_id)
            total, records = total + account_total, records + account_records
        line, trailer = next(self.lines), group.trailer
        self.check(line, "group control total", trailer.group_control_total, total)
        self.check(line, "group number of accounts", trailer.number_of_accounts, len(group.children))
        records += _count(group.header, trailer)
        self.check(line, "group record count", trailer.number_of_records, records)
        return total, records

    def account(self, account: Account, group: Group, statement_id: str) -> tuple[int, int]:
        line, head = next(self.lines), account.header
        number = (head.customer_account_number or "").strip()
        if not number:
            raise StatementFormatError(self.path, line, "account identifier has no account number")
        mask = mask_account(number)
        try:
            currency = check_currency(head.currency or group.header.currency)
        except ValueError as exc:
            raise StatementFormatError(self.path, line, f"account {mask}: {exc}") from None
        base = {"account": number, "account_mask": mask, "statement_id": statement_id,
                "currency": currency, "counterparty": None}
        for detail in account.children:
            self.detail(next(self.lines), detail, base, group.header.as_of_date)
        total = sum(s.amount or 0 for s in head.summary_items) + sum(d.amount for d in account.children)
        line, trailer = next(self.lines), account.trailer
        self.check(line, f"account {mask} control total", trailer.account_control_total, total)
        records = _count(head, trailer, *account.children)
        self.check(line, f"account {mask} record count", trailer.number_of_records, records)
        return trailer.account_control_total, records

    def detail(self, line: int, detail: TransactionDetail, base: dict, as_of_date: date) -> None:
        code = detail.type_code
        if code is None or detail.amount is None:
            raise StatementFormatError(self.path, line, "transaction detail needs a type code and an amount")
        sign = _SIGN.get(code.transaction)
        if sign is None:
            raise StatementFormatError(self.path, line, f"type code {code.code} ({code.description}) is "
                                                        "neither a credit nor a debit")
        if sign == 0 and detail.amount:
            raise StatementFormatError(self.path, line, f"type code {code.code} is non-monetary but "
                                                        f"carries amount {detail.amount}")
        value_date = as_of_date
        if detail.funds_type == FundsType.value_dated and detail.availability.get("date"):
            value_date = detail.availability["date"]
        self.rows.append({
            **base, "booking_date": as_of_date, "value_date": value_date,
            "amount_minor": sign * detail.amount, "type_code": code.code,
            "reference": _blank_to_none(detail.customer_reference),
            "description": _blank_to_none(detail.text), "bank_ref": _blank_to_none(detail.bank_reference),
            "line": line,
        })


def _blank_to_none(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None
