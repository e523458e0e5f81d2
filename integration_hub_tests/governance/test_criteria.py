"""Success criteria measured from evidence: a real cash phase run passes them, planted failures fail
them; references and hierarchy against the error budget; phases.yaml's new fields validated."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pytest

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.governance.criteria import measure_phase
from integration_hub.governance.phases import Phase, load_phases
from integration_hub_tests.defs.conftest import company, company_template, instance, run_phase  # noqa: F401


def _by_name(results) -> dict:
    return {r.name: r for r in results}


def test_a_cash_run_passes_its_criteria_and_planted_failures_fail_them(company, instance):  # noqa: F811
    assert run_phase(instance, "cash_phase").success
    store = HubStore(settings().hub_db_url)
    cash = load_phases()["cash"]
    results = _by_name(measure_phase(cash, store, instance))
    assert [r.name for r in results.values()] == ["conservation", "reconciliation", "complete_statements",
                                                  "expected_volumes"]
    assert results["conservation"].passed is True
    assert results["conservation"].measured == ("7/7 entities balanced (extracted = loaded + quarantined + merged); "
                                                "conservation 7/7 checks passed")
    assert results["reconciliation"].passed is True and "7/7 checks passed" in results["reconciliation"].measured
    assert results["complete_statements"].passed is True
    # the test company is scale 150, the declared volumes the default 2000's: far under 50%
    assert results["expected_volumes"].passed is False and "stripe/charges" in results["expected_volumes"].measured
    metrics = store.metrics()
    extracted = metrics[metrics["stage"] == "extracted"].set_index(["system", "entity"])
    near = dataclasses.replace(cash, expected_volumes=tuple(
        (f"{s}/{e}", int(row.rows_in * 1.5)) for (s, e), row in extracted.iterrows()))
    assert _by_name(measure_phase(near, store, instance))["expected_volumes"].passed is True

    # without the instance, conservation stands on the hub store alone; go-live suites are unknown
    alone = _by_name(measure_phase(cash, store))
    assert alone["conservation"].passed is True and alone["reconciliation"].passed is None

    # a later load of stripe/charges quarantining more than it accounts for
    charges = extracted.loc[("stripe", "charges")]
    store.record_metric("planted-run", "stripe", "charges", "loaded", rows_in=int(charges.rows_out),
                        rows_out=int(charges.rows_out) - 40, quarantined=10)
    bank_run = extracted.loc[("bank", "transactions")].run_id
    store.add_incomplete_statements(bank_run, [SimpleNamespace(
        file="operating_usd.bai", line=3, statement_id="S-1", account_mask="****1234", currency="USD",
        status="closing_mismatch", stated_minor=100, computed_minor=90, detail="closing balance off by 10")],
        {("operating_usd.bai", "S-1"): 12})
    failed = _by_name(measure_phase(cash, store, instance))
    assert failed["conservation"].passed is False
    assert "6/7 entities balanced" in failed["conservation"].measured
    assert "stripe/charges" in failed["conservation"].measured and "1147 loaded" in failed["conservation"].measured
    assert failed["complete_statements"].passed is False
    assert failed["complete_statements"].measured.startswith("1 statement(s) kept incomplete, 12 transaction(s)")
    store.dispose()


def _load(store, run, system, entity, sent, rules):
    """A load of `sent` records of which one per rule was held back at the load."""
    store.record_metric(run, system, entity, "extracted", rows_in=sent, rows_out=sent)
    store.record_metric(run, system, entity, "loaded", rows_in=sent, rows_out=sent - len(rules),
                        quarantined=len(rules))
    store.add_quarantine(run, system, entity, "loaded", pd.DataFrame({
        "source_id": [f"s{n}" for n in range(len(rules))], "row_number": range(len(rules)), "rule": rules,
        "column_name": None, "value": None, "record": "{}"}))


@pytest.fixture
def store(hub_env):
    store = HubStore(settings().hub_db_url)
    yield store
    store.dispose()


def test_references_pass_within_the_error_budget_and_fail_beyond_it(store):
    operations = load_phases()["operations"]
    assert _by_name(measure_phase(operations, store))["references"].passed is None     # never loaded
    _load(store, "r1", "shipping", "shipments", 100, ["order_external_id.exists_in_erp", "shipment.one_currency"])
    references = _by_name(measure_phase(operations, store))["references"]
    assert references.passed is True
    assert references.measured == ("1 of 100 records sent held back for naming a record the ERP lacks "
                                   "(shipping/shipments 1); budget 2%")
    _load(store, "r2", "warehouse", "shipments", 50, ["order_external_id.exists_in_erp"] * 3)
    references = _by_name(measure_phase(operations, store))["references"]
    assert references.passed is False and "4 of 150" in references.measured


def test_hierarchy_fails_on_a_manager_not_loaded_and_passes_without(store):
    people = load_phases()["people"]
    _load(store, "r1", "hr", "employees", 24, [])
    results = _by_name(measure_phase(people, store))
    assert results["hierarchy"].passed is True and results["conservation"].passed is True
    assert results["sensitive"].passed is None       # no Dagster instance: the extraction's metadata unknown
    _load(store, "r2", "hr", "employees", 24, ["manager_external_id.exists_in_erp"])
    hierarchy = _by_name(measure_phase(people, store))["hierarchy"]
    assert hierarchy.passed is False and hierarchy.measured.startswith("1 of 24 records sent held back")


def test_an_unknown_criterion_is_not_measured_and_every_shipped_one_is(store):
    phase = Phase(name="x", order=9, title="x", status="planned", systems=("hr",), error_budget=0.0, go_live=None,
                  criteria=(("uptime", "the ERP answers"),))
    assert measure_phase(phase, store) == [
        measure_phase(phase, store)[0].__class__("uptime", "the ERP answers", "no measurement defined", None)]
    shipped = [r for p in load_phases().values() for r in measure_phase(p, store)]
    assert shipped and all(r.measured != "no measurement defined" for r in shipped)


@pytest.mark.parametrize("change, message", [
    ({"status": "golden"}, "status must be one of ['planned', 'locked', 'parallel', 'live', 'rolled_back']"),
    ({"scope": {"in": {"payment": "some"}}}, "scope.in.payment must be a list of field names or all"),
    ({"scope": {"inside": {}}}, "scope must be a mapping with `in` and `out`"),
    ({"expected_volumes": {"crm/accounts": 10}}, "expected_volumes.crm/accounts: must be <system>/<entity>"),
    ({"expected_volumes": {"stripe/charges": -1}}, "expected_volumes.stripe/charges: must be a whole number"),
    ({"roi_target_hours_per_month": "lots"}, "roi_target_hours_per_month must be a number of hours"),
])
def test_a_bad_phase_declaration_is_rejected(tmp_path, change, message):
    import yaml

    raw = {"order": 1, "systems": ["stripe"], "success_criteria": {"conservation": "all accounted"}, **change}
    path = tmp_path / "phases.yaml"
    path.write_text(yaml.safe_dump({"phases": {"cash": raw}}))
    with pytest.raises(ValueError) as error:
        load_phases(path)
    assert str(error.value).startswith(f"{path}: phase cash") and message in str(error.value)


def test_the_shipped_phases_declare_scope_volumes_and_roi():
    people = load_phases()["people"]
    assert dict(people.scope_out)["hr/employees"] == ("ssn", "bankAccount", "payRate")
    assert "ssn_mask" in dict(people.scope_in)["employee"] and people.volumes == {"hr/employees": 24}
    assert people.roi_target_hours_per_month == 15.0
    assert all(p.criteria and p.expected_volumes for p in load_phases().values())
