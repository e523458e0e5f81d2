"""The generated company through all four phases in go-live order, on an on-disk Dagster instance:
conservation holds for every feed, the planted faults land where they should, one shop order is
followed through the ERP with `integration-hub lineage --follow`, and no SSN, salary, tax id or bank
account from the sources is found in plaintext anywhere the hub wrote."""
from __future__ import annotations

import dagster as dg
import pandas as pd

from integration_hub_tests.defs.conftest import checks_by_name, run_phase
from integration_hub_tests.defs.test_redaction_scan import leaks

PHASES = ("cash_phase", "customers_phase", "operations_phase", "people_phase")


def _sensitive_values(company) -> set[str]:
    employees = pd.read_csv(company / "hr" / "employees.csv", dtype=str, keep_default_na=False)
    suppliers = pd.read_csv(company / "procurement" / "suppliers.csv", dtype=str, keep_default_na=False)
    values = {*employees["ssn"], *employees["ssn"].str.replace("-", ""), *employees["bankAccount"],
              *employees["payRate"].str.split(" ").str[0], *suppliers["tax_id"], *suppliers["bank_account"]}
    return {v for v in values if len(v) >= 6}


def test_the_company_runs_every_phase_and_one_order_is_followed_to_its_payment(company, hub_env, tmp_path,
                                                                                capsys, monkeypatch):
    from integration_hub.audit.store import HubStore
    from integration_hub.audit.trace import trace_order
    from integration_hub.cli.main import main
    from integration_hub.config import settings
    from integration_hub.erp.ledger import SqlLedger

    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for job in PHASES:
            result = run_phase(instance, job)
            assert result.success, (job, sorted(k for k, ok in checks_by_name(result).items() if not ok))
            conservation = [e for e in result.get_asset_check_evaluations() if e.check_name.startswith("conservation")]
            assert conservation and all(e.passed for e in conservation), job

    truth = company / "truth"
    faults = pd.read_csv(truth / "planted_faults.csv", dtype=str, keep_default_na=False)
    held = HubStore(settings().hub_db_url).quarantined()
    unknown = faults[faults["fault"] == "unknown_order"]
    for file, source_id in zip(unknown["file"], unknown["source_id"]):
        system = file.split("/")[0]
        rules = held[(held["system"] == system) & (held["source_id"] == source_id)]["rule"].tolist()
        assert rules == ["order_external_id.exists_in_erp"], (file, source_id, rules)

    with SqlLedger(settings().erp_url) as ledger:
        vendors = ledger.read_back("vendor")
        suppliers = pd.read_csv(truth / "supplier_truth.csv", dtype=str, keep_default_na=False)
        assert len(vendors) == suppliers["true_vendor_id"].nunique()      # the duplicate supplier is one vendor

        fulfilments = pd.read_csv(truth / "fulfilment_truth.csv", dtype=str, keep_default_na=False)
        shipped = fulfilments[fulfilments["known_order"] == "true"].iloc[0]
        order_id = "shop:" + shipped["shop_order_id"]
        trace = trace_order(ledger, settings().hub_db_url, order_id)
    assert {"customer", "order", "line", "fulfilment", "fulfilment_line", "shipment", "invoice",
            "payment"} <= trace.roles()
    by_role = {h.role: h for h in trace.hops}
    assert by_role["fulfilment"].sources == [f"warehouse/shipments {shipped['shipment_id']}"]
    assert by_role["shipment"].sources == [f"shipping/shipments {shipped['label_id']}"]
    assert by_role["invoice"].detail == f"number {shipped['invoice_number']}"
    assert any(s.startswith("shop ") for s in by_role["customer"].sources)      # the shop customer, merged
    assert by_role["payment"].sources[0].startswith("stripe/charges ch_")
    assert trace.total("order") == trace.total("invoice") == trace.total("payment") > 0

    monkeypatch.setenv("IH_ACTOR", "priya")      # reading lineage is the auditor's right (lineage.read)
    assert main(["lineage", "sales_order", order_id, "--follow"]) == 0
    shown = capsys.readouterr().out
    assert shipped["tracking_number"] in shown and shipped["invoice_number"] in shown
    assert "totals agree" in shown

    written = [p for p in hub_env.iterdir() if p.name != "sample"] + [home]   # sample/ holds the sources
    assert leaks(written, _sensitive_values(company), at_least=50) == []
