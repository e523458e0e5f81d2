"""A local Coupa instance: the OAuth token endpoint and the Core API list endpoints, in Coupa's JSON shapes.

- `POST /oauth2/token` (form, client_credentials) -> {access_token, token_type, expires_in}; a
  wrong client is 401 {"error": "invalid_client", "error_description": ...}.
- `GET /api/<suppliers|purchase_orders|receiving_transactions|invoices>` with `Authorization:
  Bearer` (401 for an unknown or expired token, see `expire_tokens()`), `limit` (capped at 50),
  `offset`, `updated_at[gt_or_eq]=<ISO>`, `order_by=id`, `dir=asc|desc` -> a JSON array of
  records with dashed element names. Without `Accept: application/json` the answer is XML.
- Rate limit: over `limit` calls per `window` seconds, 429 {"errors": ["Too many requests"]}.
  Other faults come from `faults`.

`supplier_record` and `purchase_order_record` build records in the documented shapes: a supplier
with its `tax-id`, `primary-address` and `remit-to-addresses` (each with its `bank-account-number`),
an order header with its `total-with-estimated-tax`.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from integration_hub.connectors.fakes.rate_window import SlidingWindow
from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply

ENDPOINTS = ("suppliers", "purchase_orders", "receiving_transactions", "invoices")


def supplier_record(n: int, updated_at: str, *, name: str | None = None, tax_id: str | None = None,
                    bank_account: str | None = None, **fields: Any) -> dict[str, Any]:
    """Supplier `n` as GET /api/suppliers returns it; `fields` add or replace elements."""
    remit_to = {"id": 5000 + n, "remit-to-code": f"R{n}", "name": f"Remit {n}", "street1": f"{n} Remit Way",
                "city": "Dayton", "state": "OH", "postal-code": "45402", "country": {"code": "US"}, "active": True,
                "bank-account-number": bank_account}
    return {"id": n, "name": name or f"Supplier {n}", "number": f"S-{n:04d}", "status": "active",
            "payment-term": {"code": "Net 30"}, "primary-contact": {"email": f"ap{n}@supplier.test"},
            "tax-id": tax_id,
            "primary-address": {"street1": f"{100 + n} Industrial Pkwy", "street2": None, "city": "Dayton",
                                "state": "OH", "postal-code": "45402", "country": {"code": "US", "name": "United States"}},
            "remit-to-addresses": [remit_to] if bank_account else [],
            "created-at": updated_at, "updated-at": updated_at, **fields}


def purchase_order_record(n: int, updated_at: str, *, supplier_id: int = 7, total: str = "71.04",
                          lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """Order header `n` as GET /api/purchase_orders returns it, its lines in `order-lines`."""
    return {"id": n, "po-number": f"PO{n}", "status": "issued", "version": 1, "currency": {"code": "EUR"},
            "supplier": {"id": supplier_id, "name": f"Supplier {supplier_id}"}, "total-with-estimated-tax": total,
            "created-at": updated_at, "updated-at": updated_at, "order-lines": lines or [], **fields}


def _stamp(value: str) -> datetime:
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class CoupaFake:
    """Context manager serving `records` (endpoint -> records with id and updated-at)."""

    def __init__(self, records: Mapping[str, Iterable[dict[str, Any]]] | None = None, *,
                 client_id: str = "coupa-fake-client", client_secret: str = "coupa-fake-secret-0001",
                 limit: int = 1000, window: float = 1.0, faults: Iterable[Fault] = ()) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.rate = SlidingWindow(limit, window)
        self.issued: list[str] = []
        self.grants: list[dict[str, str]] = []
        self._valid: set[str] = set()
        self._records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in ENDPOINTS}
        self._lock = threading.Lock()
        for endpoint, items in (records or {}).items():
            self.upsert(endpoint, *items)
        self._server = FakeServer(self._handle, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def api_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/api/")]

    def __enter__(self) -> CoupaFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def upsert(self, endpoint: str, *items: dict[str, Any]) -> None:
        with self._lock:
            self._records[endpoint].update({int(item["id"]): dict(item) for item in items})

    def expire_tokens(self) -> None:
        with self._lock:
            self._valid.clear()

    def _handle(self, request: RecordedRequest) -> Reply:
        if request.method == "POST" and request.path == "/oauth2/token":
            return self._token(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            authorized = scheme == "Bearer" and token in self._valid
        if not authorized:
            return Reply.json(401, {"errors": ["Unauthorized"]})
        if self.rate.take() is not None:
            return Reply.json(429, {"errors": ["Too many requests"]})
        endpoint = request.path.removeprefix("/api/")
        if request.method != "GET" or endpoint not in ENDPOINTS:
            return Reply.json(404, {"errors": ["Not found"]})
        if request.headers.get("Accept") != "application/json":
            return Reply(200, b"<?xml version='1.0'?><records/>", {"Content-Type": "application/xml"})
        return self._list(request, endpoint)

    def _token(self, request: RecordedRequest) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        self.grants.append(form)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Reply.json(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        if form.get("grant_type") != "client_credentials":
            return Reply.json(400, {"error": "unsupported_grant_type"})
        token = f"coupa-{uuid.uuid4().hex}"
        with self._lock:
            self.issued.append(token)
            self._valid.add(token)
        return Reply.json(200, {"access_token": token, "token_type": "bearer", "expires_in": 86399,
                                "scope": form.get("scope", "")})

    def _list(self, request: RecordedRequest, endpoint: str) -> Reply:
        limit = min(int(request.param("limit") or 50), 50)
        offset = int(request.param("offset") or 0)
        with self._lock:
            records = sorted(self._records[endpoint].values(), key=lambda r: int(r["id"]),
                             reverse=request.param("dir") == "desc")
        since = request.param("updated_at[gt_or_eq]")
        if since:
            records = [r for r in records if _stamp(r["updated-at"]) >= _stamp(since)]
        return Reply.json(200, records[offset:offset + limit])
