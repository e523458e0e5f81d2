"""The system stages of the hub's phase 3 and 4 jobs on the generated company: every gate passes, and exactly the
planted bad rows are quarantined, under the rule and at the stage the truth names."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from integration_hub_tests.defs.conftest import checks_by_name, instance, run_systems  # noqa: F401
from integration_hub_tests.defs.phase34_exports import mapped, quarantined, sources  # noqa: F401

SCALE = 2000       # every planted bad row fits each file's error budget from here on


@pytest.fixture
def generated(sources):
    from integration_hub.demo import generate_company

    generate_company(sources, scale=SCALE, seed=11)
    return sources


def _expected_quarantine(root, phase_systems):
    frame = pd.read_csv(root / "truth" / "expected_quarantine.csv", dtype=str, keep_default_na=False)
    return frame[frame["system"].isin(phase_systems)]


def _truth(root, name):
    return pd.read_csv(root / "truth" / name, dtype=str, keep_default_na=False)


def _assert_exactly_the_planted_rows_quarantined(root, systems, entities):
    expected = _expected_quarantine(root, systems)
    for system, entity in entities:
        got = quarantined(system, entity)
        want = expected[(expected["system"] == system) & (expected["entity"] == entity)]
        assert sorted(got[["source_id", "stage", "rule"]].values.tolist()) == \
            sorted(want[["source_id", "stage", "rule"]].values.tolist()), f"{system}/{entity}"


def test_operations_phase_passes_its_gates_on_the_generated_company(generated, instance):  # noqa: F811
    result = run_systems(instance, "operations_phase")
    assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
    assert all(checks_by_name(result).values())
    expected = json.loads((generated / "truth" / "expected.json").read_text())
    assert {key.split("/")[0] for key in expected["expected_quarantine"]} >= {"warehouse", "shipping", "procurement"}
    _assert_exactly_the_planted_rows_quarantined(generated, ("warehouse", "shipping", "procurement"), [
        ("warehouse", "inventory_levels"), ("warehouse", "shipments"), ("warehouse", "shipment_lines"),
        ("shipping", "shipments"), ("procurement", "suppliers"), ("procurement", "purchase_orders"),
        ("procurement", "purchase_order_lines")])

    # fulfilments name the shop's orders as the shop maps them, the planted one an order it never had
    fulfilments = mapped(result, "warehouse", "shipments")
    truth = _truth(generated, "fulfilment_truth.csv").set_index("shipment_id")
    assert len(fulfilments) == len(truth)
    named = fulfilments["order_external_id"].str.removeprefix("shop:")
    known = truth.loc[fulfilments["source_id"], "shop_order_id"].to_numpy()
    assert (named.to_numpy()[known != ""] == known[known != ""]).all()
    assert (known == "").sum() == 1
    # fulfilment lines keep every shipped unit, under the item's true SKU
    lines = mapped(result, "warehouse", "shipment_lines")
    line_truth = _truth(generated, "fulfilment_line_truth.csv").set_index("line_id")
    assert len(lines) == len(line_truth)
    assert (lines["item_external_id"].to_numpy() == ("sku:" + line_truth.loc[lines["source_id"], "true_sku"]).to_numpy()).all()
    assert lines["quantity"].sum() == line_truth["quantity"].astype(int).sum()
    # labels in exact cents
    labels = mapped(result, "shipping", "shipments")
    label_truth = _truth(generated, "label_truth.csv").set_index("label_id").loc[labels["source_id"]]
    assert (labels["label_cost_minor"].to_numpy() == label_truth["label_fee_minor"].astype(int).to_numpy()).all()
    assert (labels["freight_cost_minor"].to_numpy() == label_truth["postage_minor"].astype(int).to_numpy()).all()
    # stock: the file's quantities, the drifted ones differing from the truth
    stock = mapped(result, "warehouse", "inventory_levels")
    levels = _truth(generated, "inventory_truth.csv").set_index("level_id").loc[stock["source_id"]]
    written = stock["quantity_on_hand"].astype(int).to_numpy()
    assert (written == levels["file_quantity_on_hand"].astype(int).to_numpy()).all()
    drifted = levels["stock_drift"] == "true"
    assert drifted.sum() >= 1 and (written[drifted.to_numpy()] != levels.loc[drifted, "quantity_on_hand"].astype(int)).all()
    # the supplier spelled two ways is one vendor in the truth, two records in Coupa
    vendors = mapped(result, "procurement", "suppliers")
    pair = expected["operations"]["duplicate_suppliers"][0]
    assert {f"procurement:{i}" for i in pair} <= set(vendors.index)


def test_people_phase_passes_its_gates_and_maps_the_hierarchy(generated, instance):  # noqa: F811
    result = run_systems(instance, "people_phase")
    assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
    assert all(checks_by_name(result).values())
    _assert_exactly_the_planted_rows_quarantined(generated, ("hr",), [("hr", "employees")])
    employees = mapped(result, "hr", "employees")
    truth = _truth(generated, "employee_truth.csv").set_index("source_id")
    assert len(employees) == len(truth)
    manager = employees["manager_external_id"].str.removeprefix("hr:").fillna("")
    assert (manager.to_numpy() == truth.loc[employees["source_id"], "manager_source_id"].to_numpy()).all()
    assert employees["manager_external_id"].isna().sum() == 1
    planted = _truth(generated, "planted_faults.csv")
    bad_email = planted.loc[planted["fault"] == "invalid_work_email", "source_id"].tolist()
    assert bad_email and employees.set_index("source_id").loc[bad_email, "email"].isna().all()
    with_ssn = truth.loc[employees["source_id"], "has_ssn"].to_numpy() == "true"
    assert employees["ssn_mask"].notna().to_numpy()[with_ssn].all()
    assert employees["ssn_mask"].dropna().str.match(r"^\*{4}\d{4}$").all()
