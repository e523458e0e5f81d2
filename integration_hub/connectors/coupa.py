"""Coupa (procurement) Core API client: suppliers, purchase orders with lines, receipts, invoices with lines.

Vendor facts this client follows (compass.coupa.com, Coupa Core API):

- Auth: OAuth 2.0 client credentials at `{instance}/oauth2/token` (form: grant_type,
  client_id, client_secret, scope) with read scopes per object (core.supplier.read ...); the
  token is sent as `Authorization: Bearer`. The client secret and every token are registered
  as secrets. A 401 on a call gets a fresh token once; a refused grant or a fresh token refused
  again is a ConnectorAuthError naming the variables. (Coupa's legacy X-COUPA-API-KEY is
  retired in favour of OAuth and not offered.)
- JSON with `Accept: application/json`; element names keep their dashes (`updated-at`,
  `order-lines`, `po-number`).
- Paging: `limit` (at most 50 a call) and `offset=0,50,100,...`; a page shorter than the
  limit is the last. Query arguments take operators in brackets: `updated_at[gt_or_eq]=<ISO>`
  (dashes in argument names become underscores). Pages are ordered `order_by=id&dir=asc`, so
  records created during a sync land after those already read.
- Endpoints: `/api/suppliers`, `/api/purchase_orders` (lines in `order-lines`),
  `/api/receiving_transactions` (receipts: inventory transactions against order lines),
  `/api/invoices` (lines in `invoice-lines`).
- Rate limit: 25 requests a second (bursts of 20 queued); the request budget (vendor
  "coupa", 25 a second) paces the hub's processes and the shared session retries a 429 or 5xx.
- Incremental: the cursor is the latest `updated-at` seen; the filter is inclusive, so records
  updated in the cursor's own second come back, and records a later page repeats are dropped
  by id. Lines are read with their header: an order or invoice that changed is read whole.
- Amounts and quantities stay the decimal text Coupa sent (parsed as Decimal, never float).
- A supplier carries its `tax-id`, a `primary-address` (street1, street2, city, state,
  postal-code, country.code) and a list of `remit-to-addresses` (where payments go); the bank
  account paid into is that address's `bank-account-number` (the element name of Coupa's supplier
  information address). The first active remit-to address is read (`remit_to_code`,
  `bank_account`). Tax id and bank account are sensitive: the procurement declaration encrypts
  them at extraction and only their masks are cleaned and mapped; the call log never sees them.
- A purchase order header's total is `total-with-estimated-tax` (lines plus estimated tax), in
  the order's currency; its order date is when Coupa created it (`created-at`).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import requests

from integration_hub.connectors.http import HubSession, build_session, redact_url
from integration_hub.connectors.oauth import request_token
from integration_hub.connectors.paging import unseen
from integration_hub.connectors.vendor_rest import (
    ConnectorAPIError,
    ConnectorAuthError,
    env_settings,
    flatten,
    iso_z,
    next_cursor,
    read_json,
)
from integration_hub.security.redact import register_secret

VENDOR = "Coupa"
MAX_PAGE_SIZE = 50
SCOPES = "core.supplier.read core.purchase_order.read core.inventory.receiving.read core.invoice.read"
ENV_URL, ENV_CLIENT_ID, ENV_SECRET, ENV_SCOPES = ("IH_COUPA_INSTANCE_URL", "IH_COUPA_CLIENT_ID",
                                                  "IH_COUPA_CLIENT_SECRET", "IH_COUPA_SCOPES")
CURSOR_FIELD = "updated-at"
# Supplier elements holding sensitive values (JSON keys, lower case), blanked in call-log bodies.
SENSITIVE_FIELDS = frozenset({"tax-id", "bank-account-number"})
REMIT_TO = "_remit-to"     # the supplier's remit-to address payments go to (see _with_remit_to)

# Resource -> (endpoint, nested line list or None).
SOURCES: dict[str, tuple[str, str | None]] = {
    "suppliers": ("suppliers", None), "purchase_orders": ("purchase_orders", None),
    "purchase_order_lines": ("purchase_orders", "order-lines"), "receipts": ("receiving_transactions", None),
    "invoices": ("invoices", None), "invoice_lines": ("invoices", "invoice-lines"),
}
EXPORT_COLUMNS: dict[str, dict[str, str]] = {
    "suppliers": {"id": "id", "name": "name", "number": "number", "status": "status",
                  "payment_term": "payment-term.code", "email": "primary-contact.email",
                  "tax_id": "tax-id",
                  "address_line1": "primary-address.street1", "address_line2": "primary-address.street2",
                  "city": "primary-address.city", "region": "primary-address.state",
                  "postal_code": "primary-address.postal-code", "country": "primary-address.country.code",
                  "remit_to_code": f"{REMIT_TO}.remit-to-code", "bank_account": f"{REMIT_TO}.bank-account-number",
                  "created_at": "created-at", "updated_at": "updated-at"},
    "purchase_orders": {"id": "id", "po_number": "po-number", "status": "status", "supplier_id": "supplier.id",
                        "supplier_name": "supplier.name", "currency": "currency.code", "version": "version",
                        "total": "total-with-estimated-tax",
                        "created_at": "created-at", "updated_at": "updated-at"},
    "purchase_order_lines": {"id": "id", "order_id": "order_id", "line_num": "line-num", "description": "description",
                             "item_id": "item.id", "part_number": "source-part-num", "quantity": "quantity",
                             "uom": "uom.code", "price": "price", "total": "total", "currency": "currency.code",
                             "received": "received", "updated_at": "updated-at"},
    "receipts": {"id": "id", "type": "type", "status": "status", "order_line_id": "order-line.id",
                 "order_id": "order-line.order-header-id", "item_id": "item.id", "quantity": "quantity",
                 "price": "price", "total": "total", "transaction_date": "transaction-date",
                 "created_at": "created-at", "updated_at": "updated-at"},
    "invoices": {"id": "id", "invoice_number": "invoice-number", "status": "status", "supplier_id": "supplier.id",
                 "currency": "currency.code", "invoice_date": "invoice-date", "gross_total": "gross-total",
                 "created_at": "created-at", "updated_at": "updated-at"},
    "invoice_lines": {"id": "id", "invoice_id": "invoice_id", "line_num": "line-num", "description": "description",
                      "quantity": "quantity", "price": "price", "total": "total", "order_line_id": "order-line-id",
                      "po_number": "po-number", "updated_at": "updated-at"},
}
_PARENT_KEY = {"order-lines": "order_id", "invoice-lines": "invoice_id"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoupaCredentials:
    """An OAuth client's id and secret, and the scopes its token asks for."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = SCOPES


