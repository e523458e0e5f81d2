from __future__ import annotations

from integration_hub.erp.base import summarize
from integration_hub_tests.erp.frames import payments

ROWS = 200_000


def test_a_200k_batch_loads_reloads_unchanged_and_reads_back(ledger):
    frame = payments(ROWS, seed=3)
    frame.loc[ROWS // 2, "currency"] = "usd"
    assert summarize(ledger.upsert("payment", frame, run_id="r1", mapping_version="v1")) == {
        "created": ROWS - 1, "updated": 0, "unchanged": 0, "rejected": 1}
    again = ledger.upsert("payment", frame, run_id="r2", mapping_version="v1")
    assert summarize(again) == {"created": 0, "updated": 0, "unchanged": ROWS - 1, "rejected": 1}
    wanted = frame["external_id"].iloc[::2]
    back = ledger.read_back("payment", wanted)
    assert len(back) == len(wanted) - (1 if (ROWS // 2) % 2 == 0 else 0)
    assert back["run_id"].eq("r1").all()
    expected = frame.set_index("external_id").loc[back["external_id"], "amount_minor"].to_numpy()
    assert (back["amount_minor"].to_numpy() == expected).all()
