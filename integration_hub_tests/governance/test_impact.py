"""Impact analysis: from a drift to the source entities, canonical fields, assets, ERP records, phases, domains."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from integration_hub.definitions import defs
from integration_hub.governance.impact import analyze, downstream_phases
from integration_hub.governance.phases import load_phases
from integration_hub.governance.scope import Drift
from integration_hub.mapping.systems import load_systems

GRAPH = defs.resolve_asset_graph()
STRIPE = "integration_hub/defs/stripe"


def _analyze(*drifts, store=None):
    return analyze(list(drifts), GRAPH, load_systems(), phase="cash", store=store)


def test_a_mapping_rule_touches_its_field_and_everything_downstream():
    impact = _analyze(Drift(f"{STRIPE}/charges.mapping.yaml", "fields.amount_minor.from", "changed", system="stripe"))
    assert impact.entities == ("stripe/charges",)
    assert impact.canonical_fields == ("payment.amount_minor",)
    assert set(impact.assets) == {"stripe/charges/extracted", "stripe/charges/cleaned", "stripe/charges/mapped",
                                  "erp/payments/loaded", "reports/reconciliation"}
    assert impact.reports == ("reports/reconciliation",)
    assert impact.downstream_phases == ("customers", "operations", "people")
    assert impact.domains == ()


@pytest.mark.parametrize("field, fields", [
    ("entities.customers.columns.email.rule", ("customer.email", "customer.name")),   # name falls back to email
    ("entities.customers.mapping", ("customer.*",)),
    ("entities.customers.cursor", ()),                                                 # the records, no one field
])
def test_a_system_declaration_touches_the_fields_its_column_feeds(field, fields):
    impact = _analyze(Drift(f"{STRIPE}/system.yaml", field, "changed", system="stripe"))
    assert impact.canonical_fields == fields
    assert impact.entities == ("stripe/customers",)
    assert [(d.domain, d.owner) for d in impact.domains] == [("customers", "maria")]
    assert {"master/customers", "erp/customers/loaded", "erp/sales_orders/loaded"} <= set(impact.assets)


def test_a_rule_file_section_touches_only_its_domain():
    rules = "integration_hub/governance/master_data.yaml"
    vendors = _analyze(Drift(rules, "vendors.match_threshold", "changed"))
    assert [d.domain for d in vendors.domains] == ["vendors"] and "master/vendors" in vendors.assets
    assert vendors.entities == () and vendors.canonical_fields == ()


def test_erp_records_come_from_lineage(tmp_path):
    from integration_hub.audit.lineage import lineage

    store = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    lineage.create(store)
    now = datetime.now(UTC)
    rows = [dict(erp_entity="payment", external_id=f"stripe:ch_{i % 3}", source_system="stripe",
                 source_entity="charges", source_id=f"ch_{i % 3}", run_id=f"r{i}", loaded_at=now) for i in range(5)]
    rows.append(dict(erp_entity="customer", external_id="stripe:cus_1", source_system="stripe",
                     source_entity="customers", source_id="cus_1", run_id="r1", loaded_at=now))
    with store.begin() as conn:
        conn.execute(lineage.insert(), rows)
    impact = _analyze(Drift(f"{STRIPE}/charges.mapping.yaml", "fields.status.from", "changed", system="stripe"),
                      store=store)
    assert [(r.erp_entity, r.system, r.source_entity, r.records) for r in impact.erp_records] == [
        ("payment", "stripe", "charges", 3)]
    store.dispose()


def test_downstream_phases_follow_the_dependency_chain():
    phases = load_phases()
    assert downstream_phases("customers", phases) == ["operations", "people"]
    assert downstream_phases("people", phases) == []
