import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from integration_hub.audit.anchor import Anchor, audit_anchor
from integration_hub.audit.chain import GENESIS, AuditTrail, VerifyResult, audit_chain, entry_hash, fingerprint


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'hub.db'}"


def filled(url: str, n: int = 6) -> AuditTrail:
    trail = AuditTrail(url)
    for i in range(1, n + 1):
        trail.append("ann@finance", "load" if i % 2 else "config.change", f"stripe/charges#{i}",
                     before={"rows": i - 1}, after={"rows": i}, details={"run_id": f"run-{i}", "n": i})
    return trail


def execute(trail: AuditTrail, statement) -> None:
    with trail.engine.begin() as conn:
        conn.execute(statement)


def test_entries_chain_from_genesis(store_url):
    trail = filled(store_url)
    entries = trail.entries()
    assert entries["seq"].tolist() == [1, 2, 3, 4, 5, 6]
    assert entries["prev_hash"].iloc[0] == GENESIS
    assert entries["prev_hash"].iloc[1:].tolist() == entries["hash"].iloc[:-1].tolist()
    assert entries["before_fingerprint"].iloc[2] == fingerprint({"rows": 2})
    assert trail.verify() == VerifyResult(True, 6, None, None)
    assert trail.head() == (6, entries["hash"].iloc[-1])
    assert trail.anchor() == Anchor(6, entries["hash"].iloc[-1])   # moved with every append


@pytest.mark.parametrize("column, value", [("actor", "mallory"), ("details", '{"n":3,"run_id":"run-x"}'),
                                           ("after_fingerprint", "0" * 64), ("object", "stripe/charges#99")])
def test_edited_entry_is_reported_at_its_seq(sqlite_url, column, value):
    trail = filled(sqlite_url)
    execute(trail, audit_chain.update().where(audit_chain.c.seq == 3).values({column: value}))
    result = trail.verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 3, 2)
    assert "entry 3 was edited" in result.reason


def test_edited_timestamp_is_detected(store_url):
    trail = filled(store_url)
    execute(trail, audit_chain.update().where(audit_chain.c.seq == 5)
            .values(at=audit_chain.c.at - sa.text("INTERVAL '1 hour'") if "postgresql" in store_url
                    else sa.func.datetime(audit_chain.c.at, "-1 hour")))
    assert trail.verify().first_broken_seq == 5


def test_edit_with_recomputed_hash_breaks_the_next_link(store_url):
    trail = filled(store_url)
    row = trail.entries().iloc[3]   # seq 4
    forged = entry_hash(4, row["at"].to_pydatetime(), "mallory", row["action"], row["object"],
                        row["before_fingerprint"], row["after_fingerprint"], row["details"], row["prev_hash"])
    execute(trail, audit_chain.update().where(audit_chain.c.seq == 4).values(actor="mallory", hash=forged))
    result = trail.verify()
    assert result.first_broken_seq == 5 and "does not link to entry 4" in result.reason


@pytest.mark.parametrize("deleted", [1, 3, 6])
def test_deleted_entry_is_reported(sqlite_url, deleted):
    trail = filled(sqlite_url)
    head = trail.head()
    execute(trail, audit_chain.delete().where(audit_chain.c.seq == deleted))
    result = trail.verify(anchor=head)
    assert not result.ok and result.first_broken_seq == deleted
    if deleted < 6:
        assert f"entry {deleted} is missing" in result.reason
    else:   # the newest entry: the anchor reveals it, no published one needed
        assert "the chain ends at entry 5 but the anchor records entry 6" in result.reason
        assert trail.verify() == result


def test_deleted_and_renumbered_entries_are_reported(store_url):
    trail = filled(store_url)
    execute(trail, audit_chain.delete().where(audit_chain.c.seq == 3))
    for seq in (4, 5, 6):
        execute(trail, audit_chain.update().where(audit_chain.c.seq == seq).values(seq=seq - 1))
    result = trail.verify()
    assert result.first_broken_seq == 3 and "does not link to entry 2" in result.reason


def test_reordered_entries_are_reported_at_the_first_moved_one(store_url):
    trail = filled(store_url)
    execute(trail, audit_chain.update().where(audit_chain.c.seq == 4).values(seq=-4))
    execute(trail, audit_chain.update().where(audit_chain.c.seq == 5).values(seq=4))
    execute(trail, audit_chain.update().where(audit_chain.c.seq == -4).values(seq=5))
    result = trail.verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 4, 3)


def test_rewritten_chain_differs_from_its_anchor(sqlite_url):
    trail = filled(sqlite_url, 3)
    anchor = trail.head()
    execute(trail, audit_chain.delete())
    execute(trail, audit_anchor.delete())
    filled(sqlite_url, 3)             # a complete, internally consistent forgery of both tables
    assert trail.verify().ok
    result = trail.verify(anchor=anchor)
    assert not result.ok and result.first_broken_seq == 3 and "rewritten" in result.reason


