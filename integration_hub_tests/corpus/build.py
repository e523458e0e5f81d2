"""Build the bad-input corpus into a generated company: every case's record or file, written at test time.

`build(company, run)` injects the cases of one pipeline run (cases.RUNS) into the sample exports and
the bank statement folder of `company`, and returns each case with where it landed (file, data row
number, source id), so the test can look its outcome up in the hub store and the ERP. Row cases are
appended after the generated rows, one record each, on ids of their own, so they cannot disturb one
another or the generated records; file cases replace or add whole files.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from integration_hub_tests.corpus.cases import CASES, Case


@dataclass
class Placed:
    case: Case
    path: Path                      # the file the case went into
    row_number: int | None = None   # data row number of its record (1-based, as the hub numbers them)
    source_id: str | None = None
    context: dict = field(default_factory=dict)     # template ids etc. the expectation refers to


def csv_record(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue().encode("utf-8")


def read_records(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    return header, [dict(zip(header, r)) for r in reader if r]


class Templates:
    """Good generated records the row cases copy, and the ids they refer to (a loaded customer, a charge
    with nothing refunded, an invoice without a credit note)."""

    def __init__(self, company: Path):
        self.company = company
        self.references: dict[Path, bytes] = {}      # file -> what a rewritten file must read as
        _, charges = read_records(company / "stripe" / "charges.csv")
        _, refunds = read_records(company / "stripe" / "refunds.csv")
        _, invoices = read_records(company / "billing" / "invoices.csv")
        _, notes = read_records(company / "billing" / "credit_notes.csv")
        _, billing_customers = read_records(company / "billing" / "customers.csv")
        _, stripe_customers = read_records(company / "stripe" / "customers.csv")
        refunded = {r["charge_id"] for r in refunds}
        good_charges = [c for c in charges if c["status"] == "succeeded" and c["amount"].isdigit()
                        and c["amount_refunded"] == "0" and c["id"] not in refunded
                        and not c["metadata_invoice_number"] and c["currency"] == "usd"]
        self.charge = good_charges[0]
        self.charge_for_refund = good_charges[1]
        credited = {n["invoice_number"] for n in notes}
        good_invoices = [i for i in invoices if i["invoice_number"] not in credited and i["status"] == "open"
                         and i["currency"] == "USD" and i["due_date"]]
        self.invoice = good_invoices[0]
        self.invoice_for_credit = good_invoices[1]
        self.refund = refunds[0]
        self.credit_note = notes[0]
        self.billing_customer = next(c for c in billing_customers if c["company_name"] and c["created_at"])
        self.stripe_customer = next(c for c in stripe_customers if c["name"] and c["created"])

    def row(self, file: str) -> dict[str, str]:
        return dict({"stripe/charges.csv": self.charge, "stripe/refunds.csv": self.refund,
                     "billing/invoices.csv": self.invoice, "billing/credit_notes.csv": self.credit_note,
                     "billing/customers.csv": self.billing_customer,
                     "stripe/customers.csv": self.stripe_customer}[file])


ID_COLUMNS = {"stripe/charges.csv": "id", "stripe/refunds.csv": "id", "stripe/customers.csv": "id",
              "billing/invoices.csv": "invoice_number", "billing/credit_notes.csv": "credit_note_number",
              "billing/customers.csv": "customer_id"}


def _data_records(path: Path) -> int:
    return len(read_records(path)[1])


def build(company: Path, run: str) -> list[Placed]:
    templates = Templates(company)
    placed: list[Placed] = []
    mine = [c for c in CASES if c.run == run]
    # row cases: one appended record each, in case order per file (an unclosed quote goes last: it
    # would swallow the lines after it)
    by_file: dict[str, list[Case]] = {}
    for case in mine:
        if case.row is not None:
            by_file.setdefault(case.file, []).append(case)
    for file, cases in by_file.items():
        path = company / file
        header, _ = read_records(path)
        next_row = _data_records(path) + 1
        chunks = []
        for case in sorted(cases, key=lambda c: c.last):
            values = templates.row(file)
            values[ID_COLUMNS[file]] = f"{case.id_prefix}_{case.name}"
            record = case.row(values, templates)
            if isinstance(record, dict):
                record = csv_record([record.get(h, "") for h in header])
            source_id = case.source_id if case.source_id is not None else values.get(ID_COLUMNS[file])
            placed.append(Placed(case, path, next_row, source_id, {"templates": templates}))
            chunks.append(record)
            next_row += 1
        data = path.read_bytes()
        if not data.endswith(b"\n"):
            data += b"\n"
        path.write_bytes(data + b"".join(chunks))
    for case in mine:
        if case.write is not None:
            path = company / case.file
            case.write(path, templates)
            placed.append(Placed(case, path, context={"templates": templates}))
    return placed
