"""Dagster resources: the hub store, the ERP target, source files and live API clients.

Secrets are read from the environment when a run starts, never at import time and never
from run config, so they cannot end up in Dagster's storage.
"""

import importlib
import os
from pathlib import Path

import dagster as dg

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.erp.base import ErpTarget


class HubStoreResource(dg.ConfigurableResource):
    """Quarantine, merges, cursors, run metrics, API call log, audit trail and lineage.
    `url` defaults to $IH_HUB_DB_URL."""

    url: str | None = None

    def db_url(self) -> str:
        return self.url or settings().hub_db_url

    def store(self) -> HubStore:
        return HubStore(self.db_url())

    def call_log(self, run_id: str):
        from integration_hub.audit.api_log import ApiCallLog

        return ApiCallLog(self.db_url(), run_id=run_id)


class SecurityResource(dg.ConfigurableResource):
    """Keys for field-level encryption ($IH_KEY_FILE, $IH_ENCRYPTION_KEYS, else a per-user key file
    for the data folder, see security/keystore.py), and log redaction for every run."""

    data_dir: str | None = None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from integration_hub.security.redact import install_redaction

        install_redaction()

    def keyring(self):
        from integration_hub.security.keystore import hub_keyring

        return hub_keyring(Path(self.data_dir) if self.data_dir else settings().data_dir)


class ErpResource(dg.ConfigurableResource):
    """The ERP target: `kind` and `url` default to $IH_ERP_TARGET (ledger, netsuite, acumatica, tryton)
    and $IH_ERP_URL; the embedded SQL ledger when neither is set."""

    kind: str | None = None
    url: str | None = None

    def target(self) -> ErpTarget:
        from integration_hub.erp.factory import make_target

        return make_target(self.kind, self.url)


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

    def client(self, call_log=None):
        """A client whose every request goes to `call_log` (an ApiCallLog)."""
        key = os.environ.get(self.api_key_env)
        if not key:
            return None
        from integration_hub.connectors.http import build_session
        from integration_hub.connectors.stripe import StripeClient

        return StripeClient(key, base_url=os.environ.get(self.base_url_env, "https://api.stripe.com"),
                            session=build_session(system="stripe", call_log=call_log))


class BillingApiResource(dg.ConfigurableResource):
    """The billing system's API when its key and site URL variables are set; export files otherwise."""

    api_key_env: str = "BILLING_API_KEY"
    base_url_env: str = "BILLING_API_URL"

    def client(self, call_log=None):
        """A client whose every request goes to `call_log` (an ApiCallLog)."""
        key, url = os.environ.get(self.api_key_env), os.environ.get(self.base_url_env)
        if not (key and url):
            return None
        from integration_hub.connectors.billing import BillingClient
        from integration_hub.connectors.http import build_session

        return BillingClient(key, base_url=url, session=build_session(system="billing", call_log=call_log))


def default_resources() -> dict:
    from integration_hub.defs.io import ParquetIOManager

    return {
        "io_manager": ParquetIOManager(),
        "hub": HubStoreResource(),
        "erp": ErpResource(),
        "sources": SourcesResource(),
        "stripe": StripeResource(),
        "billing_api": BillingApiResource(),
        "salesforce": SalesforceResource(),
        "shopify": ShopifyResource(),
        **{name: VendorApiResource(connector=name) for name in VENDOR_CONNECTORS},
        "security": SecurityResource(),
    }


class SalesforceResource(dg.ConfigurableResource):
    """Salesforce in live mode when the instance URL and connected-app variables are set; export files otherwise.

    With a refresh token the OAuth refresh-token flow is used, the client-credentials flow otherwise.
    The API version defaults to SalesforceClient's.
    """

    instance_url_env: str = "SALESFORCE_INSTANCE_URL"   # the org's My Domain URL: there is no default host
    client_id_env: str = "SALESFORCE_CLIENT_ID"
    client_secret_env: str = "SALESFORCE_CLIENT_SECRET"
    refresh_token_env: str = "SALESFORCE_REFRESH_TOKEN"
    api_version_env: str = "SALESFORCE_API_VERSION"

    def client(self, call_log=None, budget=None):
        """A client whose every request goes to `call_log` (an ApiCallLog) and draws on `budget` (a RequestBudget)."""
        names = (self.instance_url_env, self.client_id_env, self.client_secret_env)
        url, client_id, secret = (os.environ.get(name) for name in names)
        if not (url or client_id or secret):
            return None
        if not (url and client_id and secret):   # half a setup is a mistake, not a wish for export files
            raise ValueError(f"Salesforce live mode needs all of {', '.join(names)}; "
                             f"unset: {', '.join(n for n in names if not os.environ.get(n))}")
        from integration_hub.connectors.http import build_session
        from integration_hub.connectors.salesforce import API_VERSION, SalesforceClient, SalesforceCredentials

        credentials = SalesforceCredentials(client_id, secret, os.environ.get(self.refresh_token_env) or None)
        return SalesforceClient(url, credentials,
                                api_version=os.environ.get(self.api_version_env) or API_VERSION,
                                session=build_session(system="salesforce", call_log=call_log, budget=budget))


class ShopifyResource(dg.ConfigurableResource):
    """Shopify in live mode when the shop URL and access token variables are set; export files otherwise."""

    shop_url_env: str = "SHOPIFY_SHOP_URL"   # the shop's own URL: there is no default host
    access_token_env: str = "SHOPIFY_ACCESS_TOKEN"
    api_version_env: str = "SHOPIFY_API_VERSION"

    def client(self, call_log=None, budget=None):
        """A client whose every request goes to `call_log` (an ApiCallLog) and draws on `budget` (a RequestBudget)."""
        url, token = os.environ.get(self.shop_url_env), os.environ.get(self.access_token_env)
        if not (url or token):
            return None
        if not (url and token):   # half a setup is a mistake, not a wish for export files
            raise ValueError(f"Shopify live mode needs both {self.shop_url_env} and {self.access_token_env}; "
                             f"unset: {self.access_token_env if url else self.shop_url_env}")
        from integration_hub.connectors.http import build_session
        from integration_hub.connectors.shopify import API_VERSION, ShopifyClient

        return ShopifyClient(url, token,
                             api_version=os.environ.get(self.api_version_env) or API_VERSION,
                             session=build_session(system="shopify", call_log=call_log, budget=budget))


# Connector module -> its variables (module attribute names) that switch it to live mode. A connector
# module holds `client_from_env`, which reads the rest and refuses half a setup by name.
VENDOR_CONNECTORS = {
    "shipbob": ("ENV_TOKEN",),
    "easypost": ("ENV_API_KEY",),
    "coupa": ("ENV_URL", "ENV_CLIENT_ID", "ENV_SECRET"),
    "bamboohr": ("ENV_API_KEY", "ENV_COMPANY", "ENV_BASE_URL"),
}


class VendorApiResource(dg.ConfigurableResource):
    """A vendor REST connector (`connector`: a VENDOR_CONNECTORS module) in live mode when any of its
    credential variables is set (IH_SHIPBOB_TOKEN, IH_EASYPOST_API_KEY, IH_COUPA_*, IH_BAMBOOHR_*);
    export files otherwise."""

    connector: str

    def client(self, call_log=None, budget=None):
        """A client whose every request goes to `call_log` (an ApiCallLog) and draws on `budget` (a RequestBudget)."""
        module = importlib.import_module(f"integration_hub.connectors.{self.connector}")
        if not any(os.environ.get(getattr(module, name)) for name in VENDOR_CONNECTORS[self.connector]):
            return None
        return module.client_from_env(call_log=call_log, budget=budget)
