"""Bank statements parse structurally, balance, and point back at what they settle."""

import re
import xml.etree.ElementTree as ET

import pandas as pd
from bai2 import bai2
from mt940.models import Transactions

NS = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"}


def _entries(company, file):
    truth = company.csv("truth/bank_entries.csv")
    return truth[truth["file"] == file].assign(amount_minor=lambda t: t["amount_minor"].astype(int))


def test_bai2_record_counts_and_control_totals(small):
    lines = (small.root / "bank/operating_usd.bai").read_text().splitlines()
    assert lines[0].startswith("01,") and lines[-1].startswith("99,")
    assert {line[:2] for line in lines} == {"01", "02", "03", "16", "88", "49", "98", "99"}
    file_total, groups, count = (int(x) for x in lines[-1][3:].rstrip("/").split(","))
    assert count == len(lines)
    assert groups == sum(line.startswith("02,") for line in lines)
    group_totals = [int(line.split(",")[1]) for line in lines if line.startswith("98,")]
    assert file_total == sum(group_totals)
    for i, line in enumerate(lines):
        if line.startswith("49,"):
            start = max(k for k in range(i) if lines[k].startswith("03,"))
            assert int(line.rstrip("/").split(",")[2]) == i - start + 1
            summary = lines[start].rstrip("/").split(",")[3:]
            amounts = [int(summary[k + 1]) for k in range(0, len(summary) - 3, 4)]
            details = [int(rec.split(",")[2]) for rec in lines[start:i] if rec.startswith("16,")]
            assert int(line.split(",")[1]) == sum(amounts) + sum(details)
    parsed = bai2.parse_from_string((small.root / "bank/operating_usd.bai").read_text(), check_integrity=True)
    assert sum(len(g.children[0].children) for g in parsed.children) == len(_entries(small, "bank/operating_usd.bai"))


def test_bai2_truth_lines_point_at_detail_records(small):
    lines = (small.root / "bank/operating_usd.bai").read_text().splitlines()
    for entry in _entries(small, "bank/operating_usd.bai").itertuples():
        record = lines[int(entry.line) - 1].split(",")
        assert record[0] == "16" and int(record[2]) == abs(entry.amount_minor)
        assert record[4] == entry.bank_ref


def test_bai2_balances_chain_from_day_to_day(small):
    lines = (small.root / "bank/operating_usd.bai").read_text().splitlines()
    summaries = [line.split(",") for line in lines if line.startswith("03,")]
    for before, after in zip(summaries, summaries[1:]):
        assert before[8] == after[4]  # yesterday's closing ledger (015) is today's opening (010)
    for s in summaries:
        assert (s[3], s[7], s[11], s[15]) == ("010", "015", "100", "400")
        assert int(s[4]) + int(s[12]) - int(s[16]) == int(s[8])


def test_camt053_is_valid_xml_that_balances(small):
    root = ET.parse(small.root / "bank/eur_account.xml").getroot()
    assert root.tag == "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.02}Document"
    statements = root.findall("c:BkToCstmrStmt/c:Stmt", NS)
    assert len(statements) == 12
    total = 0
    for stmt in statements:
        balances = {b.find("c:Tp/c:CdOrPrtry/c:Cd", NS).text: b for b in stmt.findall("c:Bal", NS)}

        def signed(node):
            cents = round(float(node.find("c:Amt", NS).text) * 100)
            return cents if node.find("c:CdtDbtInd", NS).text == "CRDT" else -cents

        entries = stmt.findall("c:Ntry", NS)
        assert signed(balances["OPBD"]) + sum(signed(e) for e in entries) == signed(balances["CLBD"])
        assert int(stmt.find("c:TxsSummry/c:TtlNtries/c:NbOfNtries", NS).text) == len(entries)
        assert all(e.find("c:Amt", NS).get("Ccy") == "EUR" for e in entries)
        total += len(entries)
    assert total == len(_entries(small, "bank/eur_account.xml"))
    wires = [e for stmt in statements for e in stmt.findall("c:Ntry", NS) if e.find("c:NtryDtls/c:TxDtls/c:RltdPties/c:Dbtr", NS) is not None]
    assert any((e.findtext("c:NtryDtls/c:TxDtls/c:RmtInf/c:Ustrd", "", NS)).startswith("INV") for e in wires)


