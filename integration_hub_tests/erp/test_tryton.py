"""Tryton in the loop: a real Tryton database (SQLite) receives a canonical cash batch and enforces
its own rules. The initialized database is built once and cached (see tryton_fixtures.py), and
each test works on its own copy."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("trytond", reason="the tryton extra is not installed")
pytest.importorskip("proteus", reason="the tryton extra is not installed")

from integration_hub.erp.tryton import bootstrap, locate  # noqa: E402
from integration_hub.erp.tryton.target import TrytonTarget  # noqa: E402
from integration_hub_tests.erp import erp_batch  # noqa: E402
from integration_hub_tests.erp.tryton_fixtures import tryton, tryton_dir, tryton_template  # noqa: E402,F401
# trytond's own modules import its deprecated config alias
pytestmark = pytest.mark.filterwarnings("ignore:trytond.config.config is deprecated:DeprecationWarning")


def load(target, run="run-1", **frames):
    batch = {"customer": erp_batch.customers(), "invoice": erp_batch.invoices(), "payment": erp_batch.payments()}
    batch.update(frames)
    return {e: target.upsert(e, f, run_id=run, mapping_version="test@v1") for e, f in batch.items()}


def count(target, model, domain=()) -> int:
    return len(target.books.search_read(model, list(domain), []))


@pytest.mark.parametrize(("given", "expected"), [
    ("data/tryton/hub.sqlite", ("sqlite://", "hub")), ("sqlite:///x/erp", ("sqlite://", "erp")),
    ("postgresql://u@db:5432/tryton", ("postgresql://u@db:5432/", "tryton")),
])
def test_locate_understands_paths_and_urls(given, expected):
    database = locate(given)
    assert (database.uri, database.name) == expected
    with pytest.raises(ValueError, match="SQLite files or PostgreSQL"):
        locate("mysql://x/y")


def test_init_database_sets_up_company_chart_fiscal_years_and_catalogue(tryton):
    books = tryton.books
    assert books.company.party.name == "Hub Test Co" and books.company.currency.code == "USD"
    assert set(books.accounts) == set(bootstrap.ACCOUNTS)
    years = books.search_read("account.fiscalyear", [], ["name"])
    assert sorted(y["name"] for y in years) == ["2024", "2025", "2026"]
    assert count(tryton, "account.period", [("type", "=", "standard")]) == 36
    assert books.product["id"] and books.payment_method.journal.type == "cash"


def test_cash_batch_loads_and_reads_back_with_equal_counts_and_totals(tryton):
    outcomes = load(tryton)
    for out in outcomes.values():
        assert (out["outcome"] == "created").all(), out[out["outcome"] != "created"].to_string()
    for entity, column in (("invoice", "total_minor"), ("invoice", "tax_minor"), ("payment", "amount_minor")):
        source = getattr(erp_batch, f"{entity}s")()
        held = tryton.read_back(entity)
        assert len(held) == len(source)
        assert held[column].sum() == source[column].sum()
    invoices = tryton.read_back("invoice").set_index("external_id")
    assert invoices.at["billing:INV-000001", "status"] == "paid"  # Tryton reconciled the payment
    assert invoices.at["billing:INV-000002", "status"] == "open"  # partly paid
    assert invoices.at["billing:CN-000001", "kind"] == "credit_note"
    assert invoices.at["billing:CN-000001", "applies_to"] == "INV-000001"
    customers = tryton.read_back("customer").set_index("external_id")
    assert customers.at["billing:CUST-000002", "country"] == "DE"
    assert customers.at["billing:CUST-000001", "phone"] == "+14155550101"
    assert set(tryton.read_back("payment")["run_id"]) == {"run-1"}
    applied = tryton.apply_payments("run-1").sort_values("payment_external_id")
    assert applied.values.tolist() == [["stripe:ch_0001", "billing:INV-000001", 108_250],
                                       ["stripe:ch_0002", "billing:INV-000002", 100_000]]


def test_second_load_changes_nothing(tryton):
    load(tryton)
    models = ("party.party", "account.invoice", "account.move", "account.move.line")
    before = {m: count(tryton, m) for m in models}
    again = load(tryton, run="run-2")
    assert all((out["outcome"] == "unchanged").all() for out in again.values())
    assert {m: count(tryton, m) for m in models} == before


def test_invoice_in_a_closed_period_is_rejected_with_trytons_message(tryton):
    from proteus import Model

    period, = Model.get("account.period", config=tryton.books.cfg).find([("name", "=", "2025-01")])
    period.click("close")
    january = erp_batch.invoice(7, 5_000, 0, issue=pd.Timestamp("2025-01-15", tz="UTC"))
    out = load(tryton, invoice=pd.DataFrame([january, erp_batch.invoice(8, 6_000, 0)]))["invoice"]
    assert out["outcome"].tolist() == ["rejected", "created"]
    assert 'you must reopen the period "2025-01"' in out["message"].iloc[0]
    assert count(tryton, "account.invoice", [("reference", "=", "billing:INV-000007")]) == 0  # no draft left
    assert tryton.postings.plan("tryton", "invoice", pd.DataFrame(
        {"external_id": ["billing:INV-000007"], "fingerprint": ["x"]}))["action"].tolist() == ["create"]


def test_invoice_without_a_known_party_or_outside_the_fiscal_years_is_refused(tryton):
    orphan = erp_batch.invoice(9, 1_000, 0, customer=99)
    future = erp_batch.invoice(10, 1_000, 0, issue=pd.Timestamp("2031-06-01", tz="UTC"))
    out = load(tryton, invoice=pd.DataFrame([orphan, future]))["invoice"]
    assert out["outcome"].tolist() == ["rejected", "rejected"]
    assert 'A value is required for field "Party"' in out["message"].iloc[0] or \
        'A value is required for field "Invoice Address"' in out["message"].iloc[0]
    assert "create a period for the date" in out["message"].iloc[1]


def test_changes_update_parties_and_tryton_refuses_to_rewrite_a_posted_invoice(tryton):
    load(tryton)
    renamed = erp_batch.customers().assign(name=["Acme Corporation", "Globex GmbH", "Initech LLC"])
    customers = tryton.upsert("customer", renamed, run_id="run-2", mapping_version="v")
    assert customers["outcome"].tolist() == ["updated", "unchanged", "unchanged"]
    assert tryton.read_back("customer", ["billing:CUST-000001"])["name"].tolist() == ["Acme Corporation"]
    assert count(tryton, "party.contact_mechanism", [("party.code", "=", "billing:CUST-000001")]) == 2
    changed = erp_batch.invoices().assign(status=["open", "open", "void", "open"])
    out = tryton.upsert("invoice", changed, run_id="run-2", mapping_version="v")
    assert out["outcome"].tolist() == ["unchanged", "unchanged", "rejected", "unchanged"]
    message = out["message"].iloc[2]
    assert message.startswith("Tryton refused to change billing:INV-000003: You are not allowed to modify the field")
    assert tryton.read_back("invoice", ["billing:INV-000003"])["status"].tolist() == ["open"]


def test_foreign_currency_receipts_convert_at_trytons_rate_and_need_one(tryton):
    failed = erp_batch.payment("ch_0009", 500, status="failed")
    euro = {**erp_batch.payment("ch_0010", 900), "currency": "EUR"}
    yen = {**erp_batch.payment("ch_0011", 700), "currency": "JPY"}
    out = load(tryton, payment=pd.DataFrame([failed, euro, yen]).astype({"fee_minor": "Int64"}))["payment"]
    assert out["outcome"].tolist() == ["rejected", "created", "rejected"]
    assert "status 'failed'" in out["message"].iloc[0]
    assert "No rate found" in out["message"].iloc[2] and "Yen" in out["message"].iloc[2]
    held = tryton.read_back("payment", ["stripe:ch_0010"]).iloc[0]
    assert (held["currency"], held["amount_minor"]) == ("EUR", 900)
    line, = tryton.books.search_read("account.move.line", [("move.description", "=", "stripe:ch_0010"),
                                                            ("account", "=", tryton.books.accounts["cash"])], ["debit"])
    assert line["debit"] == Decimal("10.00")  # 9.00 EUR at 0.9 EUR per USD


def cash_phase(source_dir: Path) -> dict[str, pd.DataFrame]:
    """The billing and Stripe exports as canonical records: extract, clean and map as the pipeline does."""
    from integration_hub.canonical import registry
    from integration_hub.connectors.extractors import extract_export
    from integration_hub.gates.validation import validate_rows
    from integration_hub.mapping.engine import apply_spec
    from integration_hub.mapping.systems import load_systems
    from integration_hub.standardize.frame import clean_frame, cleaned_schema

    frames: dict[str, list[pd.DataFrame]] = {}
    for system in load_systems():
        for entity in system.entities:
            if system.name not in ("billing", "stripe") or entity.canonical not in ("customer", "invoice", "payment"):
                continue
            cleaned, _ = validate_rows(clean_frame(extract_export(source_dir, entity).frame, entity).cleaned,
                                       cleaned_schema(entity))
            mapped = apply_spec(entity.mapping, cleaned)
            good, _ = validate_rows(mapped.mapped.drop(index=pd.Index(mapped.rejects["row"].unique())),
                                    registry.get(entity.canonical).schema)
            frames.setdefault(entity.canonical, []).append(good)
    return {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}


def test_generated_company_cash_phase_round_trips_through_tryton(tryton, tmp_path):
    from integration_hub.demo import generate_company

    generate_company(tmp_path / "sample", scale=10, seed=7)
    batch = cash_phase(tmp_path / "sample")
    money = {"customer": None, "invoice": "total_minor", "payment": "amount_minor"}
    outcomes = {e: tryton.upsert(e, batch[e], run_id="demo-1", mapping_version="v") for e in money}
    for entity, column in money.items():
        out = outcomes[entity]
        accepted = batch[entity][out["outcome"].to_numpy() != "rejected"]
        held = tryton.read_back(entity, accepted["external_id"])
        assert len(held) == len(accepted) == (out["outcome"] == "created").sum()
        if column:
            assert held[column].sum() == accepted[column].sum()
        assert out.loc[out["outcome"] == "rejected", "message"].str.len().gt(0).all()
    assert (outcomes["customer"]["outcome"] == "created").all() and (outcomes["invoice"]["outcome"] == "created").all()
    # Tryton needs a party on a receivable line: a refund takes its charge's customer.
    payments = batch["payment"]
    customer_of = dict(zip(payments["external_id"], payments["customer_external_id"]))
    party = payments["customer_external_id"].fillna(payments["payment_ref"].map(customer_of))
    payable = (payments["status"].eq("succeeded") & party.notna()).to_numpy()
    assert payments["kind"].eq("refund").to_numpy()[payable].sum() > 0
    assert (outcomes["payment"]["outcome"].to_numpy()[payable] == "created").all()
    refused = outcomes["payment"]["message"][~payable & payments["status"].eq("succeeded").to_numpy()]
    assert refused.str.contains('A value is required for field "Party"').all()
    assert len(tryton.apply_payments("demo-1")) > 0
    again = {e: tryton.upsert(e, batch[e], run_id="demo-2", mapping_version="v") for e in money}
    assert all(set(out["outcome"]) <= {"unchanged", "rejected"} for out in again.values())


def test_invoices_beyond_one_batch_load_in_batches_and_a_refused_batch_costs_only_its_refusals(tryton, monkeypatch):
    from proteus import Model

    from integration_hub.erp.tryton import target as tryton_target

    monkeypatch.setattr(tryton_target, "BATCH_SIZE", 3)
    batches = []
    create_batch = TrytonTarget._create_batch
    monkeypatch.setattr(TrytonTarget, "_create_batch", lambda self, model, items, finish: (
        batches.append((model, len(items))), create_batch(self, model, items, finish))[1])
    period, = Model.get("account.period", config=tryton.books.cfg).find([("name", "=", "2025-01")])
    period.click("close")
    invoices = [erp_batch.invoice(20 + i, 1_000 + i, 0) for i in range(7)]
    invoices[4] = erp_batch.invoice(24, 5_000, 0, issue=pd.Timestamp("2025-01-15", tz="UTC"))
    out = load(tryton, invoice=pd.DataFrame(invoices), payment=erp_batch.payments().iloc[:0])["invoice"]
    assert out["outcome"].tolist() == ["created"] * 4 + ["rejected"] + ["created"] * 2
    assert 'you must reopen the period "2025-01"' in out["message"].iloc[4]
    invoice_batches = [n for model, n in batches if model == "account.invoice"]
    # Oldest first: the January invoice's batch is refused and retried one by one; no create holds more than a batch.
    assert invoice_batches == [3, 1, 1, 1, 3, 1]
    assert len(tryton.read_back("invoice")) == 6


def test_credit_notes_dated_before_later_invoices_and_refunds_of_earlier_charges_post(tryton):
    """Seen at the demo's default scale: Tryton numbers a sequence in date order, and a refund names
    its charge but not its customer."""
    load(tryton)
    later = erp_batch.invoice(4, 50_000, 0, issue=erp_batch.DAY + pd.Timedelta(days=20))
    earlier_note = erp_batch.invoice(5, -1_000, 0, kind="credit_note", applies_to="INV-000003", customer=3,
                                     issue=erp_batch.DAY + pd.Timedelta(days=5))
    invoices = tryton.upsert("invoice", pd.DataFrame([later, earlier_note]), run_id="run-2", mapping_version="v")
    assert invoices["outcome"].tolist() == ["created", "created"], invoices["message"].tolist()
    refund = erp_batch.payment("re_0002", -2_000, kind="refund", payment_ref="stripe:ch_0001", customer=None)
    frame = pd.DataFrame([refund]).astype({"fee_minor": "Int64"})
    out = tryton.upsert("payment", frame, run_id="run-2", mapping_version="v")
    assert out["outcome"].tolist() == ["created"], out["message"].tolist()
    held = tryton.read_back("payment", ["stripe:re_0002"])
    assert held["customer_external_id"].tolist() == ["billing:CUST-000001"]     # the charge's customer
    assert held["amount_minor"].tolist() == [-2_000]
