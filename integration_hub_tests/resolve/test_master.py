"""Master customers built from the pipeline's canonical records, checked against the generator's truth."""
import pandas as pd
import pytest

from integration_hub.canonical import registry

CUSTOMER = registry.get("customer").schema
from integration_hub.connectors.exports import read_export
from integration_hub.demo import generate_company
from integration_hub.mapping.engine import apply_spec
from integration_hub.mapping.systems import load_systems
from integration_hub.resolve.master import resolve_customers
from integration_hub.resolve.metrics import pairwise_scores
from integration_hub.standardize.frame import clean_frame


@pytest.fixture(scope="module")
def canonical_customers(tmp_path_factory):
    out = tmp_path_factory.mktemp("co") / "sample"
    generate_company(out, scale=1000, seed=11)
    frames = []
    for system in load_systems():
        for entity in system.entities:
            if entity.canonical == "customer" and system.name in ("stripe", "billing"):
                raw = read_export(out / system.name / entity.file).frame
                frames.append(apply_spec(entity.mapping, clean_frame(raw, entity).cleaned).mapped)
    truth = pd.read_csv(out / "truth" / "customer_truth.csv", dtype=str)
    truth["source_external_id"] = truth["system"] + ":" + truth["source_id"]
    return pd.concat(frames, ignore_index=True), truth


def test_master_customers_match_the_known_truth(canonical_customers):
    customers, truth = canonical_customers
    master = resolve_customers(customers)
    scored = master.crosswalk.merge(truth[["source_external_id", "true_customer_id"]], on="source_external_id")
    assert len(scored) == len(customers)
    scores = pairwise_scores(scored["master_id"], scored["true_customer_id"])
    assert scores["precision"] >= 0.99, scores
    assert scores["recall"] >= 0.97, scores
    assert master.golden["external_id"].nunique() == len(master.golden) == scored["master_id"].nunique()


def test_crosswalk_is_complete_with_one_representative_per_master(canonical_customers):
    customers, _ = canonical_customers
    master = resolve_customers(customers)
    crosswalk = master.crosswalk
    assert sorted(crosswalk["source_external_id"]) == sorted(customers["external_id"])
    assert (crosswalk.groupby("master_id")["representative"].sum() == 1).all()
    merged = crosswalk[~crosswalk["representative"]]
    assert len(merged) > 0 and merged["evidence"].str.contains("matched_with").all()
    CUSTOMER.validate(master.golden[list(CUSTOMER.columns)])        # golden records are canonical customers
    assert (master.golden["records"] >= 1).all()
