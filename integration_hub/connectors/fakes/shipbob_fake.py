"""A local ShipBob account: inventory levels by fulfillment center and orders with shipments, in ShipBob's shapes.

- `Authorization: Bearer <token>`; anything else, or a token revoked with `revoke_token()`, is
  401 {"statusCode": 401, "message": "Unauthorized"}.
- `GET /<version>/inventory-level/locations?PageSize=N` answers {first, items, next, prev, last}
  with `next` the path of the following page ("" on the last one).
- `GET /<version>/order?Page=&Limit=&SortOrder=Oldest|Newest&LastUpdateStartDate=<ISO>` answers a
  JSON array of orders (those with a shipment updated later than the date), with the
  `next-page` header (the next page's path) while more follow, and page-number / total-pages /
  total-count headers.
- Rate limit: `limit` calls per `window` seconds, sliding (ShipBob: 150 a minute). Over it, 429
  {"statusCode": 429, "message": "Rate limit is exceeded. Try again in N seconds."} with
  `x-retry-after: N` and `x-remaining-calls: 0`; every answer carries `x-remaining-calls`.
  5xx, resets and malformed bodies come from `faults`.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from integration_hub.connectors.fakes.rate_window import SlidingWindow
from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply


def _stamp(value: str) -> datetime:
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class ShipBobFake:
    """Context manager serving `inventory` (items with their `locations`) and `orders` (with `shipments`)."""

    def __init__(self, inventory: Iterable[dict[str, Any]] = (), orders: Iterable[dict[str, Any]] = (), *,
                 token: str = "shipbob-pat-fake-0001", api_version: str = "2026-01", limit: int = 150,
                 window: float = 60.0, faults: Iterable[Fault] = ()) -> None:
        self.token, self.api_version = token, api_version
        self.rate = SlidingWindow(limit, window)
        self._inventory = list(inventory)
        self._orders: dict[Any, dict[str, Any]] = {}
        self._revoked = False
        self._lock = threading.Lock()
        self.upsert_orders(*orders)
        self._server = FakeServer(self._handle, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> ShipBobFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def upsert_orders(self, *orders: dict[str, Any]) -> None:
        """Add orders, or replace those with the same id (a shipment changed in the warehouse)."""
        with self._lock:
            self._orders.update({order["id"]: dict(order) for order in orders})

    def revoke_token(self) -> None:
        with self._lock:
            self._revoked = True

    # handlers -----------------------------------------------------------------------------------
    def _handle(self, request: RecordedRequest) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.token}" or self._revoked:
            return Reply.json(401, {"statusCode": 401, "message": "Unauthorized"})
        throttled = self._throttle()
        if throttled is not None:
            return throttled
        if request.method == "GET" and request.path == f"/{self.api_version}/inventory-level/locations":
            return self._inventory_page(request)
        if request.method == "GET" and request.path == f"/{self.api_version}/order":
            return self._orders_page(request)
        return Reply.json(404, {"statusCode": 404, "message": "Not Found"})

    @property
    def throttled(self) -> int:
        """429 answers served."""
        return self.rate.refused

    def _throttle(self) -> Reply | None:
        wait = self.rate.take()
        if wait is None:
            return None
        return Reply.json(429, {"statusCode": 429, "message": f"Rate limit is exceeded. Try again in {wait} seconds."},
                          {"x-retry-after": str(wait), "x-remaining-calls": "0"})

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"x-remaining-calls": str(self.rate.remaining()), **(extra or {})}

    def _inventory_page(self, request: RecordedRequest) -> Reply:
        size = int(request.param("PageSize") or 100)
        start = int(request.param("Cursor") or 0)
        items = self._inventory[start:start + size]
        following = start + size < len(self._inventory)
        link = f"/{self.api_version}/inventory-level/locations?{urlencode({'PageSize': size, 'Cursor': start + size})}"
        return Reply.json(200, {"first": "", "prev": "", "last": "", "items": items,
                                "next": link if following else ""}, self._headers())

    def _orders_page(self, request: RecordedRequest) -> Reply:
        page, limit = int(request.param("Page") or 1), int(request.param("Limit") or 50)
        if not 1 <= limit <= 250:
            return Reply.json(400, {"title": "One or more validation errors occurred.", "status": 400})
        since = request.param("LastUpdateStartDate")
        with self._lock:
            orders = sorted(self._orders.values(), key=lambda o: o["id"],
                            reverse=request.param("SortOrder") == "Newest")
        if since:
            orders = [o for o in orders if any(_stamp(s["last_update_at"]) > _stamp(since)
                                               for s in o.get("shipments") or [])]
        pages = max(1, math.ceil(len(orders) / limit))
        chosen = orders[(page - 1) * limit:page * limit]
        headers = {"page-number": str(page), "total-pages": str(pages), "total-count": str(len(orders))}
        if page < pages:
            query = {k: v[-1] for k, v in request.query.items()} | {"Page": page + 1}
            headers["next-page"] = f"/{self.api_version}/order?{urlencode(query)}"
        return Reply.json(200, chosen, self._headers(headers))
