"""ShipBob (3PL warehouse) REST client: inventory levels per fulfillment center, and shipments with their lines.

Vendor facts this client follows (developer.shipbob.com, API version 2026-01):

- Auth: `Authorization: Bearer <personal access token>` (registered as a secret, so it is
  redacted from every log line, call-log entry and error). URLs carry the API version:
  `{base}/2026-01/...`. A 401/403 is a ConnectorAuthError naming IH_SHIPBOB_TOKEN.
- Rate limit: 150 requests a minute per user and application, sliding window, across every
  ShipBob API. Over it, a 429 with `x-retry-after` (seconds) and `x-remaining-calls`. The
  request budget (request_budget.py, vendor "shipbob", 2.5 a second) keeps every process of the
  hub under the limit together; `x-remaining-calls` is kept in `remaining_calls`. A 429 that
  still comes (another application of the same user) is retried by the shared session after the
  `x-retry-after` seconds it asks for (http.py reads it like `Retry-After`). Shipments counted twice by overlapping pages go to
  `duplicates_skipped["shipments"]`.
- Inventory: `GET /2026-01/inventory-level/locations?PageSize=N` answers
  `{items: [{inventory_id, sku, name, locations: [{location_id, name, on_hand_quantity,
  fulfillable_quantity, committed_quantity, awaiting_quantity, internal_transfer_quantity}]}],
  next, prev, first, last}`; the next page is the `next` link until it is empty. Inventory
  has no last-updated filter: each extraction is a full snapshot (one row per SKU and
  fulfillment center) and keeps no cursor.
- Orders: `GET /2026-01/order?Page=&Limit=(1-250)&SortOrder=Oldest&LastUpdateStartDate=<ISO>`
  answers a JSON array; a further page is announced by the `next-page` response header.
  Oldest-first keeps the pages stable while orders are added during a sync. Each order holds
  `shipments[]` (id, status, location {id, name}, tracking {carrier, tracking_number},
  invoice_amount, invoice_currency_code, last_update_at, products[{id, sku, reference_id,
  name, inventory_items[{id, quantity}]}]).
- Incremental: the cursor is the latest shipment `last_update_at` seen (epoch seconds,
  floored); the next run asks for orders updated later than it, so a shipment changed within
  the cursor's own second is read again, and shipments a later page repeats are dropped by id.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests

from integration_hub.connectors.http import build_session, redact_url
from integration_hub.connectors.paging import unseen
from integration_hub.connectors.vendor_rest import (
    ConnectorAPIError,
    env_settings,
    flatten,
    iso_z,
    next_cursor,
    read_json,
    refuse_auth,
)
from integration_hub.security.redact import register_secret

VENDOR = "ShipBob"
API_VERSION = "2026-01"
DEFAULT_BASE_URL = "https://api.shipbob.com"
MAX_PAGE_SIZE = 250
ENV_TOKEN, ENV_BASE_URL, ENV_API_VERSION = "IH_SHIPBOB_TOKEN", "IH_SHIPBOB_BASE_URL", "IH_SHIPBOB_API_VERSION"

# Resource -> export column -> path in the prepared row.
EXPORT_COLUMNS: dict[str, dict[str, str]] = {
    "inventory_levels": {
        "id": "id", "inventory_id": "inventory_id", "sku": "sku", "name": "name", "location_id": "location_id",
        "location_name": "location_name", "on_hand_quantity": "on_hand_quantity",
        "fulfillable_quantity": "fulfillable_quantity", "committed_quantity": "committed_quantity",
        "awaiting_quantity": "awaiting_quantity", "internal_transfer_quantity": "internal_transfer_quantity",
    },
    "shipments": {
        "id": "id", "order_id": "order_id", "order_number": "order_number", "order_reference_id": "order_reference_id",
        "status": "status", "location_id": "location.id", "location_name": "location.name",
        "carrier": "tracking.carrier", "tracking_number": "tracking.tracking_number",
        "invoice_amount": "invoice_amount", "invoice_currency_code": "invoice_currency_code",
        "created_date": "created_date", "actual_fulfillment_date": "actual_fulfillment_date",
        "last_update_at": "last_update_at",
    },
    "shipment_lines": {
        "id": "id", "shipment_id": "shipment_id", "order_id": "order_id", "product_id": "product_id",
        "sku": "sku", "reference_id": "reference_id", "name": "name", "inventory_id": "inventory_id",
        "quantity": "quantity", "last_update_at": "last_update_at",
    },
}
CURSOR_FIELD = "last_update_at"

log = logging.getLogger(__name__)


def _checked(resource: str) -> str:
    if resource not in EXPORT_COLUMNS:
        raise ValueError(f"unknown ShipBob resource {resource!r}; expected one of {', '.join(EXPORT_COLUMNS)}")
    return resource


def inventory_rows(item: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per fulfillment center holding the inventory item; id `<inventory_id>@<location_id>`."""
    return [{**location, "id": f"{item['inventory_id']}@{location.get('location_id')}",
             "inventory_id": item["inventory_id"], "sku": item.get("sku"), "name": item.get("name"),
             "location_name": location.get("name")}
            for location in item.get("locations") or [] if isinstance(location, dict)]


