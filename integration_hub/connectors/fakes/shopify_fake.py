"""A local Shopify store: the GraphQL Admin endpoint over in-memory nodes, in Shopify's shapes.

`POST /admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`; a wrong or missing token
gets 401 {"errors": "[API] Invalid API key or access token ..."}. The fake reads the query text
well enough to serve what ShopifyClient asks: the connection (customers, orders, productVariants),
`order(id:)` with its lineItems, and `shop { currencyCode }`; `first`/`after`/`query` come from the
variables, the nested `lineItems(first: N)` from the query text. Connections answer {nodes,
pageInfo {hasNextPage endCursor}} with opaque cursors; `query: "updated_at:>='<ISO>'"` filters and
`sortKey: UPDATED_AT` sorts by updatedAt then id (ID by id).

Cost: a query's requested cost is 2 + first x (1 + 2 + nested first) for a connection with
nested line items, 2 + 2 x first otherwise, 1 for `shop`; the actual cost counts the nodes
served. A leaky bucket (`maximum`, `restore_rate` points a second, real time) pays for it:
a requested cost over `max_cost` is MAX_COST_EXCEEDED, over what the bucket holds THROTTLED (with
status `throttle_status`, 200 as documented or 429); otherwise the actual cost is taken. Every
answer carries extensions.cost {requestedQueryCost, actualQueryCost, throttleStatus}.
"""
from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply

_PATH = re.compile(r"^/admin/api/(?P<version>\d{4}-\d\d|unstable)/graphql\.json$")
_UPDATED_SINCE = re.compile(r"updated_at:>=\s*'?(?P<stamp>[0-9T:\-.Z+]+)'?")
_NESTED_FIRST = re.compile(r"lineItems\(first:\s*(\d+)")
_SORT_KEY = re.compile(r"sortKey:\s*(\w+)")
_CONNECTIONS = {"customers": "customers", "orders": "orders", "productVariants": "variants"}


def _cursor(node_id: str) -> str:
    return base64.b64encode(f"cursor:{node_id}".encode()).decode()


def _page(nodes: list[dict[str, Any]], first: int, after: str | None) -> dict[str, Any] | None:
    """A connection page of `nodes` (sorted) after the cursor `after`; None for an unknown cursor."""
    start = 0
    if after:
        ids = [_cursor(n["id"]) for n in nodes]
        if after not in ids:
            return None
        start = ids.index(after) + 1
    chosen = nodes[start:start + first]
    return {"nodes": chosen, "pageInfo": {"hasNextPage": start + first < len(nodes),
                                          "endCursor": _cursor(chosen[-1]["id"]) if chosen else None}}


