"""`integration-hub demo`: generate the sample company, run every phase, print the summary; also into Tryton."""
import pytest

from integration_hub.cli import main


def test_demo_generates_runs_and_prints_a_summary(hub_env, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)      # no dagster.yaml here: the instance lives under data/dagster
    assert main(["demo", "--scale", "120", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    phases = ("cash_phase", "customers_phase", "operations_phase", "people_phase")     # every phase, in order
    assert all(f"({p}) succeeded" in out for p in phases)
    assert [out.index(f"({p})") for p in phases] == sorted(out.index(f"({p})") for p in phases)
    rows = {tuple(cell.strip() for cell in line.split("|")[1:3]) for line in out.splitlines() if line.startswith("|")}
    assert {("stripe", "charges"), ("billing", "invoices"), ("bank", "transactions"), ("crm", "accounts"),
            ("crm", "order_items"), ("shop", "orders"), ("shop", "refunds"), ("shop", "variants"),
            ("warehouse", "inventory_levels"), ("warehouse", "shipments"), ("warehouse", "shipment_lines"),
            ("shipping", "shipments"), ("procurement", "suppliers"), ("procurement", "purchase_orders"),
            ("procurement", "purchase_order_lines"), ("hr", "employees")} <= rows
    assert "checks failed" in out and "integration-hub quarantine --run" in out
    receivables = (hub_env / "reports" / "reconciliation.md").read_text().split("## Open receivables per currency")[1]
    assert all(c in receivables for c in ("EUR", "GBP", "USD"))     # one row per currency, no cross-currency sum
    assert (hub_env / "sample" / "manifest.json").is_file()

    assert main(["demo", "--scale", "120", "--seed", "3"]) == 0     # reuses the sample, loads nothing new
    assert "Generated a company" not in capsys.readouterr().out

    # An order from Salesforce, followed back from the ERP with the lineage command.
    from integration_hub.erp.ledger import SqlLedger

    with SqlLedger(f"sqlite:///{hub_env / 'ledger.db'}") as ledger:
        order = ledger.read_back("sales_order")
    crm_order = order.loc[order["external_id"].str.startswith("crm:"), "external_id"].iloc[0]
    monkeypatch.setenv("IH_ACTOR", "priya")      # reading lineage is the auditor's right (lineage.read)
    assert main(["lineage", "sales_order", crm_order]) == 0
    trail = capsys.readouterr().out
    assert "crm/orders" in trail and "master customer" in trail

    from integration_hub.audit.chain import AuditTrail
    from integration_hub.runner import cli_actor

    trail = AuditTrail(f"sqlite:///{hub_env / 'hub.db'}")
    assert set(trail.entries()["actor"]) == {cli_actor()}               # the person, not just a run id
    assert main(["audit", "verify"]) == 0 and capsys.readouterr().out.startswith("OK: ")


def test_demo_loads_the_company_into_tryton(hub_env, tmp_path, monkeypatch, capsys):
    pytest.importorskip("trytond", reason="the tryton extra is not installed")
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--erp", "tryton", "--scale", "10", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Tryton database ready" in out and "succeeded" in out
    from integration_hub.erp.factory import make_target

    tryton = make_target("tryton")
    parties, invoices = tryton.read_back("customer"), tryton.read_back("invoice")
    assert len(parties) > 5 and parties["external_id"].str.startswith("master:").all()
    assert len(invoices) > 20
    assert main(["demo", "--erp", "tryton", "--scale", "10", "--seed", "3"]) == 0      # nothing posted twice
    assert len(make_target("tryton").read_back("invoice")) == len(invoices)
