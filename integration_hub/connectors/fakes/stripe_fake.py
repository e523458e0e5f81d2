"""A local Stripe: the v1 list endpoints over in-memory objects, with Stripe's documented shapes.

Lists are newest first (created, then id, descending), paginated with `limit` and
`starting_after`, filtered with `created[gt|gte|lt|lte]`. Auth is Bearer (or Basic with the
key as user name); a wrong key gets 401 in Stripe's error shape. Faults (429 with
Retry-After, 5xx, slow, reset or cut answers, malformed JSON, a repeated object via
`repeat_from_previous_page`) are scheduled per request through `faults` (see server.Fault).
"""
from __future__ import annotations

import base64
import ssl
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply
from integration_hub.connectors.stripe import EXPORT_COLUMNS, MAX_PAGE_SIZE, TIMESTAMP_FORMAT

_OBJECT_NAMES = {
    "customers": "customer", "charges": "charge", "refunds": "refund",
    "payouts": "payout", "balance_transactions": "balance_transaction",
}
_CREATED_FILTERS = {
    "created[gte]": lambda c, v: c >= v, "created[gt]": lambda c, v: c > v,
    "created[lte]": lambda c, v: c <= v, "created[lt]": lambda c, v: c < v,
}


def _error(status: int, message: str, *, code: str | None = None, param: str | None = None) -> Reply:
    error = {"type": "invalid_request_error", "message": message}
    error.update({k: v for k, v in (("code", code), ("param", param)) if v})
    return Reply.json(status, {"error": error})


class StripeFake:
    """Context manager serving `objects` (resource name -> Stripe objects) on 127.0.0.1.

    `base_url` goes to StripeClient; `requests` lists what was asked (path, query, headers).
    `tls` is an optional server-side ssl.SSLContext for HTTPS.
    """

    def __init__(
        self,
        objects: Mapping[str, Iterable[dict[str, Any]]],
        api_key: str = "sk_test_fake_4242",
        *,
        faults: Iterable[Fault] = (),
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.api_key = api_key
        self._objects: dict[str, list[dict[str, Any]]] = {name: [] for name in _OBJECT_NAMES}
        self._lock = threading.Lock()
        for resource, items in objects.items():
            self.add(resource, *items)
        self._server = FakeServer(self._handle, tls=tls, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> StripeFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def add(self, resource: str, *items: dict[str, Any]) -> None:
        """Add objects (as if created in Stripe meanwhile); they take their place in newest-first order."""
        if resource not in self._objects:
            raise ValueError(f"StripeFake does not serve {resource!r}")
        with self._lock:
            listed = self._objects[resource] + [{"object": _OBJECT_NAMES[resource], **item} for item in items]
            self._objects[resource] = sorted(listed, key=lambda o: (o["created"], o["id"]), reverse=True)

    def _authorized(self, header: str | None) -> bool:
        scheme, _, credential = (header or "").partition(" ")
        if scheme == "Bearer":
            return credential == self.api_key
        if scheme == "Basic":
            user = base64.b64decode(credential).decode(errors="replace").partition(":")[0]
            return user == self.api_key
        return False

    def _handle(self, request: RecordedRequest) -> Reply:
        header = request.headers.get("Authorization")
        if not header:
            return _error(401, "You did not provide an API key. Use Bearer auth (Authorization: Bearer <key>).")
        if not self._authorized(header):
            given = header.split(" ")[-1]
            return _error(401, f"Invalid API Key provided: {given[:8]}****{given[-4:]}", code="api_key_invalid")
        resource = request.path.removeprefix("/v1/")
        if request.method != "GET" or resource not in self._objects:
            return _error(404, f"Unrecognized request URL ({request.method}: {request.path}).")
        return self._list(resource, request)

    def _list(self, resource: str, request: RecordedRequest) -> Reply:
        limit_text = request.param("limit") or "10"
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_PAGE_SIZE:
            return _error(400, f"Invalid integer: {limit_text}", code="parameter_invalid_integer", param="limit")
        with self._lock:
            items = list(self._objects[resource])
        for name, keep in _CREATED_FILTERS.items():
            value = request.param(name)
            if value is not None:
                if not value.lstrip("-").isdigit():
                    return _error(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=name)
                items = [o for o in items if keep(o["created"], int(value))]
        start = 0
        after = request.param("starting_after")
        if after is not None:
            ids = [o["id"] for o in items]
            if after not in ids:
                return _error(400, f"No such object: '{after}'", code="resource_missing", param="starting_after")
            start = ids.index(after) + 1
        end = start + int(limit_text)
        page = {"object": "list", "data": items[start:end], "has_more": end < len(items), "url": request.path}
        return Reply.json(200, page)


def repeat_from_previous_page(count: int = 1):
    """A Fault `rewrite` that puts the last `count` objects of the previous page at the head of this
    one: the page repeats objects already listed, as a list that shifted under pagination would."""
    def rewrite(page: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        repeated = (previous or {}).get("data", [])[-count:]
        return {**page, "data": [*repeated, *page["data"]]}
    return rewrite


def objects_from_export(resource: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Stripe API objects for rows shaped like stripe/<resource>.csv (the inverse of stripe.flatten).

    For serving a generated sample company through the fake. Values must be clean: integer
    amounts and "YYYY-MM-DD HH:MM:SS" or epoch timestamps; anything else raises ValueError
    naming the row and column.
    """
    columns = EXPORT_COLUMNS[resource]
    objects = []
    for position, row in enumerate(frame.to_dict("records"), start=1):
        obj: dict[str, Any] = {}
        for column, (path, kind) in columns.items():
            value = row.get(column)
            try:
                parsed = _parse(value, kind)
            except ValueError as error:
                raise ValueError(f"{resource} row {position} ({row.get('id')}): column {column}: {error}") from None
            *parents, leaf = path.split(".")
            target = obj
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = parsed
        objects.append(obj)
    return objects


def _parse(value: Any, kind: str) -> Any:
    if value is None or pd.isna(value) or str(value).strip() == "":
        return None
    text = str(value).strip()
    if kind == "int":
        return int(text)
    if kind == "ts":
        if text.isdigit():
            return int(text)
        return int(datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC).timestamp())
    return text