class ShopifyFake:
    """Context manager serving `nodes` ("customers", "orders", "variants" -> GraphQL-shaped nodes).

    Orders hold their `lineItems` and `refunds` as plain lists; the fake pages the line items.
    """

    def __init__(self, nodes: Mapping[str, Iterable[dict[str, Any]]], access_token: str = "shpat_fake_0000",
                 *, currency: str = "USD", maximum: float = 1000.0, restore_rate: float = 100.0,
                 max_cost: int = 1000, throttle_status: int = 200, faults: Iterable[Fault] = ()) -> None:
        self.access_token, self.currency = access_token, currency
        self.maximum, self.restore_rate, self.max_cost = maximum, restore_rate, max_cost
        self.throttle_status = throttle_status
        self.available = maximum
        self.throttled = 0                       # THROTTLED answers served
        self._restored_at = time.monotonic()
        self._nodes: dict[str, list[dict[str, Any]]] = {"customers": [], "orders": [], "variants": []}
        self._lock = threading.Lock()
        for kind, items in nodes.items():
            self.upsert(kind, *items)
        self._server = FakeServer(self._handle, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> ShopifyFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def upsert(self, kind: str, *items: dict[str, Any]) -> None:
        """Add nodes, or replace those with the same id (an edit in the store)."""
        with self._lock:
            current = {n["id"]: n for n in self._nodes[kind]}
            current.update({item["id"]: item for item in items})
            self._nodes[kind] = list(current.values())

    def drain(self, available: float = 0.0) -> None:
        """Empty the bucket down to `available` points (another app call spent them)."""
        with self._lock:
            self._restore()
            self.available = available

    def queries(self) -> list[str]:
        return [r.json()["query"] for r in self.requests if r.body]

    # handling -----------------------------------------------------------------------------------
    def _restore(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self._restored_at) * self.restore_rate)
        self._restored_at = now

    def _cost(self, requested: float, actual: float | None) -> dict[str, Any]:
        return {"requestedQueryCost": requested, "actualQueryCost": actual,
                "throttleStatus": {"maximumAvailable": self.maximum, "currentlyAvailable": round(self.available, 1),
                                   "restoreRate": self.restore_rate}}

    def _handle(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or not _PATH.match(request.path):
            return Reply.json(404, {"errors": "Not Found"})
        if request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return Reply.json(401, {"errors": "[API] Invalid API key or access token (unrecognized login or "
                                              "wrong password)"})
        try:
            body = request.json()
            query, variables = body["query"], body.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return Reply.json(400, {"errors": {"query": "Required parameter missing or invalid"}})
        literal = _NESTED_FIRST.search(query)
        nested = int(literal.group(1)) if literal else 0
        first = int(variables.get("first") or 0)
        if "shop {" in query:
            requested = 1
        else:
            requested = 2 + first * ((3 + nested) if nested else 2)
        if requested > self.max_cost:
            return Reply.json(200, {"errors": [{
                "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                           f"({self.max_cost}).", "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested,
                                                                 "maxCost": self.max_cost}}]})
        if first > 250:
            return Reply.json(200, {"errors": [{"message": "The first argument must be between 0 and 250",
                                                "extensions": {"code": "BAD_REQUEST"}}]})
        with self._lock:
            self._restore()
            if requested > self.available:
                self.throttled += 1
                return Reply.json(self.throttle_status, {
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": {"cost": self._cost(requested, None)}})
        data, served = self._data(query, variables, first)
        if data is None:
            return Reply.json(200, {"errors": [{"message": "Invalid cursor for current pagination sort.",
                                                "extensions": {"code": "BAD_REQUEST"}}]})
        actual = 1 if requested == 1 else 2 + served * ((3 + nested) if nested else 2)
        with self._lock:
            self.available -= min(actual, requested)
            cost = self._cost(requested, actual)
        return Reply.json(200, {"data": data, "extensions": {"cost": cost}})

    def _data(self, query: str, variables: dict[str, Any], first: int) -> tuple[dict[str, Any] | None, int]:
        if "shop {" in query:
            return {"shop": {"currencyCode": self.currency}}, 0
        if "order(id:" in query:
            with self._lock:
                order = next((o for o in self._nodes["orders"] if o["id"] == variables.get("id")), None)
            if order is None:
                return {"order": None}, 0
            lines = _page(order.get("lineItems", []), first, variables.get("after"))
            return (None, 0) if lines is None else ({"order": {"lineItems": lines}}, len(lines["nodes"]))
        name = next((c for c in _CONNECTIONS if re.search(rf"\b{c}\(", query)), None)
        if name is None:
            return None, 0
        with self._lock:
            nodes = list(self._nodes[_CONNECTIONS[name]])
        since = _UPDATED_SINCE.search(variables.get("query") or "")
        if since:
            floor = datetime.fromisoformat(since.group("stamp"))
            nodes = [n for n in nodes if datetime.fromisoformat(n["updatedAt"]) >= floor]
        sort = _SORT_KEY.search(query)
        by_updated = sort is not None and sort.group(1) == "UPDATED_AT"
        nodes.sort(key=lambda n: (datetime.fromisoformat(n["updatedAt"]), n["id"]) if by_updated else n["id"])
        page = _page(nodes, first, variables.get("after"))
        if page is None:
            return None, 0
        if name == "orders":
            page["nodes"] = [self._order_view(o, query) for o in page["nodes"]]
        return {name: page}, len(page["nodes"])

    @staticmethod
    def _order_view(order: dict[str, Any], query: str) -> dict[str, Any]:
        view = {k: v for k, v in order.items() if k not in ("lineItems", "refunds")}
        nested = _NESTED_FIRST.search(query)
        if nested:
            view["lineItems"] = _page(order.get("lineItems", []), int(nested.group(1)), None)
        if "refunds {" in query:
            view["refunds"] = order.get("refunds", [])
        return view
