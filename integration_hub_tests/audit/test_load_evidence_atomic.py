"""A load's lineage, its "erp.load" audit entry and the close of its journal entry commit together
or not at all (one hub-store transaction, the chain's lock held), on SQLite and PostgreSQL."""
import pytest
import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.lineage import lineage, record_lineage, with_lineage
from integration_hub.audit.load_journal import DONE, PENDING, begin_load, finish_load, load_journal
from integration_hub_tests.audit.test_lineage import payment


class Killed(Exception):
    pass


def _evidence(trail: AuditTrail, journal: int, *, fail: bool) -> None:
    with trail.locked() as conn:
        record_lineage(conn, payment())
        trail.append("dagster:run-1", "erp.load", "erp/payments", None, None, {"run_id": "run-1"}, conn=conn)
        finish_load(conn, journal)
        if fail:
            raise Killed


def _state(engine: sa.Engine) -> tuple[int, list[str], str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(lineage)).scalar_one()
        status = conn.execute(sa.select(load_journal.c.status)).scalar_one()
    return rows, AuditTrail(engine).entries()["action"].tolist(), status


def check_all_or_nothing(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        trail = AuditTrail(engine)
        record_lineage(engine, payment().iloc[:0])          # tables exist; nothing recorded
        journal = begin_load(engine, "run-1", "payment")
        with pytest.raises(Killed):
            _evidence(trail, journal, fail=True)
        assert _state(engine) == (0, [], PENDING)          # nothing of the load's evidence is left
        assert trail.verify().ok
        _evidence(trail, journal, fail=False)
        assert _state(engine) == (1, ["erp.load"], DONE)
        assert with_lineage(engine, "payment", ["stripe:ch_0001"]) == {"stripe:ch_0001"}
        assert trail.verify().ok
    finally:
        engine.dispose()


def test_load_evidence_is_all_or_nothing_on_sqlite(tmp_path):
    check_all_or_nothing(f"sqlite:///{tmp_path / 'hub.db'}")


def test_load_evidence_is_all_or_nothing_on_postgresql(pg_database):
    check_all_or_nothing(pg_database)
