"""Shopify GraphQL Admin client: connections paged with first/after, flattened to export layouts.

Every call is `POST {shop_url}/admin/api/{version}/graphql.json` with `X-Shopify-Access-Token`
(registered as a secret). Connections are paged with `first: N` (at most 250) and
`after: <pageInfo.endCursor>` while `pageInfo.hasNextPage`. Incremental runs pass
`query: "updated_at:>='<ISO>'"`, inclusive like the other connectors: objects the cursor's own
second holds come back and are dropped by id within an extraction; the new cursor is the
largest `updatedAt` seen. Connections sort by UPDATED_AT, except productVariants, whose sort
keys have no UPDATED_AT: it sorts by ID, which pages the same filtered set just as completely.

Order lines and refunds are read through `orders` (they have no top-level connection), so
their cursor is their order's updatedAt; an order edited or refunded is read again whole. Each
orders page asks for the first ORDER_LINES_PER_ORDER line items of each order; an order with
more is followed up with `order(id:) { lineItems(after:) }` queries until its lines are all in.
Nesting the whole line list in the orders query would make its requested cost (which Shopify
computes from `first` times the nested `first`) exceed the 1,000-point single-query cap.

Throttling is by query cost: each answer's `extensions.cost` gives `requestedQueryCost` and
`throttleStatus {maximumAvailable, currentlyAvailable, restoreRate}`. Before a query whose last
requested cost exceeds what the bucket holds by now, the client sleeps until it has refilled;
a THROTTLED answer (status 200 or 429) is retried after the refill it asks for, up to
`max_attempts`. GraphQL queries are reads, so a 429 or 5xx without a GraphQL answer is retried
here too, honouring Retry-After: the shared session never resends a POST by itself.

Money arrives as decimal strings in `xxxSet { shopMoney { amount currencyCode } }` and stays
that text (other numbers are parsed as Decimal, never float).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import requests

from integration_hub.connectors.http import build_session, redact_url
from integration_hub.connectors.paging import unseen
from integration_hub.security.redact import redact_registered, register_secret

API_VERSION = "2025-01"
MAX_PAGE_SIZE = 250
ORDER_LINES_PER_ORDER = 25
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT_SECONDS = 60.0   # one throttle wait at most: a bucket that refills slower is reported, not waited out

_MONEY = "shopMoney { amount currencyCode }"
_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_LINE_FIELDS = (f"id sku name quantity variant {{ id }} originalUnitPriceSet {{ {_MONEY} }} "
                f"discountedTotalSet {{ {_MONEY} }}")


@dataclass(frozen=True)
class _Resource:
    connection: str            # the connection queried
    sort_key: str
    selection: str             # fields of each node
    page_size: int             # nodes per page, kept so the requested cost stays under the 1,000-point cap


RESOURCES: dict[str, _Resource] = {
    "customers": _Resource("customers", "UPDATED_AT", (
        "id firstName lastName email phone createdAt updatedAt "
        "defaultAddress { company address1 address2 city provinceCode countryCodeV2 zip }"), MAX_PAGE_SIZE),
    "orders": _Resource("orders", "UPDATED_AT", (
        "id name email customer { id } createdAt updatedAt processedAt cancelledAt displayFinancialStatus "
        f"subtotalPriceSet {{ {_MONEY} }} totalTaxSet {{ {_MONEY} }} totalPriceSet {{ {_MONEY} }} "
        f"totalRefundedSet {{ {_MONEY} }} customAttributes {{ key value }}"), 50),
    "order_lines": _Resource("orders", "UPDATED_AT", (
        f"id updatedAt lineItems(first: {ORDER_LINES_PER_ORDER}) {{ nodes {{ {_LINE_FIELDS} }} {_PAGE_INFO} }}"), 5),
    "refunds": _Resource("orders", "UPDATED_AT", (
        f"id updatedAt refunds {{ id createdAt note totalRefundedSet {{ {_MONEY} }} }}"), 50),
    "variants": _Resource("productVariants", "ID", (
        "id title sku barcode price createdAt updatedAt product { id title }"), MAX_PAGE_SIZE),
}

# Export column -> path of its value in the (prepared) node, in the column order of shopify/<resource>.csv.
EXPORT_COLUMNS: dict[str, dict[str, str]] = {
    "customers": {
        "id": "id", "firstName": "firstName", "lastName": "lastName", "email": "email", "phone": "phone",
        "company": "defaultAddress.company", "address1": "defaultAddress.address1",
        "address2": "defaultAddress.address2", "city": "defaultAddress.city",
        "provinceCode": "defaultAddress.provinceCode", "countryCode": "defaultAddress.countryCodeV2",
        "zip": "defaultAddress.zip", "createdAt": "createdAt", "updatedAt": "updatedAt",
    },
    "orders": {
        "id": "id", "name": "name", "email": "email", "customerId": "customer.id", "createdAt": "createdAt",
        "updatedAt": "updatedAt", "processedAt": "processedAt", "cancelledAt": "cancelledAt",
        "currencyCode": "totalPriceSet.shopMoney.currencyCode", "subtotal": "subtotalPriceSet.shopMoney.amount",
        "totalTax": "totalTaxSet.shopMoney.amount", "total": "totalPriceSet.shopMoney.amount",
        "totalRefunded": "totalRefundedSet.shopMoney.amount", "displayFinancialStatus": "displayFinancialStatus",
        "invoiceNumber": "invoiceNumber",
    },
    "order_lines": {
        "id": "id", "orderId": "orderId", "sku": "sku", "name": "name", "quantity": "quantity",
        "originalUnitPrice": "originalUnitPriceSet.shopMoney.amount",
        "discountedTotal": "discountedTotalSet.shopMoney.amount",
        "currencyCode": "originalUnitPriceSet.shopMoney.currencyCode", "variantId": "variant.id",
    },
    "refunds": {
        "id": "id", "orderId": "orderId", "createdAt": "createdAt", "amount": "totalRefundedSet.shopMoney.amount",
        "currencyCode": "totalRefundedSet.shopMoney.currencyCode", "note": "note",
    },
    "variants": {
        "id": "id", "productId": "product.id", "productTitle": "product.title", "title": "title", "sku": "sku",
        "barcode": "barcode", "price": "price", "currencyCode": "currencyCode", "createdAt": "createdAt",
        "updatedAt": "updatedAt",
    },
}
INVOICE_ATTRIBUTE = "invoice_number"

log = logging.getLogger(__name__)


def connection_query(resource: str) -> str:
    spec = RESOURCES[_checked(resource)]
    return (f"query {resource.title().replace('_', '')}($first: Int!, $after: String, $query: String) {{ "
            f"{spec.connection}(first: $first, after: $after, query: $query, sortKey: {spec.sort_key}) {{ "
            f"nodes {{ {spec.selection} }} {_PAGE_INFO} }} }}")


MORE_LINES_QUERY = (f"query OrderLines($id: ID!, $first: Int!, $after: String) {{ order(id: $id) {{ "
                    f"lineItems(first: $first, after: $after) {{ nodes {{ {_LINE_FIELDS} }} {_PAGE_INFO} }} }} }}")
SHOP_QUERY = "query Shop { shop { currencyCode } }"


class ShopifyError(Exception):
    """Any failure of a Shopify call; the text never holds the access token."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_registered(message))