def _checked(resource: str) -> str:
    if resource not in SOURCES:
        raise ValueError(f"unknown Coupa resource {resource!r}; expected one of {', '.join(SOURCES)}")
    return resource


class CoupaClient:
    """Read-only client for the resources in SOURCES."""

    def __init__(self, instance_url: str, credentials: CoupaCredentials, *, session: requests.Session | None = None,
                 page_size: int = MAX_PAGE_SIZE) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is outside Coupa's range 1-{MAX_PAGE_SIZE}")
        register_secret(credentials.client_secret)
        self.instance_url = instance_url.rstrip("/")
        self.page_size = page_size
        self.session = session or build_session(system="coupa")
        if isinstance(self.session, HubSession):   # whoever built the session, the call log never sees these
            self.session.redact_fields |= SENSITIVE_FIELDS
        self._credentials = credentials
        self._token: str | None = None
        self.duplicates_skipped: dict[str, int] = {}   # resource -> repeated records dropped, last extraction

    def __repr__(self) -> str:
        return f"CoupaClient(instance_url={self.instance_url!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is read from (what lineage names as a record's origin)."""
        return redact_url(f"{self.instance_url}/api/{SOURCES[_checked(resource)][0]}")

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Rows of `resource` updated at or after `cursor`, and the cursor to resume from (max updated-at)."""
        records = list(self.iter_records(resource, cursor))
        lines = SOURCES[resource][1]
        rows = records if lines is None else \
            [{**line, _PARENT_KEY[lines]: record["id"]} for record in records for line in record.get(lines) or []]
        if resource == "suppliers":
            rows = [_with_remit_to(row) for row in rows]
        return flatten(EXPORT_COLUMNS[resource], rows), next_cursor((r.get(CURSOR_FIELD) for r in records), cursor)

    def iter_records(self, resource: str, since: int | None = None) -> Iterator[dict[str, Any]]:
        """Each record of the resource's endpoint updated at or after `since` (all when None), once."""
        endpoint = SOURCES[_checked(resource)][0]
        params: dict[str, Any] = {"limit": self.page_size, "offset": 0, "order_by": "id", "dir": "asc"}
        if since is not None:
            params["updated_at[gt_or_eq]"] = iso_z(since)
        seen: set[str] = set()
        self.duplicates_skipped[resource] = 0
        while True:
            page = self._get(resource, endpoint, params)
            fresh = unseen([{**r, "id": str(r["id"])} for r in page], seen)
            if len(page) > len(fresh):
                self.duplicates_skipped[resource] += len(page) - len(fresh)
                log.warning("coupa %s: %d record(s) already seen skipped (offset %d)", endpoint,
                            len(page) - len(fresh), params["offset"])
            yield from fresh
            if len(page) < self.page_size:
                return
            params["offset"] += self.page_size

    # transport ---------------------------------------------------------------------------------
    def _get(self, resource: str, endpoint: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        response = self._send(endpoint, params)
        if response.status_code == 401:
            log.info("coupa %s: access token expired or invalid, fetching a new one once", endpoint)
            self._token = None
            response = self._send(endpoint, params)
        if response.status_code in (401, 403):
            raise ConnectorAuthError(f"Coupa {resource}: a freshly issued access token was refused (HTTP "
                                     f"{response.status_code} {response.reason or ''}); check the OAuth client's "
                                     f"scopes ({self._credentials.scopes}) and {ENV_CLIENT_ID}")
        page = read_json(VENDOR, resource, response, _message(response))
        if not isinstance(page, list) or not all(isinstance(r, dict) and r.get("id") is not None for r in page):
            raise ConnectorAPIError(VENDOR, resource, response.status_code, f"the answer is not a list of {endpoint}")
        return page

    def _send(self, endpoint: str, params: dict[str, Any]) -> requests.Response:
        return self.session.get(f"{self.instance_url}/api/{endpoint}", params=params,
                                headers={"Authorization": f"Bearer {self._access_token()}",
                                         "Accept": "application/json"})

    def _access_token(self) -> str:
        if self._token is None:
            self._token = self._fetch_token()
        return self._token

    def _fetch_token(self) -> str:
        grant = {"grant_type": "client_credentials", "client_id": self._credentials.client_id,
                 "client_secret": self._credentials.client_secret, "scope": self._credentials.scopes}
        return request_token(self.session, f"{self.instance_url}/oauth2/token", grant, error=ConnectorAuthError,
                             describe="Coupa OAuth client_credentials grant",
                             hint=f"check {ENV_CLIENT_ID} and {ENV_SECRET}")["access_token"]


def _with_remit_to(supplier: dict[str, Any]) -> dict[str, Any]:
    """The supplier with its first active remit-to address under REMIT_TO (Coupa lists them in
    `remit-to-addresses`; an address without `active` counts as active)."""
    addresses = [a for a in supplier.get("remit-to-addresses") or [] if isinstance(a, dict)]
    active = next((a for a in addresses if a.get("active", True) not in (False, "false")), None)
    return {**supplier, REMIT_TO: active} if active is not None else supplier


def _message(response: requests.Response) -> str:
    """Coupa's {"errors": ...} text, when an error body holds it."""
    if response.ok:
        return ""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return ""
    return "; ".join(map(str, errors)) if isinstance(errors, list) else str(errors or "")


def client_from_env(environ: dict[str, str] | None = None, *, call_log=None, budget=None) -> CoupaClient:
    """A client from IH_COUPA_INSTANCE_URL, IH_COUPA_CLIENT_ID, IH_COUPA_CLIENT_SECRET (required) and
    IH_COUPA_SCOPES (space-separated; the four read scopes by default), on the shared session."""
    settings = env_settings(VENDOR, [ENV_URL, ENV_CLIENT_ID, ENV_SECRET], {ENV_SCOPES: SCOPES}, environ)
    credentials = CoupaCredentials(settings[ENV_CLIENT_ID], settings[ENV_SECRET], settings[ENV_SCOPES])
    return CoupaClient(settings[ENV_URL], credentials,
                       session=build_session(system="coupa", call_log=call_log, budget=budget))
