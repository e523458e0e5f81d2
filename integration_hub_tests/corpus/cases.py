"""The bad-input corpus: each case is one bad record or file and the outcome the hub must give it.

Runs (one cash-phase pipeline run each, cases that cannot disturb one another batched together):
  rows     every bad record, appended to the generated exports on ids of its own
  files    whole export files written in another way the hub must read the same (BOM, CRLF, cp1252,
           columns reordered or added), and files it must refuse or read as empty
  bank     statement files the hub must refuse with their line (truncated, wrong trailer totals,
           entity expansion, external entities, not a statement)
  gate     a missing export column and statements that do not balance: loading must stop
  overflow an invoice of the largest amount the hub accepts: it loads, and its currency's totals are exact

Outcomes:
  Quarantined(rule, value)   the record is in the hub store quarantine under that rule (value: the
                             offending value as stored, when given)
  Merged()                   an exact re-export, merged into its first copy
  Loaded(entity, fields)     accepted: the ERP record holds these normalized values
  Refused(rule, line)        the file is refused as one quarantine entry naming its line
  StatementRead(...)         a statement file read: a row with that text loads, or all rows merge
  Flagged(status)            a statement kept, its rows carrying that statement_status, on record in
                             incomplete_statements
  ReadSame(encoding)         the file reads as the same rows as the original export
  EmptyFile()                the file reads as no rows, nothing quarantined
  GateFails(asset, check)    that blocking check fails and stops the load
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

HYPERLINK = '=HYPERLINK("http://evil.example/x","Click")'
SQL = "x'); DROP TABLE payment; --"


@dataclass(frozen=True)
class Quarantined:
    rule: str
    value: str | None = None

    def __str__(self):
        return f"quarantined {self.rule}" + (f" value {self.value[:40]!r}" if self.value is not None else "")


@dataclass(frozen=True)
class Merged:
    def __str__(self):
        return "merged into its first copy"


@dataclass(frozen=True)
class Loaded:
    entity: str
    fields: dict = field(default_factory=dict)

    def __str__(self):
        shown = ", ".join(f"{k}={str(v)[:30]!r}" for k, v in self.fields.items())
        return f"accepted and loaded as {self.entity}" + (f" ({shown})" if shown else "")


@dataclass(frozen=True)
class Refused:
    rule: str
    line: int | None = None

    def __str__(self):
        return f"file refused ({self.rule}" + (f", line {self.line})" if self.line else ")")


@dataclass(frozen=True)
class Flagged:
    status: str

    def __str__(self):
        return f"statement kept and flagged {self.status}"


@dataclass(frozen=True)
class StatementRead:
    description: str | None = None      # a row of the file loads with this description text
    merged: bool = False                # every row of the file merges into the copy read first

    def __str__(self):
        return ("every row merged into the first delivery" if self.merged
                else f"accepted, a row loaded with description {self.description!r}")


@dataclass(frozen=True)
class ReadSame:
    encoding: str = "utf-8"

    def __str__(self):
        return f"read as the original rows ({self.encoding})"


@dataclass(frozen=True)
class EmptyFile:
    def __str__(self):
        return "read as no rows, nothing quarantined"


@dataclass(frozen=True)
class GateFails:
    asset: str
    check: str

    def __str__(self):
        return f"gate {self.asset} {self.check} fails, load stopped"


@dataclass(frozen=True)
class Case:
    name: str
    run: str
    file: str                                   # relative to the company folder
    expected: object
    row: Callable | None = None                 # (template values, templates) -> dict or raw record bytes
    write: Callable | None = None               # (path, templates) -> None: writes the whole file
    source_id: str | None = None                # when the record's id is not the id column's value
    last: bool = False                          # an unclosed quote must be the file's last record
    id_prefix: str = "corpus"


def _set(**changes) -> Callable:
    def make(values: dict, t) -> dict:
        values.update({k: (v(t) if callable(v) else v) for k, v in changes.items()})
        return values
    return make


def _joined(values: dict) -> str:
    """The values as one CSV record without its line end (quoted where CSV needs it)."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(list(values.values()))
    return out.getvalue()


