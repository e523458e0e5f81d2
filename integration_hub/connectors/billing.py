"""Billing-system client for a Chargebee-shaped API, flattened to the billing export layout.

`GET /api/v2/<resource>?limit=N&offset=<next_offset>` with HTTP Basic auth (API key as user
name, empty password) answers {"list": [{"<object>": {...}}, ...], "next_offset": "..."};
`next_offset` is opaque and absent on the last page. Amounts are integer minor units and
dates epoch seconds in the API; the export carries decimal major-unit text and formatted
dates, so both are converted here and one cleaning path serves the API and the file.
Invoice statuses are folded into the export's vocabulary (open, paid, void).

Offset pagination repeats an object when one is added ahead of it between two pages: one
extraction yields each object once (by id), counting what it dropped in
`duplicates_skipped` and logging it. A page that is not JSON, not a list, or hands back an
offset already followed is a BillingAPIError naming the endpoint and status.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import requests
from requests.auth import HTTPBasicAuth

from integration_hub.connectors.http import build_session, redact_url
from integration_hub.connectors.paging import unseen
from integration_hub.security.redact import register_secret
from integration_hub.standardize.currency import minor_exponent

log = logging.getLogger(__name__)
OBJECT_NAMES = {"customers": "customer", "invoices": "invoice", "credit_notes": "credit_note"}
MAX_PAGE_SIZE = 100
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
# Every API status that is neither settled nor cancelled is still owed: "open" in the export.
STATUS_TO_EXPORT = {
    "paid": "paid", "voided": "void", "posted": "open", "payment_due": "open", "not_paid": "open", "pending": "open",
}

# Export column -> (API field path(s), kind), in the column order of billing/<resource>.csv.
# kind: "text" as given, "ts"/"date" epoch seconds formatted UTC, "money" minor units as
# major-unit text in the object's currency_code, "status" via STATUS_TO_EXPORT. Several paths
# are joined with ", " (street lines).
EXPORT_COLUMNS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "customers": {
        "customer_id": (("id",), "text"), "company_name": (("company",), "text"),
        "contact_first_name": (("first_name",), "text"), "contact_last_name": (("last_name",), "text"),
        "email": (("email",), "text"), "phone": (("phone",), "text"),
        "billing_street": (("billing_address.line1", "billing_address.line2"), "text"),
        "billing_city": (("billing_address.city",), "text"), "billing_state": (("billing_address.state",), "text"),
        "billing_postal_code": (("billing_address.zip",), "text"),
        "billing_country": (("billing_address.country",), "text"),
        "currency": (("preferred_currency_code",), "text"),
        "stripe_customer_id": (("cf_stripe_customer_id",), "text"), "created_at": (("created_at",), "ts"),
    },
    "invoices": {
        "invoice_number": (("id",), "text"), "customer_id": (("customer_id",), "text"),
        "issue_date": (("date",), "date"), "due_date": (("due_date",), "date"),
        "currency": (("currency_code",), "text"), "subtotal": (("sub_total",), "money"),
        "tax": (("tax",), "money"), "total": (("total",), "money"), "status": (("status",), "status"),
        "po_number": (("po_number",), "text"),
    },
    "credit_notes": {
        "credit_note_number": (("id",), "text"), "invoice_number": (("reference_invoice_id",), "text"),
        "customer_id": (("customer_id",), "text"), "issue_date": (("date",), "date"),
        "currency": (("currency_code",), "text"), "total": (("total",), "money"), "reason": (("reason_code",), "text"),
    },
}


class BillingAPIError(Exception):
    """An error answer in the documented {message, type, api_error_code, http_status_code} shape."""

    def __init__(self, status: int, type_: str | None, api_error_code: str | None, message: str):
        self.status, self.type, self.api_error_code, self.message = status, type_, api_error_code, message
        super().__init__(f"billing API {status} {type_ or '-'}/{api_error_code or '-'}: {message}")


def _dig(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(obj: dict[str, Any], paths: tuple[str, ...], kind: str) -> str:
    values = [v for v in (_dig(obj, p) for p in paths) if v is not None and v != ""]
    if not values:
        return ""
    value = values[0] if len(values) == 1 else ", ".join(str(v) for v in values)
    if kind == "ts":
        return datetime.fromtimestamp(int(value), UTC).strftime(TIMESTAMP_FORMAT)
    if kind == "date":
        return datetime.fromtimestamp(int(value), UTC).strftime(DATE_FORMAT)
    if kind == "money":
        exponent = minor_exponent(str(obj.get("currency_code") or "").upper())
        return f"{Decimal(int(value)).scaleb(-exponent):.{exponent}f}"
    if kind == "status":
        return STATUS_TO_EXPORT.get(str(value), str(value))
    return str(value)


def flatten(resource: str, objects: list[dict[str, Any]]) -> pd.DataFrame:
    """API objects as an all-text frame (str, "" for blank) with exactly the columns of billing/<resource>.csv."""
    columns = EXPORT_COLUMNS[_checked(resource)]
    rows = [{col: _text(obj, paths, kind) for col, (paths, kind) in columns.items()} for obj in objects]
    return pd.DataFrame(rows, columns=list(columns), dtype=str)


def _checked(resource: str) -> str:
    if resource not in OBJECT_NAMES:
        raise ValueError(f"unknown billing resource {resource!r}; expected one of {', '.join(OBJECT_NAMES)}")
    return resource


class BillingClient:
    """Read-only client for the billing system's list endpoints; `base_url` is the site's root URL."""

    def __init__(
        self, api_key: str, *, base_url: str, session: requests.Session | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is outside the API's limit range 1-{MAX_PAGE_SIZE}")
        self._auth = HTTPBasicAuth(api_key, "")
        register_secret(api_key)  # redacted from every log line and error text from now on
        self.base_url = base_url.rstrip("/")
        self.session = session or build_session(system="billing")
        self.page_size = page_size
        self.duplicates_skipped: dict[str, int] = {}   # resource -> repeated objects dropped, last extraction

    def __repr__(self) -> str:
        return f"BillingClient(base_url={self.base_url!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is listed from (what lineage names as a record's origin)."""
        return redact_url(f"{self.base_url}/api/v2/{resource}")

    def iter_objects(self, resource: str, updated_after: int | None = None) -> Iterator[dict[str, Any]]:
        """Every object of `resource` updated strictly after `updated_after` (all when None), page by page."""
        name = OBJECT_NAMES[_checked(resource)]
        params: dict[str, Any] = {"limit": self.page_size}
        if updated_after is not None:
            params["updated_at[after]"] = int(updated_after)
        path = f"/api/v2/{resource}"
        seen: set[str] = set()
        offsets: set[str] = set()
        self.duplicates_skipped[resource] = 0
        while True:
            page = self._get_list(path, params)
            objects = [entry.get(name) if isinstance(entry, dict) else None for entry in page["list"]]
            if not all(isinstance(o, dict) and o.get("id") for o in objects):
                raise BillingAPIError(200, None, None, f"GET {path}: a listed entry has no {name} with an id")
            fresh = unseen(objects, seen)
            yield from fresh
            repeated = len(objects) - len(fresh)
            if repeated:
                self.duplicates_skipped[resource] += repeated
                log.warning("billing GET %s: %d object(s) already seen on an earlier page skipped (offset=%s)",
                            path, repeated, params.get("offset"))
            next_offset = page.get("next_offset")
            if not next_offset:
                return
            if str(next_offset) in offsets or next_offset == params.get("offset"):
                raise BillingAPIError(200, None, None,
                                      f"GET {path}: pagination does not advance (next_offset {next_offset} again)")
            offsets.add(str(next_offset))
            params["offset"] = next_offset

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Objects updated at or after `cursor`, flattened, and the cursor to resume from (max `updated_at` seen).

        The API's `[after]` is strict, so the request asks for one second earlier: resuming is
        inclusive, like Stripe's, and the caller de-duplicates by id.
        """
        objects = list(self.iter_objects(resource, None if cursor is None else cursor - 1))
        seen = [int(o["updated_at"]) for o in objects if o.get("updated_at") is not None]
        new_cursor = max([*seen, *([cursor] if cursor is not None else [])], default=None)
        return flatten(resource, objects), new_cursor

    def _get_list(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.session.get(f"{self.base_url}{path}", params=params, auth=self._auth)
        try:
            payload = response.json()
        except ValueError as error:
            if response.ok:
                raise BillingAPIError(response.status_code, None, None,
                                      f"GET {path}: malformed JSON in the answer ({error})") from None
            payload = None
        if not response.ok:
            body = payload if isinstance(payload, dict) else {}
            raise BillingAPIError(
                response.status_code, body.get("type"), body.get("api_error_code"),
                body.get("message") or f"GET {path}: {response.reason}",
            )
        if not (isinstance(payload, dict) and isinstance(payload.get("list"), list)):
            raise BillingAPIError(response.status_code, None, None, f"GET {path} did not answer with a list")
        return payload