def test_concurrent_appends_never_fork(store_url):
    trail = AuditTrail(store_url)
    errors = []

    def worker(name):
        try:
            other = AuditTrail(store_url)   # its own engine, like another process
            for i in range(15):
                other.append(name, "load", f"obj-{i}")
            other.engine.dispose()
        except Exception as error:      # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = trail.verify()
    assert result.ok and result.checked == 60
    assert trail.entries()["actor"].value_counts().to_dict() == {"w0": 15, "w1": 15, "w2": 15, "w3": 15}


def test_details_are_redacted(sqlite_url):
    trail = AuditTrail(sqlite_url)
    trail.append("ann", "config.change", "connector stripe", details={"api_key": "sk_live_abcdef123", "page": 100})
    assert trail.entries()["details"].iloc[0] == '{"api_key":"[REDACTED]","page":100}' and trail.verify().ok


def test_locked_transaction_rolls_back_with_its_entry(sqlite_url):
    trail = AuditTrail(sqlite_url)
    with pytest.raises(RuntimeError):
        with trail.locked() as conn:
            trail.append("ann", "config.change", "phase cash", conn=conn)
            raise RuntimeError("the change itself failed")
    assert trail.head() is None and trail.anchor() is None and trail.verify() == VerifyResult(True, 0)


def test_fingerprint():
    frame = pd.DataFrame({"id": ["a", "b"], "amount": [100, 200]})
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert fingerprint(frame) != fingerprint(frame.assign(amount=[100, 201]))
    assert fingerprint(frame) != fingerprint(frame.astype({"amount": "float64"}))
    assert fingerprint(frame["id"]) != fingerprint(frame["amount"])
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert fingerprint(None) is None and len(fingerprint("x")) == 64


@pytest.mark.parametrize("wipe", ["DROP TABLE audit_chain", "DELETE FROM audit_chain"])
def test_dropped_or_emptied_chain_fails_against_the_anchor(store_url, wipe):
    filled(store_url).dispose()
    wiper = AuditTrail(store_url)
    with wiper.engine.begin() as conn:
        conn.exec_driver_sql(wipe)
    wiper.dispose()
    result = AuditTrail(store_url).verify()   # a new trail recreates the dropped table, empty
    assert (result.ok, result.checked, result.first_broken_seq) == (False, 0, 1)
    assert "the chain is empty" in result.reason and "the anchor records entry 6" in result.reason


@pytest.mark.parametrize("wipe", ["DROP TABLE audit_anchor", "DELETE FROM audit_anchor"])
def test_lost_anchor_of_a_non_empty_chain_fails(store_url, wipe):
    trail = filled(store_url)
    with trail.engine.begin() as conn:
        conn.exec_driver_sql(wipe)
    result = AuditTrail(store_url).verify()
    assert (result.ok, result.checked, result.first_broken_seq) == (False, 6, 6)
    assert "the anchor is missing" in result.reason and "6 entries" in result.reason


def test_truncation_stays_visible_after_the_next_append(sqlite_url):
    trail = filled(sqlite_url)
    execute(trail, audit_chain.delete().where(audit_chain.c.seq >= 5))
    entry = trail.append("ann@finance", "load", "stripe/charges#7")
    assert entry.seq == 7    # chained onto the anchored entry 6, not onto the surviving 4
    result = trail.verify()
    assert (result.ok, result.first_broken_seq) == (False, 5) and "the chain jumps to 7" in result.reason


def test_append_after_a_lost_anchor_records_the_loss(sqlite_url):
    trail = filled(sqlite_url)
    execute(trail, audit_anchor.delete())
    entry = trail.append("ann@finance", "load", "stripe/charges#7")
    entries = trail.entries()
    assert entries["action"].tolist()[-2:] == ["audit.anchor_missing", "load"] and entry.seq == 8
    assert '"chain_head":6' in entries["details"].iloc[-2]
    assert trail.verify() == VerifyResult(True, 8) and trail.anchor() == Anchor(8, entry.hash)


def test_entry_written_past_the_anchor_fails(sqlite_url):
    trail = filled(sqlite_url, 3)
    last = trail.entries().iloc[-1]
    at = last["at"].to_pydatetime()
    forged = {"seq": 4, "at": at, "actor": "mallory", "action": "load", "object": "x", "before_fingerprint": None,
              "after_fingerprint": None, "details": "{}", "prev_hash": last["hash"]}
    forged["hash"] = entry_hash(4, at, "mallory", "load", "x", None, None, "{}", last["hash"])
    execute(trail, audit_chain.insert().values(**forged))
    result = trail.verify()
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert "entry 4 was written without moving the anchor (at entry 3)" in result.reason