class ShopifyAPIError(ShopifyError):
    """A GraphQL error (MAX_COST_EXCEEDED, a bad query ...) or an unusable answer, naming the resource."""

    def __init__(self, resource: str, status: int, code: str | None, message: str) -> None:
        self.resource, self.status, self.code = resource, status, code
        super().__init__(f"Shopify {resource}: HTTP {status}{f' {code}' if code else ''}: {message}")


class ShopifyThrottledError(ShopifyAPIError):
    """Still THROTTLED (or 429/5xx) after every attempt."""


class ShopifyAuthError(ShopifyError):
    """401/403: the access token is invalid, revoked, or lacks the scope the query needs."""


def iso_z(epoch: int) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp())


def _dig(node: dict[str, Any], path: str) -> Any:
    value: Any = node
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _checked(resource: str) -> str:
    if resource not in RESOURCES:
        raise ValueError(f"unknown Shopify resource {resource!r}; expected one of {', '.join(RESOURCES)}")
    return resource


def flatten(resource: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Prepared nodes as an all-text frame with exactly the resource's export columns ("" for null)."""
    columns = EXPORT_COLUMNS[_checked(resource)]
    records = [{col: _text(_dig(row, path)) for col, path in columns.items()} for row in rows]
    return pd.DataFrame(records, columns=list(columns), dtype=str)


def invoice_number(order: dict[str, Any]) -> str | None:
    attributes = order.get("customAttributes") or []
    return next((a.get("value") for a in attributes if isinstance(a, dict) and a.get("key") == INVOICE_ATTRIBUTE), None)


class ShopifyClient:
    """Read-only client for the resources in RESOURCES.

    `sleep` and `clock` (time.sleep, time.monotonic) are what throttle waits use; tests pass their own.
    """

    def __init__(self, shop_url: str, access_token: str, *, api_version: str = API_VERSION,
                 session: requests.Session | None = None, max_attempts: int = 8,
                 page_sizes: dict[str, int] | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        register_secret(access_token)
        self.shop_url = shop_url.rstrip("/")
        self.api_version = api_version
        self.endpoint = f"{self.shop_url}/admin/api/{api_version}/graphql.json"
        self.session = session or build_session(system="shopify")
        self.max_attempts = max_attempts
        self.page_sizes = {name: spec.page_size for name, spec in RESOURCES.items()} | (page_sizes or {})
        if not all(1 <= size <= MAX_PAGE_SIZE for size in self.page_sizes.values()):
            raise ValueError(f"page sizes must be within 1-{MAX_PAGE_SIZE}: {self.page_sizes}")
        self._token = access_token
        self._sleep, self._clock = sleep, clock
        self._costs: dict[str, float] = {}           # query text -> requestedQueryCost last reported
        self._bucket: tuple[float, float, float, float] | None = None   # maximum, available, rate, observed at
        self._shop_currency: str | None = None
        self.throttle_waits: list[float] = []         # seconds slept for the cost bucket, this client
        self.duplicates_skipped: dict[str, int] = {}  # resource -> repeated objects dropped, last extraction

    def __repr__(self) -> str:
        return f"ShopifyClient(shop_url={self.shop_url!r}, api_version={self.api_version!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is read from (what lineage names as a record's origin)."""
        return f"{redact_url(self.endpoint)}#{RESOURCES[_checked(resource)].connection}"

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Objects updated at or after `cursor`, flattened, and the cursor to resume from (max updatedAt)."""
        rows: list[dict[str, Any]] = []
        stamps: list[int] = [] if cursor is None else [cursor]
        for node in self.iter_nodes(resource, cursor):
            if node.get("updatedAt"):
                stamps.append(epoch(node["updatedAt"]))
            rows += self._rows(resource, node)
        return flatten(resource, rows), max(stamps, default=None)

    def iter_nodes(self, resource: str, since: int | None = None) -> Iterator[dict[str, Any]]:
        """Each node of the resource's connection updated at or after `since` (all when None), once."""
        spec = RESOURCES[_checked(resource)]
        query = connection_query(resource)
        variables: dict[str, Any] = {"first": self.page_sizes[resource], "after": None,
                                     "query": None if since is None else f"updated_at:>='{iso_z(since)}'"}
        seen: set[str] = set()
        self.duplicates_skipped[resource] = 0
        while True:
            nodes, page_info = self._connection(resource, self._graphql(resource, query, variables), spec.connection)
            fresh = unseen(nodes, seen)
            if len(nodes) > len(fresh):
                self.duplicates_skipped[resource] += len(nodes) - len(fresh)
                log.warning("shopify %s: %d object(s) already seen skipped (after=%s)", spec.connection,
                            len(nodes) - len(fresh), variables["after"])
            yield from fresh
            if not page_info.get("hasNextPage"):
                return
            end = page_info.get("endCursor")
            if not end or end == variables["after"]:
                raise ShopifyAPIError(resource, 200, None, f"{spec.connection}: pagination does not advance "
                                      f"(hasNextPage with endCursor {end!r})")
            variables["after"] = end

    # rows per resource -------------------------------------------------------------------------
    def _rows(self, resource: str, node: dict[str, Any]) -> list[dict[str, Any]]:
        if resource == "orders":
            return [{**node, "invoiceNumber": invoice_number(node)}]
        if resource == "order_lines":
            return [{**line, "orderId": node["id"]} for line in self._order_lines(node)]
        if resource == "refunds":
            return [{**refund, "orderId": node["id"]} for refund in node.get("refunds") or []]
        if resource == "variants":
            return [{**node, "currencyCode": self.shop_currency()}]
        return [node]

    def _order_lines(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        lines, page_info = self._connection("order_lines", order, "lineItems")
        while page_info.get("hasNextPage"):
            variables = {"id": order["id"], "first": MAX_PAGE_SIZE, "after": page_info.get("endCursor")}
            data = self._graphql("order_lines", MORE_LINES_QUERY, variables)
            if not isinstance(data.get("order"), dict):
                raise ShopifyAPIError("order_lines", 200, None,
                                      f"order {order['id']} vanished while its lines were read")
            more, next_info = self._connection("order_lines", data["order"], "lineItems")
            if not more or next_info.get("endCursor") == variables["after"]:
                raise ShopifyAPIError("order_lines", 200, None,
                                      f"lineItems of {order['id']}: pagination does not advance")
            lines, page_info = lines + more, next_info
        return lines

    def shop_currency(self) -> str:
        """The shop's currency (variant prices are in it), asked once per client."""
        if self._shop_currency is None:
            shop = self._graphql("variants", SHOP_QUERY, {}).get("shop")
            if not isinstance(shop, dict) or not shop.get("currencyCode"):
                raise ShopifyAPIError("variants", 200, None, "shop { currencyCode } is missing from the answer")
            self._shop_currency = shop["currencyCode"]
        return self._shop_currency

    @staticmethod
    def _connection(resource: str, parent: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        connection = parent.get(name)
        nodes = connection.get("nodes") if isinstance(connection, dict) else None
        page_info = connection.get("pageInfo") if isinstance(connection, dict) else None
        if not isinstance(nodes, list) or not isinstance(page_info, dict):
            raise ShopifyAPIError(resource, 200, None, f"{name} is not a connection with nodes and pageInfo")
        if not all(isinstance(n, dict) and n.get("id") for n in nodes):
            raise ShopifyAPIError(resource, 200, None, f"a {name} node has no id")
        return nodes, page_info

    # transport ---------------------------------------------------------------------------------
    def _graphql(self, resource: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        last_status, last = 0, ""
        for attempt in range(self.max_attempts):
            if attempt == 0:   # a retry has just waited for what its failure asked
                self._wait_for(self._costs.get(query, 0.0))
            response = self.session.post(self.endpoint, json={"query": query, "variables": variables},
                                         headers={"X-Shopify-Access-Token": self._token, "Accept": "application/json"})
            if response.status_code in (401, 403):
                raise ShopifyAuthError(f"Shopify {resource}: the access token was refused (HTTP "
                                       f"{response.status_code}: {_error_text(response)}); check SHOPIFY_ACCESS_TOKEN "
                                       f"and the app's access scopes")
            try:
                payload = response.json(parse_float=Decimal)
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                self._note_cost(query, payload)
            errors = payload.get("errors") if isinstance(payload, dict) else None
            last_status = response.status_code
            if _code(errors) == "THROTTLED":
                last = "THROTTLED"
                self._sleep_for(self._refill_wait(query), f"{resource} THROTTLED")
                continue
            if response.status_code in TRANSIENT_STATUSES:
                last = f"failing (HTTP {response.status_code})"
                self._sleep_for(_retry_after(response, attempt), f"{resource} HTTP {response.status_code}")
                continue
            if payload is None:
                raise ShopifyAPIError(resource, response.status_code, None, "malformed JSON in the answer")
            if errors or not response.ok:
                raise ShopifyAPIError(resource, response.status_code, _code(errors),
                                      _messages(errors) or response.reason)
            if not isinstance(payload.get("data"), dict):
                raise ShopifyAPIError(resource, response.status_code, None, "the answer holds no data")
            return payload["data"]
        raise ShopifyThrottledError(resource, last_status, "THROTTLED" if last == "THROTTLED" else None,
                                    f"still {last} after {self.max_attempts} attempts; the sync stops and "
                                    f"resumes from its cursor on the next run")

    def _note_cost(self, query: str, payload: dict[str, Any]) -> None:
        cost = (payload.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        if cost.get("requestedQueryCost") is not None:
            self._costs[query] = float(cost["requestedQueryCost"])
        try:
            self._bucket = (float(status["maximumAvailable"]), float(status["currentlyAvailable"]),
                            float(status["restoreRate"]), self._clock())
        except (KeyError, TypeError, ValueError):
            return

    def _available(self) -> float | None:
        if self._bucket is None:
            return None
        maximum, available, rate, at = self._bucket
        return min(maximum, available + rate * (self._clock() - at))

    def _wait_for(self, cost: float) -> None:
        """Sleep until the bucket holds `cost` (the query's last requested cost), as far as we know it."""
        available = self._available()
        if available is None or cost <= available:
            return
        maximum, _, rate, _ = self._bucket
        wait = (min(cost, maximum) - available) / rate if rate > 0 else MAX_WAIT_SECONDS
        self._sleep_for(wait, f"cost {cost:g} > {available:.0f} available")

    def _refill_wait(self, query: str) -> float:
        """How long until the bucket holds what a THROTTLED query asked for (1 s when the answer did not say)."""
        available = self._available()
        if available is None or self._bucket[2] <= 0:
            return 1.0
        needed = self._costs.get(query, self._bucket[0])
        return max((needed - available) / self._bucket[2], 0.05)

    def _sleep_for(self, seconds: float, why: str) -> None:
        seconds = min(max(seconds, 0.0), MAX_WAIT_SECONDS)
        log.info("shopify: waiting %.2f s (%s)", seconds, why)
        self.throttle_waits.append(seconds)
        self._sleep(seconds)


def _code(errors: Any) -> str | None:
    if isinstance(errors, list):
        for error in errors:
            code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
            if code:
                return code
    return None


def _messages(errors: Any) -> str:
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        return "; ".join(str(e.get("message")) if isinstance(e, dict) else str(e) for e in errors)
    return ""


def _error_text(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.reason or "no readable error body"
    return (_messages(payload.get("errors")) if isinstance(payload, dict) else "") or response.reason


def _retry_after(response: requests.Response, attempt: int) -> float:
    """Retry-After in seconds when given (0 allowed), else exponential backoff from 0.5 s."""
    text = response.headers.get("Retry-After", "")
    try:
        return float(text)
    except ValueError:
        return 0.5 * 2 ** attempt