def shipment_lines(shipment: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per inventory item shipped (a bundle product ships several); id `<shipment>-<product>-<item>`."""
    lines = []
    for product in shipment.get("products") or []:
        for item in product.get("inventory_items") or []:
            lines.append({"id": f"{shipment['id']}-{product.get('id')}-{item.get('id')}", "shipment_id": shipment["id"],
                          "order_id": shipment.get("order_id"), "product_id": product.get("id"),
                          "sku": product.get("sku"), "reference_id": product.get("reference_id"),
                          "name": product.get("name"), "inventory_id": item.get("id"), "quantity": item.get("quantity"),
                          "last_update_at": shipment.get("last_update_at")})
    return lines


class ShipBobClient:
    """Read-only client for the resources in EXPORT_COLUMNS."""

    def __init__(self, token: str, *, base_url: str = DEFAULT_BASE_URL, api_version: str = API_VERSION,
                 session: requests.Session | None = None, page_size: int = MAX_PAGE_SIZE) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is outside ShipBob's range 1-{MAX_PAGE_SIZE}")
        register_secret(token)
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.page_size = page_size
        self.session = session or build_session(system="shipbob")
        self._token = token
        self.remaining_calls: int | None = None      # x-remaining-calls of the latest answer
        self.duplicates_skipped: dict[str, int] = {}  # resource -> repeated objects dropped, last extraction

    def __repr__(self) -> str:
        return f"ShipBobClient(base_url={self.base_url!r}, api_version={self.api_version!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is read from (what lineage names as a record's origin)."""
        path = "inventory-level/locations" if _checked(resource) == "inventory_levels" else "order"
        return redact_url(f"{self.base_url}/{self.api_version}/{path}")

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Rows of `resource` and the cursor to resume from (inventory is a snapshot: no cursor)."""
        if _checked(resource) == "inventory_levels":
            rows = [row for item in self.iter_inventory() for row in inventory_rows(item)]
            return flatten(EXPORT_COLUMNS[resource], rows), None
        shipments = list(self.iter_shipments(cursor))
        rows = shipments if resource == "shipments" else [line for s in shipments for line in shipment_lines(s)]
        return flatten(EXPORT_COLUMNS[resource], rows), next_cursor((s.get(CURSOR_FIELD) for s in shipments), cursor)

    def iter_inventory(self) -> Iterator[dict[str, Any]]:
        """Every inventory item with its per-location quantities, following the `next` links."""
        url: str | None = f"{self.base_url}/{self.api_version}/inventory-level/locations"
        params: dict[str, Any] | None = {"PageSize": self.page_size}
        seen: set[str] = set()
        while url:
            page = self._get("inventory_levels", url, params)
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("inventory_id") for i in items):
                raise ConnectorAPIError(VENDOR, "inventory_levels", 200, "the answer is not a page of inventory items")
            yield from (k["item"] for k in unseen([{"id": str(i["inventory_id"]), "item": i} for i in items], seen))
            link = page.get("next")
            url, params = (self._same_host("inventory_levels", link), None) if link else (None, None)

    def iter_shipments(self, since: int | None = None) -> Iterator[dict[str, Any]]:
        """Shipments of the orders updated later than `since` (all when None), each once, with their order's ids."""
        url: str | None = f"{self.base_url}/{self.api_version}/order"
        params: dict[str, Any] | None = {"Page": 1, "Limit": self.page_size, "SortOrder": "Oldest"}
        if since is not None:
            params["LastUpdateStartDate"] = iso_z(since)
        seen: set[str] = set()
        self.duplicates_skipped["shipments"] = 0
        while url:
            response = self._send("shipments", url, params)
            orders = read_json(VENDOR, "shipments", response, _message(response))
            if not isinstance(orders, list) or not all(isinstance(o, dict) and o.get("id") for o in orders):
                raise ConnectorAPIError(VENDOR, "shipments", response.status_code, "the answer is not a list of orders")
            shipments = [{**s, "id": str(s["id"]), "order_id": order["id"], "order_number": order.get("order_number"),
                          "order_reference_id": order.get("reference_id")}
                         for order in orders for s in order.get("shipments") or [] if isinstance(s, dict) and s.get("id")]
            fresh = unseen(shipments, seen)
            if len(shipments) > len(fresh):
                self.duplicates_skipped["shipments"] += len(shipments) - len(fresh)
                log.warning("shipbob orders: %d shipment(s) already seen skipped", len(shipments) - len(fresh))
            yield from fresh
            link = response.headers.get("next-page")
            if link and self._same_host("shipments", link) == response.url:
                raise ConnectorAPIError(VENDOR, "shipments", response.status_code, "next-page repeats the page just read")
            url, params = (self._same_host("shipments", link), None) if link else (None, None)

    # transport ---------------------------------------------------------------------------------
    def _same_host(self, resource: str, link: str) -> str:
        """A next-page link (relative, or absolute on the API host) as a URL; the token goes nowhere else."""
        if link.startswith("/"):
            return f"{self.base_url}{link if link.startswith(f'/{self.api_version}/') else f'/{self.api_version}{link}'}"
        if urlsplit(link).netloc != urlsplit(self.base_url).netloc:
            raise ConnectorAPIError(VENDOR, resource, 200, f"next page link points off the API host: {redact_url(link)}")
        return link

    def _get(self, resource: str, url: str, params: dict[str, Any] | None) -> Any:
        response = self._send(resource, url, params)
        return read_json(VENDOR, resource, response, _message(response))

    def _send(self, resource: str, url: str, params: dict[str, Any] | None) -> requests.Response:
        response = self.session.get(url, params=params, headers={"Authorization": f"Bearer {self._token}",
                                                                 "Accept": "application/json"})
        refuse_auth(VENDOR, resource, response, ENV_TOKEN)
        remaining = response.headers.get("x-remaining-calls") or response.headers.get("X-RateLimit-Remaining")
        if remaining and remaining.isdigit():
            self.remaining_calls = int(remaining)
            log.debug("shipbob: %s call(s) left in the rate-limit window", remaining)
        return response


def _message(response: requests.Response) -> str:
    """ShipBob's error text ({"message": ...} or a validation problem's "title"), when the body holds one."""
    if response.ok:
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message") or body.get("title") or "") if isinstance(body, dict) else ""


def client_from_env(environ: dict[str, str] | None = None, *, call_log=None, budget=None) -> ShipBobClient:
    """A client from IH_SHIPBOB_TOKEN (required), IH_SHIPBOB_BASE_URL and IH_SHIPBOB_API_VERSION, on the
    shared session (call log, request budget)."""
    settings = env_settings(VENDOR, [ENV_TOKEN], {ENV_BASE_URL: DEFAULT_BASE_URL, ENV_API_VERSION: API_VERSION},
                            environ)
    return ShipBobClient(settings[ENV_TOKEN], base_url=settings[ENV_BASE_URL], api_version=settings[ENV_API_VERSION],
                         session=build_session(system="shipbob", call_log=call_log, budget=budget))
