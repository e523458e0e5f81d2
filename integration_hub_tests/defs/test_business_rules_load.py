"""Records that break a rule spanning records are quarantined at load, never posted."""
import pandas as pd

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.erp.ledger import SqlLedger
from integration_hub_tests.defs.conftest import run_phase


def test_a_header_only_charges_export_loads_no_orphan_refunds(company, instance):
    charges = company / "stripe" / "charges.csv"
    charges.write_text(charges.read_text().splitlines()[0] + "\n")
    refunds = pd.read_csv(company / "stripe" / "refunds.csv", dtype=str)
    run_phase(instance)
    payments = SqlLedger(settings().erp_url).read_back("payment")
    assert not (payments["source_system"] == "stripe").any()
    held = HubStore(settings().hub_db_url).quarantined(system="stripe", entity="refunds", stage="loaded")
    assert len(refunds) and set(held["rule"]) == {"refund.charge_exists"}


def test_a_refund_above_its_charge_is_quarantined(company, instance):
    charges = pd.read_csv(company / "stripe" / "charges.csv", dtype=str, keep_default_na=False)
    refunds = pd.read_csv(company / "stripe" / "refunds.csv", dtype=str, keep_default_na=False)
    target = refunds.iloc[0]
    charge = charges.loc[charges["id"] == target["charge_id"]].iloc[0]
    refunds.loc[0, "amount"] = str(int(charge["amount"]) * 10)
    refunds.to_csv(company / "stripe" / "refunds.csv", index=False)
    run_phase(instance)
    held = HubStore(settings().hub_db_url).quarantined(system="stripe", entity="refunds", stage="loaded")
    assert held.loc[held["source_id"] == target["id"], "rule"].tolist() == ["refund.exceeds_charge"]
    payments = SqlLedger(settings().erp_url).read_back("payment")
    assert f"stripe:{target['id']}" not in set(payments["external_id"])