C, R, I, N = "stripe/charges.csv", "stripe/refunds.csv", "billing/invoices.csv", "billing/credit_notes.csv"
SC, BC = "stripe/customers.csv", "billing/customers.csv"


# ---------------------------------------------------------------- row cases (one run)
ROWS = [
    # ids
    Case("missing_id", "rows", C, Quarantined("id.required"), _set(id="")),
    Case("whitespace_id", "rows", C, Quarantined("id.required"), _set(id="   ")),
    Case("duplicate_id_same_content", "rows", C, Merged(), lambda v, t: dict(t.charge)),
    Case("duplicate_id_other_content", "rows", C,
         Quarantined("id.unique (same id as an earlier row with different content)"),
         lambda v, t: {**t.charge, "amount": str(int(t.charge["amount"]) + 1)}),
    # amounts (Stripe writes integer minor units)
    Case("amount_non_numeric", "rows", C, Quarantined("amount.minor_units", "abc"), _set(amount="abc")),
    Case("amount_negative", "rows", C, Quarantined("amount.min(0)", "-500"), _set(amount="-500")),
    Case("amount_zero", "rows", C, Loaded("payment", {"amount_minor": 0}), _set(amount="0")),
    Case("amount_exponent_1e20", "rows", C, Quarantined("amount.amount_exponent", "1e20"), _set(amount="1e20")),
    Case("amount_huge_digits", "rows", C, Quarantined("amount.amount_out_of_range", "1" + "0" * 20),
         _set(amount="1" + "0" * 20)),
    Case("amount_currency_symbol_minor", "rows", C, Quarantined("amount.minor_units", "$12.50"),
         _set(amount="$12.50")),
    Case("amount_unicode_minus", "rows", C, Quarantined("amount.minor_units", "\u2212500"), _set(amount="\u2212500")),
    Case("amount_plus_sign", "rows", C, Loaded("payment", {"amount_minor": 100}), _set(amount="+100")),
    Case("amount_blank", "rows", C, Quarantined("amount.required"), _set(amount="")),
    Case("amount_refunded_above_amount", "rows", C, Quarantined("charge.refunded_within_amount"),
         _set(amount="100", amount_refunded="200")),
    # currencies
    Case("currency_unknown", "rows", C, Quarantined("currency.currency", "XYZ"), _set(currency="XYZ")),
    Case("currency_lower_case", "rows", C, Loaded("payment", {"currency": "EUR"}), _set(currency="eur")),
    Case("currency_mixed_case_padded", "rows", C, Loaded("payment", {"currency": "GBP"}), _set(currency=" Gbp ")),
    Case("currency_blank", "rows", C, Quarantined("currency.required"), _set(currency="")),
    # dates
    Case("created_malformed", "rows", C, Quarantined("created.timestamp", "2025-13-45 10:00:00"),
         _set(created="2025-13-45 10:00:00")),
    Case("created_far_future", "rows", C, Quarantined("created.date_out_of_range", "9999-12-31 23:59:59"),
         _set(created="9999-12-31 23:59:59")),
    # no horizon rule: a date the canonical timestamp can hold loads as written
    Case("created_next_century", "rows", C, Loaded("payment", {"paid_at": pd.Timestamp(
        "2200-01-01 00:00:00", tz="UTC")}), _set(created="2200-01-01 00:00:00")),
    Case("created_words", "rows", C, Quarantined("created.timestamp", "yesterday"), _set(created="yesterday")),
    # blank and whitespace-only, allowed values
    Case("status_blank", "rows", C, Quarantined("status.required"), _set(status="")),
    Case("status_whitespace", "rows", C, Quarantined("status.required"), _set(status=" \t ")),
    Case("status_unknown", "rows", C, Quarantined("status.allowed", "refunded-ish"), _set(status="refunded-ish")),
    Case("status_upper_case", "rows", C, Loaded("payment", {"status": "succeeded"}), _set(status="SUCCEEDED")),
    # text: newlines, quotes, NUL, encoding, size, injection
    Case("embedded_newline", "rows", C, Loaded("payment"), _set(description="line one\nline two\r\nline three")),
    Case("embedded_quotes", "rows", C, Loaded("payment"), _set(description='He said "pay ""now""", ok')),
    Case("nul_byte", "rows", C, Quarantined("row.nul_byte", "bad\\x00byte"), _set(description="bad\x00byte")),
    Case("invalid_utf8", "rows", C, Quarantined("row.encoding", "caf\\xff"),
         lambda v, t: (_joined({**v, "description": "@@U@@"}) + "\n").encode().replace(b"@@U@@", b"caf\xff")),
    Case("valid_utf8_accents", "rows", C, Loaded("payment"), _set(description="Café Zürich – ½ price")),
    Case("field_10mb", "rows", C, Quarantined("row.field_too_large"), _set(description="x" * (10 * 1024 * 1024))),
    Case("sql_injection_text", "rows", C, Loaded("payment"), _set(description=SQL)),
    Case("sql_injection_id", "rows", C, Loaded("payment", {"source_id": "ch_'; DROP TABLE payment;--"}),
         _set(id="ch_'; DROP TABLE payment;--")),
    Case("csv_injection_text", "rows", C, Loaded("payment"), _set(description=HYPERLINK)),
    # references
    # at the load stage the quarantine value is the record's own external id (the go-live suite keys on it)
    Case("unknown_customer", "rows", C,
         Quarantined("customer_external_id.exists_in_erp", "stripe:corpus_unknown_customer"),
         _set(customer_id="cus_NOSUCH")),
    # row shape
    Case("extra_field", "rows", C, Quarantined("row.field_count"), lambda v, t: (_joined(v) + ",surplus\n").encode()),
    Case("missing_fields", "rows", C, Quarantined("row.field_count"),
         lambda v, t: (",".join(list(v.values())[:3]) + "\n").encode()),
    Case("unclosed_quote", "rows", C, Quarantined("row.unbalanced_quote"),
         lambda v, t: _joined({**v, "description": "@@Q@@"}).replace("@@Q@@", '"never closed').encode() + b"\n",
         last=True),
    # refunds: rules across records
    Case("refund_above_charge", "rows", R, Quarantined("refund.exceeds_charge"),
         _set(charge_id=lambda t: t.charge_for_refund["id"], currency="usd",
              amount=lambda t: str(int(t.charge_for_refund["amount"]) + 1000))),
    Case("refund_unknown_charge", "rows", R, Quarantined("refund.charge_exists"), _set(charge_id="ch_NOSUCH")),
    Case("refund_other_currency", "rows", R, Quarantined("refund.currency_matches_charge"),
         _set(charge_id=lambda t: t.charge["id"], currency="eur", amount="1")),
    Case("refund_blank_charge", "rows", R, Quarantined("charge_id.required"), _set(charge_id="")),
    # invoices (billing declares a decimal point)
    Case("total_currency_symbol", "rows", I, Loaded("invoice", {"total_minor": 123450}),
         _set(subtotal="$1,234.50", tax="0.00", total="$1,234.50", currency="USD")),
    Case("total_symbol_mismatch", "rows", I, Quarantined("total.currency_symbol_mismatch", "£12.00"),
         _set(total="£12.00", currency="USD")),
    Case("total_exponent", "rows", I, Quarantined("total.amount_exponent", "1e20"), _set(total="1e20")),
    Case("total_out_of_range", "rows", I, Quarantined("total.amount_out_of_range"),
         _set(total="100000000000000000000.00")),
    Case("total_over_precise", "rows", I, Quarantined("total.amount_precision", "12.345"), _set(total="12.345")),
    Case("total_non_numeric", "rows", I, Quarantined("total.major_units", "twelve"), _set(total="twelve")),
    # the largest amount int64 holds is beyond the 15-digit bound (standardize/money.py MAX_MINOR_UNITS)
    Case("total_int64_max", "rows", I, Quarantined("total.amount_out_of_range", "92233720368547758.07"),
         _set(subtotal="92233720368547758.07", tax="0.00", total="92233720368547758.07")),
    # the largest amount within the bound loads exactly (its totals: see test_corpus's overflow run)
    Case("total_at_bound", "overflow", I, Loaded("invoice", {"total_minor": 10**15 - 1}),
         _set(subtotal="9999999999999.99", tax="0.00", total="9999999999999.99")),
    Case("total_zero", "rows", I, Loaded("invoice", {"total_minor": 0}), _set(subtotal="0.00", tax="0.00",
                                                                            total="0.00")),
    Case("currency_word", "rows", I, Quarantined("currency.currency", "dollars"), _set(currency="dollars")),
    Case("currency_lower_invoice", "rows", I, Loaded("invoice", {"currency": "USD"}), _set(currency="usd")),
    Case("issue_date_impossible", "rows", I, Quarantined("issue_date.date", "2025-02-30"),
         _set(issue_date="2025-02-30")),
    Case("issue_date_ambiguous", "rows", I, Quarantined("issue_date.date_ambiguous", "01/02/2025"),
         _set(issue_date="01/02/2025")),
    Case("issue_date_far_future", "rows", I, Quarantined("issue_date.date_out_of_range", "9999-12-31"),
         _set(issue_date="9999-12-31", due_date="9999-12-31")),
    Case("due_before_issue", "rows", I, Quarantined("invoice.due_before_issue"),
         _set(issue_date="2025-03-10", due_date="2025-03-01")),
    Case("invoice_unknown_customer", "rows", I, Quarantined("customer_external_id.exists_in_erp"),
         _set(customer_id="CUST-NOSUCH")),
    Case("invoice_sql_customer", "rows", I, Quarantined("customer_external_id.exists_in_erp"),
         _set(customer_id="CUST'; DELETE FROM invoice; --")),
    Case("invoice_number_lower_case", "rows", I, Loaded("invoice", {"invoice_number": "CORPUS_INVOICE_LOWER"}),
         _set(invoice_number="corpus_invoice_lower"), source_id="CORPUS_INVOICE_LOWER"),
    Case("po_number_csv_injection", "rows", I, Loaded("invoice"), _set(po_number=HYPERLINK)),
    Case("invoice_duplicate_other_content", "rows", I,
         Quarantined("invoice_number.unique (same id as an earlier row with different content)"),
         lambda v, t: {**t.invoice, "total": "1.00"}),
    # credit notes
    Case("credit_note_above_invoice", "rows", N, Quarantined("credit_note.exceeds_invoice"),
         _set(invoice_number=lambda t: t.invoice_for_credit["invoice_number"],
              customer_id=lambda t: t.invoice_for_credit["customer_id"], currency="USD",
              total=lambda t: f"{float(t.invoice_for_credit['total'].replace(',', '')) + 100:.2f}")),
    Case("credit_note_unknown_invoice", "rows", N, Quarantined("credit_note.invoice_exists"),
         _set(invoice_number="INV-NOSUCH")),
    Case("nul_byte_small_file", "rows", N, Quarantined("row.nul_byte", "bad\\x00byte"),
         _set(reason="bad\x00byte")),
    Case("credit_note_negative", "rows", N, Quarantined("total.min(0)", "-5.00"), _set(total="-5.00")),
    # customers
    Case("customer_name_csv_injection", "rows", BC, Loaded("customer"),
         _set(company_name=HYPERLINK, email="corpus-inject@example.com")),
    Case("customer_name_whitespace", "rows", BC, Quarantined("name.required"),
         _set(company_name="   ", contact_first_name=" ", contact_last_name="")),
    Case("customer_created_blank", "rows", BC, Quarantined("created_at.required"), _set(created_at="")),
    Case("customer_email_invalid_soft", "rows", SC, Loaded("customer", {"email": None}),
         _set(email="not an email", name="Corpus Softfield Ltd")),
    Case("customer_created_malformed", "rows", SC, Quarantined("created.timestamp", "31/31/2031"),
         _set(created="31/31/2031")),
]


