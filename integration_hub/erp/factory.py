"""Choose the ERP target from configuration.

| variable | meaning |
| --- | --- |
| IH_ERP_TARGET | ledger (default), netsuite, acumatica or tryton |
| IH_ERP_URL | where the ERP is (see below) |
| IH_ERP_CONCURRENCY | parallel requests to a REST ERP (default 5, NetSuite's default account limit) |

IH_ERP_URL per kind: ledger, its SQLAlchemy URL; netsuite, the base URL (default
https://<account>.suitetalk.api.netsuite.com); acumatica, the instance URL (else ACUMATICA_URL);
tryton, a SQLite file or PostgreSQL URL (default $IH_DATA_DIR/tryton/hub.sqlite).

Credentials come from each ERP's own variables (NETSUITE_*, ACUMATICA_*). REST and Tryton
targets keep their posting record in the hub store ($IH_HUB_DB_URL).
"""
from __future__ import annotations

import os

from integration_hub.config import settings
from integration_hub.erp.base import ErpTarget

KINDS = ("ledger", "netsuite", "acumatica", "tryton")


def make_target(kind: str | None = None, url: str | None = None) -> ErpTarget:
    """The configured ErpTarget; `kind` and `url` override IH_ERP_TARGET and IH_ERP_URL."""
    kind = (kind or os.environ.get("IH_ERP_TARGET") or "ledger").strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown ERP target {kind!r} (IH_ERP_TARGET); valid kinds: {', '.join(KINDS)}")
    url = url or os.environ.get("IH_ERP_URL") or None
    config = settings()
    if kind == "ledger":
        from integration_hub.erp.ledger import SqlLedger

        return SqlLedger(url or config.erp_url)

    from integration_hub.erp.posting import PostingLog

    if kind == "tryton":
        from integration_hub.erp.tryton.target import TrytonTarget

        return TrytonTarget(url or config.data_dir / "tryton" / "hub.sqlite", PostingLog(config.hub_db_url))
    concurrency = _concurrency()
    if kind == "netsuite":
        from integration_hub.erp.netsuite import NetSuiteTarget, credentials_from_env

        credentials = credentials_from_env()
        return NetSuiteTarget(credentials, PostingLog(config.hub_db_url), base_url=url, concurrency=concurrency)
    from integration_hub.erp.acumatica import AcumaticaTarget

    AcumaticaTarget.check_env(url)
    return AcumaticaTarget.from_env(PostingLog(config.hub_db_url), url=url, concurrency=concurrency)


def _concurrency() -> int:
    raw = os.environ.get("IH_ERP_CONCURRENCY", "5")
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"IH_ERP_CONCURRENCY must be a positive whole number, got {raw!r}")
    return int(raw)
