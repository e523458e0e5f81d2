"""Shared fixtures: throwaway PostgreSQL databases and an isolated hub data folder."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


def _admin_engine():
    for user in ("postgres", "root"):
        engine = sa.create_engine(f"postgresql+psycopg2://{user}@127.0.0.1:5432/postgres",
                                  isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        try:
            with engine.connect():
                return engine, user
        except sa.exc.OperationalError:
            engine.dispose()
    return None, None


@pytest.fixture(scope="session")
def pg_admin():
    engine, user = _admin_engine()
    if engine is None:
        pytest.skip("no PostgreSQL server reachable at 127.0.0.1:5432 (as postgres or root)")
    yield engine, user
    engine.dispose()


@pytest.fixture
def new_pg_database(pg_admin):
    """Factory of uniquely named, empty PostgreSQL databases, all dropped afterwards; returns URLs."""
    engine, user = pg_admin
    created: list[str] = []

    def create() -> str:
        name = f"ih_test_{uuid.uuid4().hex[:12]}"
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return f"postgresql+psycopg2://{user}@127.0.0.1:5432/{name}"

    yield create
    with engine.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_database(new_pg_database):
    """One fresh PostgreSQL database URL."""
    return new_pg_database()


@pytest.fixture
def hub_env(tmp_path, monkeypatch):
    """Point every hub store, ledger and data folder at a temporary directory."""
    data = tmp_path / "data"
    monkeypatch.setenv("IH_DATA_DIR", str(data))
    monkeypatch.setenv("IH_KEY_DIR", str(tmp_path / "keys"))   # the demo's key file, never in the user's home
    # set, not deleted: `demo --erp` sets it for its process, and the test must not leak it to the next
    monkeypatch.setenv("IH_ERP_TARGET", "ledger")
    for var in ("IH_SOURCE_DIR", "IH_INBOX_DIR", "IH_HUB_DB_URL", "IH_ERP_URL", "DAGSTER_HOME", "STRIPE_API_BASE",
                "STRIPE_API_KEY", "BILLING_API_KEY", "BILLING_API_URL", "IH_KEY_FILE", "IH_ENCRYPTION_KEYS",
                "IH_ACTIVE_KEY_ID"):
        monkeypatch.delenv(var, raising=False)
    return data