# ---------------------------------------------------------------- whole export files
def _rewrite(transform: Callable[[bytes], bytes], reference: Callable[[bytes], bytes] = lambda b: b) -> Callable:
    """Write the file through `transform`; the reference (what it must read as) is kept on the templates."""
    def write(path: Path, t) -> None:
        original = path.read_bytes()
        t.references[path] = reference(original)
        path.write_bytes(transform(original))
    return write


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _reorder(data: bytes, *, extra: bool = False) -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    order = list(reversed(range(len(rows[0]))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, row in enumerate(rows):
        if row:
            picked = [row[j] for j in order] if not extra else row
            writer.writerow(picked + (["internal note, \"quoted\"" if i else "internal_note"] if extra else []))
    return out.getvalue().encode()


def _with_name(data: bytes, column: str, value: str) -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(r for r in rows if r)
    return out.getvalue().encode()


LATIN = "Société Générale Müller & Søn — ½"
FILES = [
    Case("bom_and_crlf", "files", C, ReadSame(), write=_rewrite(lambda b: b"\xef\xbb\xbf" + _crlf(b))),
    Case("crlf_only", "files", SC, ReadSame(), write=_rewrite(_crlf)),
    Case("reordered_columns", "files", R, ReadSame(), write=_rewrite(_reorder)),
    Case("extra_column", "files", N, ReadSame(), write=_rewrite(lambda b: _reorder(b, extra=True))),
    Case("latin1_file", "files", BC, ReadSame("cp1252"),
         write=_rewrite(lambda b: _with_name(b, "company_name", LATIN).decode().encode("cp1252"),
                        lambda b: _with_name(b, "company_name", LATIN))),
    Case("bom_utf8_accented", "files", I, ReadSame(),
         write=_rewrite(lambda b: b"\xef\xbb\xbf" + _with_name(b, "po_number", LATIN),
                        lambda b: _with_name(b, "po_number", LATIN))),
]


def _header_only(path: Path, t) -> None:
    path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")


EXPORT_FILES = [
    Case("whitespace_only_file", "bank", R, Refused("file.empty"), write=lambda p, t: p.write_bytes(b" \r\n\t\n")),
    Case("header_only_file", "bank", N, EmptyFile(), write=_header_only),
    Case("zero_byte_file", "gate", R, Refused("file.empty"), write=lambda p, t: p.write_bytes(b"")),
    Case("missing_column", "gate", C, GateFails("stripe/charges/extracted", "source_shape"),
         write=lambda p, t: p.write_bytes(_drop_column(p.read_bytes(), "currency"))),
]


def _drop_column(data: bytes, column: str) -> bytes:
    import csv
    import io

    rows = [r for r in csv.reader(io.StringIO(data.decode(), newline="")) if r]
    at = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([v for i, v in enumerate(r) if i != at] for r in rows)
    return out.getvalue().encode()


# ---------------------------------------------------------------- bank statement files
BAI, CAMT, MT = "bank/operating_usd.bai", "bank/eur_account.xml", "bank/gbp_account.sta"


def _copy_of(source: str, transform: Callable[[bytes], bytes]) -> Callable:
    def write(path: Path, t) -> None:
        path.write_bytes(transform((t.company / source).read_bytes()))
    return write


def _cut_lines(keep: float) -> Callable[[bytes], bytes]:
    def cut(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        return b"".join(lines[:int(len(lines) * keep)])
    return cut


def _bai_wrong_file_total(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    fields = lines[-1].split(b",")
    fields[1] = str(int(fields[1]) + 100).encode()         # 99 record: file control total off by $1.00
    lines[-1] = b",".join(fields)
    return b"".join(lines)


def _mt940_cut_before_closing(data: bytes) -> bytes:
    text = data.decode()
    return text[:text.index(":62F:")].encode()


_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
           + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10))
           + b']>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
           + b"<Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>\n")
_EXTERNAL = (b'<?xml version="1.0"?>\n<!DOCTYPE Document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
             b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
             b"<Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>\n")
_PARAMETER = (b'<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "http://evil.example/camt.dtd">\n'
              b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"></Document>\n')


def _camt_balance_off(data: bytes) -> bytes:
    text = data.decode()
    at = text.index("<Cd>CLBD</Cd>")
    start = text.index('<Amt Ccy="EUR">', at) + len('<Amt Ccy="EUR">')
    end = text.index("</Amt>", start)
    amount = f"{float(text[start:end]) + 1:.2f}"
    return (text[:start] + amount + text[end:]).encode()


def _mt940_balance_off(data: bytes) -> bytes:
    import re

    text = data.decode()
    match = re.search(r":62F:([CD]\d{6}[A-Z]{3})(\d+),(\d{2})", text)
    whole = int(match.group(2)) + 1
    return (text[:match.start()] + f":62F:{match.group(1)}{whole},{match.group(3)}" + text[match.end():]).encode()


def _in_place(transform: Callable[[bytes], bytes]) -> Callable:
    return lambda path, t: path.write_bytes(transform(path.read_bytes()))


BANK = [
    Case("bai2_truncated", "bank", "bank/corpus_truncated.bai", Refused("statement_format"),
         write=_copy_of(BAI, _cut_lines(0.5))),
    Case("bai2_wrong_trailer_total", "bank", "bank/corpus_wrong_total.bai", Refused("statement.summary_mismatch"),
         write=_copy_of(BAI, _bai_wrong_file_total)),
    Case("camt053_truncated", "bank", "bank/corpus_truncated.xml", Refused("statement_format"),
         write=_copy_of(CAMT, _cut_lines(0.5))),
    Case("mt940_truncated", "bank", "bank/corpus_truncated.sta", Refused("statement_format"),
         write=_copy_of(MT, _mt940_cut_before_closing)),
    Case("xml_entity_expansion", "bank", "bank/corpus_laughs.xml", Refused("statement_format", 2),
         write=lambda p, t: p.write_bytes(_LAUGHS)),
    Case("xml_external_entity", "bank", "bank/corpus_xxe.xml", Refused("statement_format", 2),
         write=lambda p, t: p.write_bytes(_EXTERNAL)),
    Case("xml_external_dtd", "bank", "bank/corpus_dtd.xml", Refused("statement_format", 2),
         write=lambda p, t: p.write_bytes(_PARAMETER)),
    Case("not_a_statement", "bank", "bank/corpus_notes.txt", Refused("statement_format", 1),
         write=lambda p, t: p.write_bytes(b"Dear bank,\nplease find attached...\n")),
    Case("empty_statement", "bank", "bank/corpus_empty.sta", Refused("statement_format", 1),
         write=lambda p, t: p.write_bytes(b"")),
    # MT940 is not UTF-8 by rule: bytes that are not UTF-8 are read as Latin-1, never dropped
    Case("statement_latin1_bytes", "bank", MT, StatementRead("\u00ff\u00feREGUS"),
         write=_in_place(lambda b: b.replace(b":86:", b":86:\xff\xfe", 1))),
    # the bank sends the same statement again (read after the first: files are read in name order):
    # every row is an exact re-export of one already read
    Case("statement_delivered_twice", "bank", "bank/zz_delivered_again.xml", StatementRead(merged=True),
         write=_copy_of(CAMT, lambda b: b)),
    Case("camt053_balance_mismatch", "gate", CAMT, Flagged("balance_mismatch"), write=_in_place(_camt_balance_off)),
    Case("mt940_balance_mismatch", "gate", MT, Flagged("balance_mismatch"), write=_in_place(_mt940_balance_off)),
]

CASES = [*ROWS, *FILES, *EXPORT_FILES, *BANK]
RUNS = ("rows", "files", "bank", "gate", "overflow")
