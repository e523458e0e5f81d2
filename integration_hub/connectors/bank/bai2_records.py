"""BAI2 record layer: grammar check with line numbers, and the `bai2` parser wired to them.

The `bai2` package parses fields but forgets where records were, stops at the first
unknown type code and says "Expected account trailer" for a truncated file. This module
checks the record order first (so truncation is reported as truncation, at its line),
tells the parser's iterator which line each logical record starts on, and accepts the
whole BAI2 type code space (bank-specific 9xx codes included).
"""
from __future__ import annotations

import re

from bai2.constants import TypeCode, TypeCodeLevel, TypeCodes, TypeCodeTransaction
from bai2.exceptions import NotSupportedYetException
from bai2.helpers import IteratorHelper
from bai2.parsers import (
    AccountIdentifierParser,
    AccountParser,
    Bai2FileParser,
    GroupParser,
    TransactionDetailParser,
)

from integration_hub.connectors.bank.errors import StatementFormatError

RECORD_NAMES = {
    "01": "file header", "02": "group header", "03": "account identifier",
    "16": "transaction detail", "49": "account trailer", "88": "continuation",
    "98": "group trailer", "99": "file trailer",
}
# Which record may come next; 88 may follow anything and is handled apart.
_FOLLOWS: dict[str | None, set[str]] = {
    None: {"01"}, "01": {"02"}, "02": {"03"}, "03": {"16", "49"}, "16": {"16", "49"},
    "49": {"03", "98"}, "98": {"02", "99"}, "99": set(),
}


def scan_records(path: str, lines: list[str]) -> list[tuple[int, str]]:
    """Non-blank physical records as (line number, text), in a valid BAI2 order.

    Messages carry record codes only, never record text: an 03 holds the account number.
    """
    numbered: list[tuple[int, str]] = []
    previous: str | None = None
    for number, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text:
            continue
        code = text[:2]
        if text[2:3] != "," or code not in RECORD_NAMES:
            raise StatementFormatError(path, number, f"not a BAI2 record (record code {code!r})")
        if code == "88" and previous is None:
            raise StatementFormatError(path, number, "continuation (88) before any record")
        if code != "88":
            if code not in _FOLLOWS[previous]:
                after = RECORD_NAMES[previous] if previous else "the start of the file"
                expected = " or ".join(sorted(_FOLLOWS[previous])) or "nothing"
                raise StatementFormatError(
                    path, number, f"{RECORD_NAMES[code]} ({code}) cannot follow {after}; expected {expected}")
            previous = code
        numbered.append((number, text))
    if previous != "99":
        last = numbered[-1][0] if numbered else 1
        raise StatementFormatError(path, last, "file ends without the 99 file trailer (truncated?)")
    return numbered


class NumberedRecords(IteratorHelper):
    """The `bai2` record iterator, also knowing the line each logical record starts on."""

    def __init__(self, numbered: list[tuple[int, str]]) -> None:
        self.starts = [number for number, text in numbered if not text.startswith("88,")]
        self.index = -1
        super().__init__(text for _, text in numbered)

    def advance(self) -> None:
        super().advance()
        self.index += 1

    @property
    def line(self) -> int:
        return self.starts[max(self.index, 0)]


def type_code(value: str) -> TypeCode:
    """A BAI2 type code; codes missing from the `bai2` list get their direction from the
    spec's ranges (100-399 credit, 400-699 debit, custom 920-959 credit, 960-999 debit)."""
    known = TypeCodes.get(value)
    if known is not None:
        return known
    if not re.fullmatch(r"\d{3}", value):
        raise NotSupportedYetException(f"type code {value!r} is not three digits")
    number = int(value)
    credit, debit = TypeCodeTransaction.credit, TypeCodeTransaction.debit
    direction = (credit if 100 <= number < 400 or 920 <= number < 960
                 else debit if 400 <= number < 700 or number >= 960 else None)
    return TypeCode(value, direction, TypeCodeLevel.detail, "not in the BAI2 code list")


def unsigned_amount(value: str) -> int:
    """Detail amounts are unsigned whole minor units; the type code carries the sign."""
    if not value.isdigit():
        raise ValueError(f"amount {value!r} is not an unsigned whole number of minor units")
    return int(value)


class _Detail(TransactionDetailParser):
    head_fields_config = [("type_code", type_code), ("amount", unsigned_amount),
                          ("funds_type", TransactionDetailParser.head_fields_config[2][1])]


class _AccountHeader(AccountIdentifierParser):
    summary_fields_config = [("type_code", type_code), *AccountIdentifierParser.summary_fields_config[1:]]


class _Account(AccountParser):
    header_parser_class = _AccountHeader
    child_parser_class = _Detail


class _Group(GroupParser):
    child_parser_class = _Account


class FileParser(Bai2FileParser):
    """`bai2`'s file parser with the lenient type codes and strict detail amounts above."""

    child_parser_class = _Group
