"""A local Chargebee-shaped billing API: list endpoints over in-memory objects.

`GET /api/v2/<resource>?limit=N&offset=<opaque>&updated_at[after]=<epoch>` with HTTP Basic
auth (API key as user name) answers {"list": [{"<object>": {...}}], "next_offset": "..."},
errors as {message, type, api_error_code, http_status_code}. Faults as in StripeFake.
"""
from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from integration_hub.connectors.billing import (
    DATE_FORMAT,
    EXPORT_COLUMNS,
    MAX_PAGE_SIZE,
    OBJECT_NAMES,
    TIMESTAMP_FORMAT,
)
from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply
from integration_hub.standardize.currency import minor_exponent

# One API status per export status; STATUS_TO_EXPORT maps each back to where it came from.
_STATUS_FROM_EXPORT = {"paid": "paid", "void": "voided", "open": "payment_due"}


def _error(status: int, message: str, code: str, *, type_: str | None = None, param: str | None = None) -> Reply:
    body: dict[str, Any] = {"message": message, "api_error_code": code, "http_status_code": status}
    body.update({k: v for k, v in (("type", type_), ("param", param)) if v})
    return Reply.json(status, body)


class BillingFake:
    """Context manager serving `objects` (resource name -> API objects) on 127.0.0.1; see StripeFake."""

    def __init__(
        self,
        objects: Mapping[str, Iterable[dict[str, Any]]],
        api_key: str = "test_billing_key",
        *,
        faults: Iterable[Fault] = (),
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.api_key = api_key
        self.objects = {name: list(objects.get(name, ())) for name in OBJECT_NAMES}
        self._server = FakeServer(self._handle, tls=tls, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> BillingFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def _user(self, header: str | None) -> str | None:
        scheme, _, credential = (header or "").partition(" ")
        if scheme != "Basic":
            return None
        return base64.b64decode(credential).decode(errors="replace").partition(":")[0]

    def _handle(self, request: RecordedRequest) -> Reply:
        if self._user(request.headers.get("Authorization")) != self.api_key:
            return _error(401, "Sorry, authentication failed. Invalid api key", "api_authentication_failed")
        resource = request.path.removeprefix("/api/v2/")
        if request.method != "GET" or resource not in self.objects:
            return _error(404, "Sorry, we couldn't find that resource", "resource_not_found", type_="invalid_request")
        limit = request.param("limit") or "10"
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE_SIZE:
            message = f"limit : {limit} is invalid"
            return _error(400, message, "param_wrong_value", type_="invalid_request", param="limit")
        items = self.objects[resource]
        after = request.param("updated_at[after]")
        if after is not None:
            items = [o for o in items if int(o.get("updated_at") or 0) > int(after)]
        try:
            start = int(json.loads(request.param("offset") or '["0"]')[0])
        except (ValueError, TypeError, IndexError):
            return _error(400, "offset is invalid", "param_wrong_value", type_="invalid_request", param="offset")
        end = start + int(limit)
        page: dict[str, Any] = {"list": [{OBJECT_NAMES[resource]: o} for o in items[start:end]]}
        if end < len(items):
            page["next_offset"] = json.dumps([str(end)])
        return Reply.json(200, page)


def repeat_from_previous_page(count: int = 1):
    """A Fault `rewrite` that puts the last `count` entries of the previous page at the head of this
    one, as offset pagination does when objects are added ahead of the offset between two pages."""
    def rewrite(page: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        repeated = (previous or {}).get("list", [])[-count:]
        return {**page, "list": [*repeated, *page["list"]]}
    return rewrite


def objects_from_export(resource: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """API objects for rows shaped like billing/<resource>.csv (the inverse of billing.flatten).

    Values must be clean (plain decimals, formatted dates); anything else raises ValueError
    naming the row and column. `updated_at` is set from the creation or issue date.
    """
    columns = EXPORT_COLUMNS[resource]
    objects = []
    for position, row in enumerate(frame.to_dict("records"), start=1):
        obj: dict[str, Any] = {}
        currency = str(row.get("currency") or "").upper()
        for column, (paths, kind) in columns.items():
            try:
                value = _parse(row.get(column), kind, currency)
            except (ValueError, ArithmeticError) as error:
                raise ValueError(f"{resource} row {position}: column {column}: {error}") from None
            *parents, leaf = paths[0].split(".")
            target = obj
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = value
        obj["updated_at"] = obj.get("created_at") or obj.get("date")
        objects.append(obj)
    return objects


def _parse(value: Any, kind: str, currency: str) -> Any:
    if value is None or pd.isna(value) or str(value).strip() == "":
        return None
    text = str(value).strip()
    if kind in ("ts", "date"):
        moment = datetime.strptime(text, TIMESTAMP_FORMAT if kind == "ts" else DATE_FORMAT)
        return int(moment.replace(tzinfo=UTC).timestamp())
    if kind == "money":
        minor = Decimal(text).scaleb(minor_exponent(currency))
        if minor != minor.to_integral_value():
            raise ValueError(f"{text} has more decimals than {currency} allows")
        return int(minor)
    if kind == "status":
        return _STATUS_FROM_EXPORT.get(text, text)
    return text
