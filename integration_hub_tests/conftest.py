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
def pg_database(pg_admin):
    """A uniquely named, empty PostgreSQL database; dropped afterwards. Yields its SQLAlchemy URL."""
    engine, user = pg_admin
    name = f"ih_test_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg2://{user}@127.0.0.1:5432/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def hub_env(tmp_path, monkeypatch):
    """Point every hub store, ledger and data folder at a temporary directory."""
    data = tmp_path / "data"
    monkeypatch.setenv("IH_DATA_DIR", str(data))
    for var in ("IH_SOURCE_DIR", "IH_INBOX_DIR", "IH_HUB_DB_URL", "IH_ERP_URL", "DAGSTER_HOME",
                "STRIPE_API_KEY", "BILLING_API_KEY", "BILLING_API_URL"):
        monkeypatch.delenv(var, raising=False)
    return data
