"""SWIFT MT940 customer statements to rows, fields parsed by the `mt940` package.

Each field is fed to `mt940` on its own, so an error names the field's line and each
:61: statement line keeps its line. A structured German :86: (?00 posting text, ?20-?29
remittance, ?32/?33 counterparty name, EREF+/KREF+/SVWZ+ keywords) gives the reference,
counterparty and description; an unstructured :86: is kept as the description.

A statement whose closing balance is not its opening balance plus its lines, or that has no
opening balance :60F:/:60M: at all, is read and flagged (balance_mismatch, no_opening_balance:
see completeness), not refused. One without a closing balance is cut off and refused.
"""
from __future__ import annotations

import re

import mt940

from integration_hub.connectors.bank.completeness import (BALANCE_MISMATCH, NO_OPENING_BALANCE,
                                                          IncompleteStatement, Problem, flag_statement)
from integration_hub.connectors.bank.errors import StatementFormatError
from integration_hub.connectors.bank.mt940_fields import Field, split_statements, tokenize
from integration_hub.connectors.bank.records import check_currency, mask_account, split_lines, to_minor

# Signed reversals (RC negative), full-length :86:, ?31 kept apart from the ?32 name,
# and a :61: customer reference that a structured :86: without KREF does not erase.
_OPTIONS = mt940.Options(reversal_sign=True, case_insensitive_marks=True, unbounded_details=True,
                         applicant_iban=True, merge_keeps_values=True)
_OPENING, _CLOSING = "60[FM]?", "62[FM]?"
_MANDATORY = [("25", "account identification :25:"), ("28C?", "statement number :28C:")]
_NO_REFERENCE = re.compile(r"(NONREF|NOTPROVIDED|[A-Z]{4}\+)?", re.IGNORECASE)


def read_mt940(path: str, data: bytes) -> tuple[list[dict], list[IncompleteStatement]]:
    """One row per :61: statement line, in file order, over every statement in the file; and the
    statements that could not be proven complete."""
    leading, statements = split_statements(tokenize(split_lines(data)))
    if leading:
        raise StatementFormatError(path, leading[0].line, f"field :{leading[0].tag}: before the first :20:")
    if not statements:
        raise StatementFormatError(path, 1, "no :20: field, so no statement")
    rows: list[dict] = []
    incomplete: list[IncompleteStatement] = []
    for fields in statements:
        found, flag = _statement(path, fields)
        rows.extend(found)
        incomplete.extend([flag] if flag is not None else [])
    return rows, incomplete


def _check_layout(path: str, fields: list[Field]) -> None:
    tags = [f.tag for f in fields]
    first = fields[0]
    name = first.text[4:].strip() or "(blank)"
    for pattern, what in _MANDATORY:
        if not any(re.fullmatch(pattern, t) for t in tags):
            raise StatementFormatError(path, first.line, f"statement {name} has no {what}")
    if not any(re.fullmatch(_CLOSING, t) for t in tags):
        raise StatementFormatError(path, fields[-1].last_line,
                                   f"statement {name} ends without a closing balance :62F:/:62M: (truncated?)")
    # Lines follow the opening balance, or the statement number when there is none.
    lines_start = next((i for i, t in enumerate(tags) if re.fullmatch(_OPENING, t)),
                       next(i for i, t in enumerate(tags) if re.fullmatch("28C?", t)))
    first_closing = next(i for i, t in enumerate(tags) if re.fullmatch(_CLOSING, t))
    for i, item in enumerate(fields):
        if item.tag == "61" and not lines_start < i < first_closing:
            raise StatementFormatError(path, item.line,
                                       "statement line :61: outside the opening and closing balances")


