"""Master ids survive runs that re-resolve only some of a master's source customers."""
import pandas as pd

from integration_hub.resolve.continuity import keep_master_ids


def _run(clusters: dict[str, list[str]]):
    crosswalk = pd.DataFrame([(key, master, f"master:{master}") for master, keys in clusters.items() for key in keys],
                             columns=["source_external_id", "master_id", "master_external_id"])
    golden = pd.DataFrame({"external_id": [f"master:{m}" for m in clusters], "source_id": list(clusters)},
                          dtype="string")
    return crosswalk, golden


def test_a_customer_re_extracted_alone_keeps_the_master_it_was_merged_into():
    previous = pd.DataFrame({"source_external_id": ["billing:C-1", "stripe:cus_1"], "master_id": ["M-a", "M-a"]})
    crosswalk, golden = keep_master_ids(*_run({"M-new": ["stripe:cus_1"]}), previous)
    assert crosswalk["master_external_id"].tolist() == ["master:M-a"]
    assert golden["external_id"].tolist() == ["master:M-a"] and golden["source_id"].tolist() == ["M-a"]


def test_new_customers_keep_their_fresh_ids_and_a_split_master_stays_with_its_larger_part():
    previous = pd.DataFrame({"source_external_id": ["a", "b", "c"], "master_id": ["M-old"] * 3})
    crosswalk, _ = keep_master_ids(*_run({"M-1": ["a", "b"], "M-2": ["c"], "M-3": ["new"]}), previous)
    assert dict(zip(crosswalk["source_external_id"], crosswalk["master_id"])) == {
        "a": "M-old", "b": "M-old", "c": "M-2", "new": "M-3"}
