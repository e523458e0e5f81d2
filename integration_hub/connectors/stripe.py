"""Stripe REST client: list endpoints with cursor pagination, flattened to the export layout.

Stripe lists newest first, `limit` objects at a time (1-100); the next page is asked for
with `starting_after=<id of the last object>` while `has_more` is true. Incremental runs
filter on `created[gte]=<cursor>`: inclusive, so an object created in the same second as
the last one seen is never missed, at the price of the caller de-duplicating by id.

One extraction yields each object once: an object a later page repeats is dropped by id,
counted in `duplicates_skipped` and logged. A page that is not JSON, not a list, holds an
object without an id, or does not move the pagination forward is a StripeAPIError naming
the endpoint and status, never a hang or a raw decoder traceback.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import requests
from requests.auth import AuthBase

from integration_hub.connectors.http import build_session, redact_url
from integration_hub.connectors.paging import unseen
from integration_hub.security.redact import register_secret

RESOURCES = ("customers", "charges", "refunds", "payouts", "balance_transactions")
MAX_PAGE_SIZE = 100
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

# Export column -> (API field path, kind), in the column order of stripe/<resource>.csv.
# kind: "text" as given, "int" integer minor units, "ts" epoch seconds as TIMESTAMP_FORMAT UTC.
EXPORT_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "customers": {
        "id": ("id", "text"), "email": ("email", "text"), "name": ("name", "text"), "phone": ("phone", "text"),
        "description": ("description", "text"), "address_line1": ("address.line1", "text"),
        "address_line2": ("address.line2", "text"), "address_city": ("address.city", "text"),
        "address_state": ("address.state", "text"), "address_postal_code": ("address.postal_code", "text"),
        "address_country": ("address.country", "text"), "currency": ("currency", "text"), "created": ("created", "ts"),
    },
    "charges": {
        "id": ("id", "text"), "amount": ("amount", "int"), "amount_refunded": ("amount_refunded", "int"),
        "currency": ("currency", "text"), "customer_id": ("customer", "text"), "created": ("created", "ts"),
        "status": ("status", "text"), "description": ("description", "text"),
        "metadata_invoice_number": ("metadata.invoice_number", "text"),
        "balance_transaction_id": ("balance_transaction", "text"),
        "payment_method_type": ("payment_method_details.type", "text"),
    },
    "refunds": {
        "id": ("id", "text"), "charge_id": ("charge", "text"), "amount": ("amount", "int"),
        "currency": ("currency", "text"), "created": ("created", "ts"), "status": ("status", "text"),
        "reason": ("reason", "text"),
    },
    "payouts": {
        "id": ("id", "text"), "amount": ("amount", "int"), "currency": ("currency", "text"),
        "arrival_date": ("arrival_date", "ts"), "created": ("created", "ts"), "status": ("status", "text"),
        "description": ("description", "text"),
    },
    "balance_transactions": {
        "id": ("id", "text"), "amount": ("amount", "int"), "fee": ("fee", "int"), "net": ("net", "int"),
        "currency": ("currency", "text"), "type": ("type", "text"), "source_id": ("source", "text"),
        "created": ("created", "ts"), "available_on": ("available_on", "ts"),
    },
}

log = logging.getLogger(__name__)
_KEY_PATTERN = re.compile(r"\b[rsp]k_(?:test|live)_[A-Za-z0-9*]*")


class StripeAPIError(Exception):
    """An error answer from Stripe, in its documented {"error": {type, code, message, param}} shape."""

    def __init__(self, status: int, type_: str | None, code: str | None, message: str, param: str | None = None):
        self.status, self.type, self.code, self.param = status, type_, code, param
        self.message = _KEY_PATTERN.sub("[redacted key]", message)
        detail = f" {type_}/{code}" if code else (f" {type_}" if type_ else "")
        super().__init__(f"Stripe API {status}{detail}: {self.message}" + (f" (param {param})" if param else ""))


class _BearerAuth(AuthBase):
    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._api_key}"
        return request

    def __repr__(self) -> str:
        return "<Bearer auth>"


def _dig(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    # An expanded reference (?expand[]=customer) is an object; the export holds its id.
    return value.get("id") if isinstance(value, dict) else value


def _text(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "ts":
        return datetime.fromtimestamp(int(value), UTC).strftime(TIMESTAMP_FORMAT)
    return str(value)


def flatten(resource: str, objects: list[dict[str, Any]]) -> pd.DataFrame:
    """Stripe API objects as an all-text frame with exactly the columns of stripe/<resource>.csv.

    Text the way the export reader gives it (str values, "" for blank), so API and file
    extractions share one cleaning path.
    """
    columns = EXPORT_COLUMNS[_checked(resource)]
    rows = [{col: _text(_dig(obj, path), kind) for col, (path, kind) in columns.items()} for obj in objects]
    return pd.DataFrame(rows, columns=list(columns), dtype=str)


def _checked(resource: str) -> str:
    if resource not in EXPORT_COLUMNS:
        raise ValueError(f"unknown Stripe resource {resource!r}; expected one of {', '.join(RESOURCES)}")
    return resource


class StripeClient:
    """Read-only client for Stripe's list endpoints."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "https://api.stripe.com",
        session: requests.Session | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is outside Stripe's limit range 1-{MAX_PAGE_SIZE}")
        self._auth = _BearerAuth(api_key)
        register_secret(api_key)  # redacted from every log line and error text from now on
        self.base_url = base_url.rstrip("/")
        self.session = session or build_session(system="stripe")
        self.page_size = page_size
        self.duplicates_skipped: dict[str, int] = {}   # resource -> repeated objects dropped, last extraction

    def __repr__(self) -> str:
        return f"StripeClient(base_url={self.base_url!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is listed from (what lineage names as a record's origin)."""
        return redact_url(f"{self.base_url}/v1/{_checked(resource)}")

    def iter_objects(self, resource: str, created_gte: int | None = None) -> Iterator[dict[str, Any]]:
        """Every object of `resource` created at or after `created_gte` (all when None), page by page."""
        path = f"/v1/{_checked(resource)}"
        params: dict[str, Any] = {"limit": self.page_size}
        if created_gte is not None:
            params["created[gte]"] = int(created_gte)
        seen: set[str] = set()
        self.duplicates_skipped[resource] = 0
        while True:
            page = self._get_list(path, params)
            fresh = unseen(page["data"], seen)
            repeated = len(page["data"]) - len(fresh)
            if repeated:
                self.duplicates_skipped[resource] += repeated
                log.warning("stripe GET %s: %d object(s) already seen skipped (starting_after=%s)",
                            path, repeated, params.get("starting_after"))
            yield from fresh
            if not page.get("has_more") or not page["data"]:
                return
            last = page["data"][-1]["id"]
            if not fresh or last == params.get("starting_after"):
                raise StripeAPIError(200, None, None, f"GET {path}: pagination does not advance (has_more with "
                                     f"no new object after starting_after={params.get('starting_after')})")
            params["starting_after"] = last

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Objects created at or after `cursor`, flattened, and the cursor to resume from (max `created` seen)."""
        objects = list(self.iter_objects(resource, cursor))
        seen = [int(o["created"]) for o in objects if o.get("created") is not None]
        new_cursor = max([*seen, *([cursor] if cursor is not None else [])], default=None)
        return flatten(resource, objects), new_cursor

    def _get_list(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.session.get(f"{self.base_url}{path}", params=params, auth=self._auth)
        try:
            payload = response.json()
        except ValueError as error:
            if response.ok:
                raise StripeAPIError(response.status_code, None, None,
                                     f"GET {path}: malformed JSON in the answer ({error})") from None
            payload = None
        if not response.ok:
            error = payload.get("error") if isinstance(payload, dict) else None
            if not isinstance(error, dict):
                raise StripeAPIError(response.status_code, None, None, f"GET {path}: {response.reason}")
            raise StripeAPIError(
                response.status_code, error.get("type"), error.get("code"),
                error.get("message") or response.reason, error.get("param"),
            )
        is_list = isinstance(payload, dict) and payload.get("object") == "list"
        if not (is_list and isinstance(payload.get("data"), list)):
            raise StripeAPIError(response.status_code, None, None, f"GET {path} did not answer with a list object")
        if not all(isinstance(o, dict) and o.get("id") for o in payload["data"]):
            raise StripeAPIError(response.status_code, None, None, f"GET {path}: a listed object has no id")
        return payload
