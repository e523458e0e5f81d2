"""ERP fixtures: a posting log per test; ledgers on a SQLite file per test and on a PostgreSQL database
per test session.

PostgreSQL is the local server at 127.0.0.1:5432 (trust auth, user postgres or root); the
session creates its own uniquely named database through the `postgres` maintenance
database and drops it at the end. PostgreSQL cases are skipped only when no server answers.
"""
from __future__ import annotations

import uuid

import psycopg2
import pytest
import sqlalchemy as sa

from integration_hub.erp.ledger import SqlLedger
from integration_hub.erp.posting import PostingLog
from integration_hub.erp.ledger_schema import METADATA

PG_HOST, PG_PORT, PG_USERS = "127.0.0.1", 5432, ("postgres", "root")


def _pg_user() -> str | None:
    for user in PG_USERS:
        try:
            psycopg2.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", connect_timeout=3).close()
            return user
        except psycopg2.OperationalError:
            continue
    return None


@pytest.fixture(scope="session")
def pg_url():
    user = _pg_user()
    if user is None:
        pytest.skip(f"no PostgreSQL server accepts users {PG_USERS} at {PG_HOST}:{PG_PORT}")
    name = f"ih_erp_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"postgresql+psycopg2://{user}@{PG_HOST}:{PG_PORT}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield f"postgresql://{user}@{PG_HOST}:{PG_PORT}/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path):
    if request.param == "sqlite":
        target = SqlLedger(f"sqlite:///{tmp_path / 'erp' / 'ledger.db'}")
        yield target
        target.close()
        return
    target = SqlLedger(request.getfixturevalue("pg_url"))
    yield target
    METADATA.drop_all(target.engine)  # the session database is shared: leave it empty for the next test
    target.close()


@pytest.fixture
def postings(tmp_path):
    """The hub's posting log of remote ERP writes (NetSuite, Acumatica), in this test's SQLite file."""
    log = PostingLog(f"sqlite:///{tmp_path / 'hub.db'}")
    yield log
    log.close()
