"""ISO 20022 camt.053 (BankToCustomerStatement, versions .02 to .08) to statement rows.

One row per entry (Ntry); a batch entry with several transaction details (TxDtls) gives
one row per TxDtls, whose amounts must add up to the entry's. The counterparty is the
other party: the debtor on a credit, the creditor on a debit. Reads both the .02-.07
party layout (Dbtr/Nm) and the .08 one (Dbtr/Pty/Nm). The reference is the EndToEndId
unless NOTPROVIDED, else the structured creditor reference, else the first Ustrd line.

Two controls prove a statement complete: its booked entries bridge the opening (OPBD/PRCD)
and closing (CLBD) booked balances, and the transactions summary (TxsSummry: count, sum and
net of all entries, of credits, of debits) agrees with the entries. A statement that fails
one (balance_mismatch, summary_mismatch) or states neither (unverifiable) is still read: its
rows carry that status and the reader reports it with the figures (see completeness), so the
cash reaches the hub and the question for the bank is on record. Broken structure (no
amount, bad dates, entries whose details do not add up) still refuses the file at its line.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from typing import NoReturn

from integration_hub.connectors.bank.completeness import (BALANCE_MISMATCH, SUMMARY_MISMATCH, UNVERIFIABLE,
                                                          IncompleteStatement, Problem, flag_statement)
from integration_hub.connectors.bank.errors import StatementFormatError
from integration_hub.connectors.bank.records import check_currency, mask_account, to_minor
from integration_hub.connectors.bank.xml_lines import parse_with_lines

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})")
_SUPPORTED = range(2, 9)
_AMOUNT = re.compile(r"\d+(\.\d+)?")
_SIGNS = {"CRDT": 1, "DBIT": -1}
_NO_REFERENCE = {"NOTPROVIDED", "NONREF"}
_DOMAIN_CODE = ("BkTxCd/Domn/Cd", "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd")
# TxsSummry totals: element, which entries it counts (None: all, else the CdtDbtInd sign), wording.
_SUMMARY_TOTALS = (("TtlNtries", None, ""), ("TtlCdtNtries", 1, "credit "), ("TtlDbtNtries", -1, "debit "))


def read_camt053(path: str, data: bytes) -> tuple[list[dict], list[IncompleteStatement]]:
    """One row per entry, or per transaction detail of a batch entry, in file order; and the
    statements that failed a completeness control."""
    root, lines = parse_with_lines(path, data)
    document = _Document(path, root, lines)
    return document.rows(), document.incomplete


class _Document:
    def __init__(self, path: str, root: ET.Element, lines: dict[ET.Element, int]) -> None:
        self.path, self.lines = path, lines
        self.incomplete: list[IncompleteStatement] = []
        self.body = next((el for el in root.iter() if el.tag.endswith("}BkToCstmrStmt")
                          and _NAMESPACE.search(el.tag)), None)
        if self.body is None:
            self.fail(root, "no BkToCstmrStmt element in a camt.053 namespace")
        self.ns = {"c": self.body.tag[1:].split("}")[0]}
        version = int(_NAMESPACE.search(self.ns["c"]).group(1))
        if version not in _SUPPORTED:
            self.fail(self.body, f"camt.053.001.{version:02d} is not supported (.02 to .08 are)")

    def fail(self, element: ET.Element, message: str) -> NoReturn:
        raise StatementFormatError(self.path, self.lines.get(element, 1), message)

    def find(self, element: ET.Element, path: str) -> ET.Element | None:
        return element.find("/".join(f"c:{step}" for step in path.split("/")), self.ns)

    def findall(self, element: ET.Element, path: str) -> list[ET.Element]:
        return element.findall("/".join(f"c:{step}" for step in path.split("/")), self.ns)

    def text(self, element: ET.Element | None, *paths: str) -> str | None:
        """Stripped text of the first path that has some."""
        for path in paths:
            found = None if element is None else self.find(element, path)
            if found is not None and (found.text or "").strip():
                return found.text.strip()
        return None

    def rows(self) -> list[dict]:
        rows: list[dict] = []
        for statement in self.findall(self.body, "Stmt"):
            statement_id = self.text(statement, "Id") or self.fail(statement, "statement without Id")
            account = self.text(statement, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
            if not account:
                self.fail(statement, "statement account has neither Id/IBAN nor Id/Othr/Id")
            base = {"account": account, "account_mask": mask_account(account), "statement_id": statement_id}
            booked, entries, found_rows = 0, [], []
            for entry in self.findall(statement, "Ntry"):
                found = self.entry(entry, base)
                found_rows.extend(found)
                moved = sum(row["amount_minor"] for row in found)
                entries.append((self.sign(entry, None), abs(moved)))
                if self.text(entry, "Sts", "Sts/Cd") in (None, "BOOK"):
                    booked += moved
            mask, currency = base["account_mask"], self.currency(statement)
            problems: list[Problem] = []
            balanced = self.check_balances(statement, booked, mask, problems)
            summarized = self.check_summary(statement, entries, currency, mask, problems)
            if not (balanced or summarized):
                problems.append(Problem(UNVERIFIABLE, self.lines.get(statement, 1),
                                        f"account {mask}: statement {statement_id} states neither an opening and a "
                                        "closing booked balance (OPBD or PRCD, and CLBD) nor a TxsSummry count or "
                                        "sum, so a missing entry could not be detected"))
            flag = flag_statement(found_rows, problems, file=self.path, statement_id=statement_id,
                                  account_mask=mask, currency=currency)
            if flag is not None:
                self.incomplete.append(flag)
            rows.extend(found_rows)
        return rows

    def currency(self, statement: ET.Element) -> str:
        """The currency of the summary's amounts (which carry none): the entries', else the balances',
        else the account's; "XXX" (no currency) for a statement stating none, whose sums must be 0."""
        for amount in (self.find(statement, "Ntry/Amt"), self.find(statement, "Bal/Amt")):
            if amount is not None and amount.get("Ccy"):
                return amount.get("Ccy").strip().upper()
        return (self.text(statement, "Acct/Ccy") or "XXX").upper()

    def check_balances(self, statement: ET.Element, moved: int, mask: str, problems: list[Problem]) -> bool:
        """Opening booked balance plus the booked entries must give the closing booked balance,
        when the statement states both (a middle page of a paginated statement may not).
        True when it did, so the balances were checked; a disagreement goes to `problems`."""
        balances = {self.text(b, "Tp/CdOrPrtry/Cd"): b for b in self.findall(statement, "Bal")}
        opening, closing = balances.get("OPBD") or balances.get("PRCD"), balances.get("CLBD")
        if opening is None or closing is None:
            return False
        (start, currency), (end, _) = self.amount(opening), self.amount(closing)
        start, end = start * self.sign(opening, None), end * self.sign(closing, None)
        if start + moved != end:
            problems.append(Problem(BALANCE_MISMATCH, self.lines.get(closing, 1),
                                    f"account {mask}: closing balance {end} is not the opening balance {start} "
                                    f"plus the entries {moved} (minor units of {currency})",
                                    stated_minor=end, computed_minor=start + moved))
        return True

    def check_summary(self, statement: ET.Element, entries: list[tuple[int, int]], currency: str,
                      mask: str, problems: list[Problem]) -> bool:
        """Every count, sum and net the TxsSummry states must match the entries (sign, amount), all
        statuses included. True when it stated a count or a sum, so the summary was checked; each
        disagreement goes to `problems`."""
        summary = self.find(statement, "TxsSummry")
        checked = False
        for name, side, what in _SUMMARY_TOTALS if summary is not None else ():
            total = self.find(summary, name)
            if total is None:
                continue
            amounts = [amount for sign, amount in entries if side is None or sign == side]
            mismatch = f"account {mask}: TxsSummry {name}"
            line = self.lines.get(total, 1)
            count = self.text(total, "NbOfNtries")
            if count is not None:
                checked = True
                if not count.isdigit():
                    self.fail(total, f"TxsSummry {name}/NbOfNtries {count!r} is not a whole number")
                if int(count) != len(amounts):
                    problems.append(Problem(SUMMARY_MISMATCH, line, f"{mismatch}/NbOfNtries is {count} but the "
                                            f"statement has {len(amounts)} {what}entries", int(count), len(amounts)))
            stated = self.text(total, "Sum")
            if stated is not None:
                checked = True
                stated_sum = self.decimal(total, stated, currency)
                if stated_sum != sum(amounts):
                    problems.append(Problem(SUMMARY_MISMATCH, line, f"{mismatch}/Sum is {stated_sum} but the {what}"
                                            f"entries add up to {sum(amounts)} (minor units of {currency})",
                                            stated_sum, sum(amounts)))
            net = self.text(total, "TtlNetNtry/Amt", "TtlNetNtryAmt")
            if side is None and net is not None:
                indicator = self.find(total, "TtlNetNtry")
                stated_net = self.decimal(total, net, currency) * self.sign(
                    total if indicator is None else indicator, 1)
                actual = sum(sign * amount for sign, amount in entries)
                if stated_net != actual:
                    problems.append(Problem(SUMMARY_MISMATCH, line, f"{mismatch} net is {stated_net} but the "
                                            f"entries add up to {actual} (minor units of {currency})",
                                            stated_net, actual))
        return checked

    def decimal(self, element: ET.Element, text: str, currency: str) -> int:
        """An unsigned summary amount (no Ccy of its own) in minor units of the statement's currency."""
        try:
            if not _AMOUNT.fullmatch(text):
                raise ValueError(f"amount {text!r} is not a decimal number")
            return to_minor(text, currency)
        except ValueError as exc:
            self.fail(element, str(exc))

    def entry(self, entry: ET.Element, base: dict) -> list[dict]:
        amount, currency = self.amount(entry)
        sign = self.sign(entry, None)
        booked, valued = self.date(entry, "BookgDt"), self.date(entry, "ValDt")
        if booked is None and valued is None:
            self.fail(entry, "entry has neither BookgDt nor ValDt")
        base = {**base, "currency": currency, "booking_date": booked or valued, "value_date": valued or booked}
        details = self.findall(entry, "NtryDtls/TxDtls")
        if len(details) <= 1:
            tx = details[0] if details else None
            return [self.row(entry, tx, base, sign, amount, self.lines[entry])]
        rows = []
        for tx in details:
            tx_amount, tx_currency = self.amount(tx, batch=True)
            if tx_currency != currency:
                self.fail(tx, f"batch transaction in {tx_currency} inside an entry in {currency}")
            rows.append(self.row(entry, tx, base, self.sign(tx, sign), tx_amount, self.lines[tx]))
        total = sum(r["amount_minor"] for r in rows)
        if total != sign * amount:
            self.fail(entry, f"batch transactions add up to {total} but the entry amount is {sign * amount} "
                             f"(minor units of {currency})")
        return rows

    def amount(self, element: ET.Element, batch: bool = False) -> tuple[int, str]:
        """Amount in minor units and currency; a batch TxDtls may carry it in AmtDtls."""
        node = self.find(element, "Amt")
        if node is None and batch:
            node = self.find(element, "AmtDtls/TxAmt/Amt")
        if node is None:
            self.fail(element, f"{element.tag.split('}')[-1]} without an amount")
        text = (node.text or "").strip()
        try:
            currency = check_currency(node.get("Ccy"))
            if not _AMOUNT.fullmatch(text):
                raise ValueError(f"amount {text!r} is not a decimal number")
            return to_minor(text, currency), currency
        except ValueError as exc:
            self.fail(node, str(exc))

    def sign(self, element: ET.Element, default: int | None) -> int:
        indicator = self.text(element, "CdtDbtInd")
        if indicator is None and default is not None:
            return default
        if indicator not in _SIGNS:
            self.fail(element, f"CdtDbtInd is {indicator!r}, expected CRDT or DBIT")
        return _SIGNS[indicator]

    def date(self, entry: ET.Element, name: str) -> date | None:
        """Calendar date of Dt, or of DtTm as the bank wrote it (its local day)."""
        node = self.find(entry, name)
        if node is None:
            return None
        text = self.text(node, "Dt", "DtTm") or self.fail(node, f"{name} has neither Dt nor DtTm")
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            self.fail(node, f"{name} {text!r} is not an ISO date")
        if not 1900 <= day.year < 2200:
            self.fail(node, f"{name} {text!r} is not a plausible booking date")
        return day

    def bank_code(self, element: ET.Element | None) -> str | None:
        parts = [self.text(element, path) for path in _DOMAIN_CODE]
        return "-".join(parts) if all(parts) else self.text(element, "BkTxCd/Prtry/Cd")

    def row(self, entry: ET.Element, tx: ET.Element | None, base: dict, sign: int, amount: int,
            line: int) -> dict:
        party = "Dbtr" if sign > 0 else "Cdtr"
        unstructured = [] if tx is None else [t.text.strip() for t in self.findall(tx, "RmtInf/Ustrd")
                                               if (t.text or "").strip()]
        end_to_end = self.text(tx, "Refs/EndToEndId")
        if end_to_end in _NO_REFERENCE:
            end_to_end = None
        reference = end_to_end or self.text(tx, "RmtInf/Strd/CdtrRefInf/Ref") or next(iter(unstructured), None)
        description = (" ".join(unstructured) or self.text(tx, "AddtlTxInf")
                       or self.text(entry, "AddtlNtryInf"))
        return {
            **base, "amount_minor": sign * amount, "line": line, "reference": reference,
            "type_code": self.bank_code(tx) or self.bank_code(entry), "description": description,
            "counterparty": self.text(tx, f"RltdPties/{party}/Nm", f"RltdPties/{party}/Pty/Nm",
                                      f"RltdPties/Ultmt{party}/Nm", f"RltdPties/Ultmt{party}/Pty/Nm"),
            "bank_ref": self.text(tx, "Refs/AcctSvcrRef") or self.text(entry, "AcctSvcrRef", "NtryRef"),
        }
