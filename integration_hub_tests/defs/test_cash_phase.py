"""The cash phase end to end on a generated company: conservation, idempotency, quarantine, gates."""
import json

import pandas as pd

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.erp.ledger import SqlLedger
from integration_hub_tests.defs.conftest import checks_by_name, metadata, run_phase

LOADED = ["erp__customers__loaded", "erp__invoices__loaded", "erp__payments__loaded",
          "erp__bank_transactions__loaded"]
SOURCES = ["stripe__customers", "stripe__charges", "stripe__refunds", "billing__customers", "billing__invoices",
           "billing__credit_notes", "bank__transactions"]


def test_cash_phase_conserves_every_record_and_passes_its_gates(company, instance):
    result = run_phase(instance)
    assert result.success
    checks = checks_by_name(result)
    for source in SOURCES:
        conservation = [v for (asset, name), v in checks.items() if name == f"conservation_{source}"]
        golive = [v for (asset, name), v in checks.items() if name == f"golive_{source}"]
        assert conservation == [True], source
        assert golive == [True], source
    assert all(checks.values()), [k for k, v in checks.items() if not v]

    ledger = SqlLedger(settings().erp_url)
    for source in SOURCES:
        system, entity = source.split("__")
        extracted = metadata(result, f"{source}__extracted")["dagster/row_count"]
        cleaned = metadata(result, f"{source}__cleaned")
        mapped = metadata(result, f"{source}__mapped")
        assert extracted == cleaned["rows_in"] > 0
        assert cleaned["dagster/row_count"] == extracted - cleaned["quarantined"] - cleaned["merged"]
        assert mapped["dagster/row_count"] == cleaned["dagster/row_count"] - mapped["quarantined"]
    payments = ledger.read_back("payment")
    assert payments["amount_minor"].dtype == "int64"
    assert str(payments["paid_at"].dtype) == "datetime64[ns, UTC]"
    assert set(payments["mapping_version"].str.split("@").str[0]) == {"stripe.charges", "stripe.refunds"}
    assert metadata(result, "erp__payments__loaded")["payment_applications"] > 0


def test_injected_bad_rows_are_quarantined_with_their_rule(company, instance):
    result = run_phase(instance)
    assert result.success
    store = HubStore(settings().hub_db_url)
    quarantined = store.quarantined(run_ids=[result.run_id])
    truth = pd.read_csv(company / "truth" / "bad_rows.csv", dtype=str, keep_default_na=False)
    bad = truth[~truth["reason"].str.contains("duplicate", case=False)]
    files = {"stripe/charges.csv": ("stripe", "charges"), "stripe/refunds.csv": ("stripe", "refunds"),
             "billing/invoices.csv": ("billing", "invoices"), "billing/credit_notes.csv": ("billing", "credit_notes")}
    relevant = bad[bad["file"].isin(files)]
    assert len(relevant) >= 3, "the generated company should carry malformed transaction rows"
    for row in relevant.itertuples():
        system, entity = files[row.file]
        mine = quarantined[(quarantined["system"] == system) & (quarantined["entity"] == entity)
                           & (quarantined["row_number"] == int(row.row_number))]
        assert not mine.empty, f"{row.file} row {row.row_number} ({row.reason}) was not quarantined"
        assert (mine["column_name"] == row.column).any() or row.column == "", (row, mine["rule"].tolist())
    assert quarantined["rule"].notna().all() and (quarantined["rule"] != "").all()


def test_second_run_adds_no_erp_record(company, instance):
    first = run_phase(instance)
    assert first.success
    ledger = SqlLedger(settings().erp_url)
    counts = {e: len(ledger.read_back(e)) for e in ("customer", "invoice", "payment", "bank_transaction")}
    second = run_phase(instance)
    assert second.success
    assert {e: len(ledger.read_back(e)) for e in counts} == counts
    for node in LOADED:
        meta = metadata(second, node)
        assert meta.get("records_created", 0) == 0 and meta.get("records_updated", 0) == 0, node
        assert meta["records_unchanged"] > 0
    assert all(checks_by_name(second).values())