def _statement(path: str, fields: list[Field]) -> tuple[list[dict], IncompleteStatement | None]:
    _check_layout(path, fields)
    parsed = mt940.models.Transactions(options=_OPTIONS)
    lines: list[int] = []
    for item in fields:
        try:
            parsed.parse(item.text)
        except RuntimeError:
            raise StatementFormatError(path, item.line, f"malformed :{item.tag}: field: it does not match "
                                                        "the SWIFT layout of that field") from None
        except (ValueError, ArithmeticError, KeyError, TypeError, IndexError) as exc:
            raise StatementFormatError(path, item.line, f"malformed :{item.tag}: field: "
                                                        f"{exc or type(exc).__name__}") from None
        if item.tag == "61":
            if len(parsed) != len(lines) + 1 or not parsed[-1].data.get("id"):
                raise StatementFormatError(path, item.line, "malformed :61: field: no transaction type "
                                                            "identification (e.g. NTRF) after the amount")
            # `mt940` appends a :86: KREF to this key with a newline; keep the two apart.
            parsed[-1].data["line_reference"] = parsed[-1].data.pop("customer_reference", None)
            lines.append(item.line)
    head = parsed.data
    account = (head.get("account_identification") or "").strip()
    account_line = next(f.line for f in fields if f.tag == "25")
    if not account:
        raise StatementFormatError(path, account_line, "account identification :25: is blank")
    mask = mask_account(account)
    try:
        currency = check_currency(parsed.currency)
    except ValueError as exc:
        raise StatementFormatError(path, fields[0].line, f"account {mask}: balance {exc}") from None
    numbering = ("transaction_reference", "statement_number", "sequence_number")
    statement_id = "/".join(str(head[key]) for key in numbering if head.get(key))
    base = {"account": account, "account_mask": mask, "statement_id": statement_id, "currency": currency}
    rows = [_row(path, line, transaction.data, base) for line, transaction in zip(lines, parsed, strict=True)]
    problems = _check_balances(path, fields, head, rows, base)
    flag = flag_statement(rows, problems, file=path, statement_id=statement_id, account_mask=mask,
                          currency=currency)
    return rows, flag


def _check_balances(path: str, fields: list[Field], head: dict, rows: list[dict], base: dict) -> list[Problem]:
    """Opening balance plus the statement lines must give the closing balance; without an opening
    balance the closing one cannot be verified. The problems found, none for a complete statement."""
    currency, mask = base["currency"], base["account_mask"]
    opening, closing = _balance(head, "opening"), _balance(head, "closing")
    closing_line = next(f.line for f in fields if re.fullmatch(_CLOSING, f.tag))
    try:
        end = to_minor(closing.amount.amount, currency)
        start = None if opening is None else to_minor(opening.amount.amount, currency)
    except ValueError as exc:
        raise StatementFormatError(path, closing_line, f"account {mask}: balance {exc}") from None
    moved = sum(r["amount_minor"] for r in rows)
    if start is None:
        return [Problem(NO_OPENING_BALANCE, fields[0].line,
                        f"account {mask}: no opening balance :60F:/:60M:, so the closing balance {end} cannot be "
                        f"verified against the statement lines {moved} (minor units of {currency})",
                        stated_minor=end)]
    if start + moved != end:
        return [Problem(BALANCE_MISMATCH, closing_line,
                        f"account {mask}: closing balance {end} is not the opening balance {start} plus the "
                        f"statement lines {moved} (minor units of {currency})",
                        stated_minor=end, computed_minor=start + moved)]
    return []


def _balance(head: dict, kind: str) -> mt940.models.Balance | None:
    """The F (final), M (intermediate) or plain form of the opening or closing balance."""
    keys = (f"final_{kind}_balance", f"intermediate_{kind}_balance", f"{kind}_balance")
    return next((head[key] for key in keys if head.get(key)), None)


def _reference(*candidates: str | None) -> str | None:
    for value in candidates:
        text = (value or "").strip()
        if text and not _NO_REFERENCE.fullmatch(text):
            return text
    return None


def _row(path: str, line: int, data: dict, base: dict) -> dict:
    try:
        amount = to_minor(data["amount"].amount, base["currency"])
    except ValueError as exc:
        raise StatementFormatError(path, line, f"account {base['account_mask']}: {exc}") from None
    if "transaction_details" in data:  # a free-text :86:, which `mt940` leaves unparsed
        purpose = counterparty = None
        description = " ".join((data["transaction_details"] or "").split())
    else:
        purpose, counterparty = _text(data.get("purpose")), _text(data.get("applicant_name"))
        description = " ".join(filter(None, [_text(data.get("posting_text")), purpose]))
    return {
        **base, "amount_minor": amount, "line": line, "type_code": data.get("id"),
        "booking_date": data.get("entry_date") or data["date"], "value_date": data["date"],
        "reference": _reference(data.get("end_to_end_reference"), data.get("customer_reference"),
                                data.get("line_reference"), purpose, _single_token(data.get("extra_details"))),
        "counterparty": counterparty,
        "description": description or _text(data.get("extra_details")),
        "bank_ref": _text(data.get("bank_reference")),
    }


def _single_token(value: str | None) -> str | None:
    """Supplementary details (34x) that are one identifier: where banks put a reference
    longer than the 16 characters the :61: reference allows (a payout id, say)."""
    text = (value or "").strip()
    return text if re.fullmatch(r"\S{6,34}", text) else None


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None
