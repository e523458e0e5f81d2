"""Dagster resources: the hub store, the ERP target, source files and live API clients.

Secrets are read from the environment when a run starts, never at import time and never
from run config, so they cannot end up in Dagster's storage.
"""

import os
from pathlib import Path

import dagster as dg

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.erp.base import ErpTarget


class HubStoreResource(dg.ConfigurableResource):
    """Quarantine, merges, cursors and run metrics. `url` defaults to $IH_HUB_DB_URL."""

    url: str | None = None

    def store(self) -> HubStore:
        return HubStore(self.url or settings().hub_db_url)


class ErpResource(dg.ConfigurableResource):
    """The ERP target; `url` defaults to $IH_ERP_URL (the SQL ledger)."""

    url: str | None = None

    def target(self) -> ErpTarget:
        from integration_hub.erp.ledger import SqlLedger

        return SqlLedger(self.url or settings().erp_url)


class SourcesResource(dg.ConfigurableResource):
    """Where export files and statement drops are read from ($IH_SOURCE_DIR, $IH_INBOX_DIR)."""

    source_dir: str | None = None
    inbox_dir: str | None = None

    def source_path(self) -> Path:
        return Path(self.source_dir) if self.source_dir else settings().source_dir

    def inbox_path(self) -> Path:
        return Path(self.inbox_dir) if self.inbox_dir else settings().inbox_dir


class StripeResource(dg.ConfigurableResource):
    """Stripe in live mode when the API key variable is set; export files otherwise."""

    api_key_env: str = "STRIPE_API_KEY"
    base_url_env: str = "STRIPE_API_BASE"   # for a proxy or a local fake; Stripe's own URL otherwise

    def client(self):
        key = os.environ.get(self.api_key_env)
        if not key:
            return None
        from integration_hub.connectors.stripe import StripeClient

        return StripeClient(key, base_url=os.environ.get(self.base_url_env, "https://api.stripe.com"))


class BillingApiResource(dg.ConfigurableResource):
    """The billing system's API when its key and site URL variables are set; export files otherwise."""

    api_key_env: str = "BILLING_API_KEY"
    base_url_env: str = "BILLING_API_URL"

    def client(self):
        key, url = os.environ.get(self.api_key_env), os.environ.get(self.base_url_env)
        if not (key and url):
            return None
        from integration_hub.connectors.billing import BillingClient

        return BillingClient(key, base_url=url)


def default_resources() -> dict:
    from integration_hub.defs.io import ParquetIOManager

    return {
        "io_manager": ParquetIOManager(),
        "hub": HubStoreResource(),
        "erp": ErpResource(),
        "sources": SourcesResource(),
        "stripe": StripeResource(),
        "billing_api": BillingApiResource(),
    }
