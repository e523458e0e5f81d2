"""Phases 1 and 2 with the Dagster instance, hub store and ledger all on PostgreSQL."""
import shutil
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from integration_hub_tests.defs.conftest import checks_by_name, run_phase

DEPLOY_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "dagster.yaml"


def test_cash_and_customers_phases_on_postgresql(company, new_pg_database, monkeypatch, tmp_path):
    dagster_db, hub_db, erp_db = new_pg_database(), new_pg_database(), new_pg_database()
    monkeypatch.setenv("IH_HUB_DB_URL", hub_db)
    monkeypatch.setenv("IH_ERP_URL", erp_db.replace("postgresql+psycopg2://", "postgresql://"))
    url = sa.engine.make_url(dagster_db)
    for name, value in {"HOST": url.host, "USER": url.username, "PASSWORD": "", "DB": url.database,
                        "PORT": str(url.port)}.items():
        monkeypatch.setenv(f"DAGSTER_PG_{name}", value)
    shutil.copy(DEPLOY_CONFIG, tmp_path / "dagster.yaml")     # the documented config, as shipped
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = run_phase(instance)
        assert result.success
        assert all(checks_by_name(result).values())
        assert instance.get_run_by_id(result.run_id).is_success
        assert instance.get_latest_materialization_event(dg.AssetKey(["erp", "payments", "loaded"])) is not None
        assert _count(erp_db, "payments") > 100
        assert _count(hub_db, "quarantine") > 0

        # Phase 2 on the same servers: conservation holds for every entity Salesforce and Shopify feed.
        customers = run_phase(instance, "customers_phase")
        checks = checks_by_name(customers)
        assert customers.success and all(checks.values()), sorted(k for k, ok in checks.items() if not ok)
        conserved = {asset.split("/")[1] for asset, name in checks if name.startswith("conservation_")}
        assert conserved >= {"customers", "items", "sales_orders", "sales_order_lines", "order_refunds",
                             "contacts", "opportunities"}
    assert _count(erp_db, "sales_orders") > 50 and _count(erp_db, "sales_order_lines") > 100


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
    finally:
        engine.dispose()