def test_a_corrupted_row_is_quarantined_while_the_rest_load(company, instance):
    charges = pd.read_csv(company / "stripe" / "charges.csv", dtype=str, keep_default_na=False)
    victim = charges.index[charges["amount"].str.fullmatch(r"\d+") & (charges["id"] != "")][3]
    victim_id = charges.loc[victim, "id"]
    charges.loc[victim, "amount"] = "12,50 EUR"
    charges.to_csv(company / "stripe" / "charges.csv", index=False)

    result = run_phase(instance)
    assert result.success
    store = HubStore(settings().hub_db_url)
    entry = store.quarantined(run_ids=[result.run_id], system="stripe", entity="charges")
    entry = entry[entry["source_id"] == victim_id]
    assert entry["rule"].tolist() == ["amount.minor_units"]
    assert entry["value"].tolist() == ["12,50 EUR"]
    assert json.loads(entry["record"].iloc[0])["id"] == victim_id
    ledger = SqlLedger(settings().erp_url)
    loaded = set(ledger.read_back("payment")["external_id"])
    assert f"stripe:{victim_id}" not in loaded
    assert len(loaded) > 100


def test_a_failed_gate_blocks_the_load(company, instance):
    invoices = pd.read_csv(company / "billing" / "invoices.csv", dtype=str, keep_default_na=False)
    invoices.loc[invoices.index[: len(invoices) // 10], "currency"] = "dollars"    # 10% > the 2% budget
    invoices.to_csv(company / "billing" / "invoices.csv", index=False)

    result = run_phase(instance)
    assert not result.success
    assert checks_by_name(result)[("billing/invoices/cleaned", "error_budget")] is False
    assert result.is_node_untouched("billing__invoices__mapped")
    assert result.is_node_untouched("erp__invoices__loaded")
    assert result.is_node_untouched("erp__payments__loaded")
    ledger = SqlLedger(settings().erp_url)
    assert ledger.read_back("invoice").empty
    assert len(ledger.read_back("bank_transaction")) > 0      # unrelated branches still load


def test_the_erp_gets_one_customer_per_real_customer(company, instance):
    result = run_phase(instance)
    assert result.success
    ledger = SqlLedger(settings().erp_url)
    customers = ledger.read_back("customer")
    assert customers["external_id"].str.startswith("master:").all()
    truth = pd.read_csv(company / "truth" / "customer_truth.csv", dtype=str)
    real = truth[truth["system"].isin(["stripe", "billing"])]["true_customer_id"].nunique()
    assert abs(len(customers) - real) <= max(2, real // 100), (len(customers), real)
    source_records = sum(metadata(result, f"{s}__customers__extracted")["dagster/row_count"] for s in ("stripe", "billing"))
    assert len(customers) < source_records * 0.6          # duplicates across and within systems were merged
    invoices = ledger.read_back("invoice")
    assert invoices["customer_external_id"].isin(customers["external_id"]).all()
    charges = ledger.read_back("payment")
    linked = charges["customer_external_id"].dropna()
    assert len(linked) and linked.isin(customers["external_id"]).all()
    conservation = {e.check_name: e for e in result.get_asset_check_evaluations()}
    stripe = conservation["conservation_stripe__customers"]
    assert stripe.passed and stripe.metadata["merged"].value > 0
    golden = next(m for m in result.asset_materializations_for_node("master_customers")
                  if m.asset_key.to_user_string() == "master/customers")
    model = golden.metadata["resolver_model"].value                    # why pairs matched, for a reviewer
    assert model["estimated"] is True and {"name", "email", "phone"} <= set(model["comparisons"])
    assert all(level["m"] > 0 and level["u"] > 0 for levels in model["comparisons"].values() for level in levels)