def test_camt053_truth_lines_point_at_entries(small):
    lines = (small.root / "bank/eur_account.xml").read_text().splitlines()
    for entry in _entries(small, "bank/eur_account.xml").itertuples():
        assert lines[int(entry.line) - 1].strip() == "<Ntry>"


def _mt940_statements(text: str):
    for block in text.split("\r\n-\r\n"):
        if block.strip():
            yield block.split("\r\n")


def _mt_minor(amount: str) -> int:
    whole, cents = amount.split(",")
    return int(whole) * 100 + int(cents)


def test_mt940_opening_plus_entries_is_closing(small):
    raw = (small.root / "bank/gbp_account.sta").read_bytes()
    assert b"\r\n" in raw and raw.endswith(b"-\r\n")
    count = 0
    for lines in _mt940_statements(raw.decode("ascii")):
        tags = [line for line in lines if line.startswith(":")]
        assert [t[:5] for t in tags[:4]] == [":20:S", ":25:G", ":28C:", ":60F:"]
        opening = re.match(r":60F:([CD])(\d{6})GBP([\d,]+)$", tags[3])
        closing = re.match(r":62F:([CD])(\d{6})GBP([\d,]+)$", next(t for t in tags if t.startswith(":62F:")))
        total = 0
        for line in (t for t in tags if t.startswith(":61:")):
            m = re.match(r":61:(\d{6})(\d{4})?([CD])([\d,]+)(N[A-Z]{3})(.{1,16}?)//(.{1,16})$", line)
            assert m, line
            total += _mt_minor(m.group(4)) * (1 if m.group(3) == "C" else -1)
            count += 1
        sign = {"C": 1, "D": -1}
        assert sign[opening.group(1)] * _mt_minor(opening.group(3)) + total == sign[closing.group(1)] * _mt_minor(closing.group(3))
    assert count == len(_entries(small, "bank/gbp_account.sta"))
    parsed = Transactions()
    parsed.parse(raw.decode("ascii"))
    assert len(parsed) == count


def test_mt940_truth_lines_point_at_61_records(small):
    lines = (small.root / "bank/gbp_account.sta").read_bytes().decode("ascii").split("\r\n")
    for entry in _entries(small, "bank/gbp_account.sta").itertuples():
        assert lines[int(entry.line) - 1].startswith(":61:")


def test_bank_credits_are_stripe_payouts_and_invoice_wires(medium):
    truth = medium.csv("truth/bank_entries.csv")
    payouts = medium.csv("stripe/payouts.csv").drop_duplicates().set_index("id")
    landed = truth[truth["kind"] == "payout"]
    assert landed["true_link"].isin(payouts.index).all()
    stripe_amount = pd.to_numeric(payouts.loc[landed["true_link"], "amount"], errors="coerce").to_numpy()
    assert (stripe_amount == landed["amount_minor"].astype(int).to_numpy()).mean() > 0.99
    paid = payouts[(payouts["status"] == "paid")]
    assert len(landed) == len(paid)

    wires = truth[truth["kind"] == "wire"]
    settled = medium.csv("truth/invoice_payments.csv").set_index("invoice_number")
    assert (settled.loc[wires["true_link"], "method"] == "wire").all()
    assert (wires["reference"].str.upper().str.contains("INV")).mean() > 0.8
    assert (wires["reference"] == "").any()  # some payers leave the reference out
    exact = wires["amount_minor"].astype(int) == wires["expected_amount_minor"].astype(int)
    assert exact.mean() > 0.9 and not exact.all()  # cross-border wires arrive short
    assert set(truth.loc[truth["amount_minor"].astype(int) < 0, "kind"]) == {"vendor", "fee"}
