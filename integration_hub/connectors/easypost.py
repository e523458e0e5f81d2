"""EasyPost (shipping carrier aggregator) REST client: shipments with their costs, and tracking events.

Vendor facts this client follows (docs.easypost.com):

- Auth: HTTP Basic with the API key as the user name and an empty password (the key is
  registered as a secret). Base `https://api.easypost.com/v2`. A 401/403 is a
  ConnectorAuthError naming IH_EASYPOST_API_KEY.
- "Retrieve all" lists answer `{<collection>: [...], has_more}`, newest first, `page_size`
  records a page (at most 100); the next page is asked for with `before_id=<id of the last
  record returned>` while `has_more` is true. `start_datetime` limits a list to records
  created after a time.
- Rate limit: a fixed 5 requests a second on the index (list) endpoints, 429 when over; the
  request budget (vendor "easypost", 5 a second) keeps the hub's processes within it and the
  shared session retries a 429 or 5xx that still comes.
- Shipments carry `reference` (the order reference the shipper gave), `tracking_code`,
  `selected_rate {carrier, service, rate, currency}` (the label's postage, the freight cost)
  and `fees[] {type: LabelFee | PostageFee | InsuranceFee, amount, charged, refunded}`. Money is
  sent as decimal strings ("7.58", "0.01000"): it is converted to integer minor units of its
  currency, exactly (an amount with more decimals than the currency has is an error, never
  rounded). Fees carry no currency: EasyPost bills them in the account's currency, USD.
- Trackers (`/trackers`) hold `tracking_details[] {status, message, datetime, tracking_location
  {city, state, country, zip}}` and `shipment_id`; each detail becomes a tracking event whose id
  is derived from its tracker, time, status and message, so reading it again is an upsert.
- Incremental: the cursor is the latest `created_at` seen. Shipments are read from the cursor
  on. A tracker keeps receiving events for weeks after it is created, so tracking events are
  read from the trackers created within TRACKING_LOOKBACK_DAYS before the cursor.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import requests

from integration_hub.connectors.bank.records import to_minor
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

VENDOR = "EasyPost"
DEFAULT_BASE_URL = "https://api.easypost.com/v2"
MAX_PAGE_SIZE = 100
TRACKING_LOOKBACK_DAYS = 30
FEE_CURRENCY = "USD"
FEE_TYPES = {"LabelFee": "label_fee_minor", "PostageFee": "postage_fee_minor", "InsuranceFee": "insurance_fee_minor"}
ENV_API_KEY, ENV_BASE_URL = "IH_EASYPOST_API_KEY", "IH_EASYPOST_BASE_URL"

COLLECTIONS = {"shipments": "shipments", "tracking_events": "trackers"}
EXPORT_COLUMNS: dict[str, dict[str, str]] = {
    "shipments": {
        "id": "id", "reference": "reference", "status": "status", "tracking_code": "tracking_code",
        "carrier": "selected_rate.carrier", "service": "selected_rate.service", "rate_minor": "rate_minor",
        "rate_currency": "selected_rate.currency", "label_fee_minor": "label_fee_minor",
        "postage_fee_minor": "postage_fee_minor", "insurance_fee_minor": "insurance_fee_minor",
        "fee_currency": "fee_currency", "tracker_id": "tracker.id", "created_at": "created_at",
        "updated_at": "updated_at",
    },
    "tracking_events": {
        "id": "id", "tracker_id": "tracker_id", "shipment_id": "shipment_id", "tracking_code": "tracking_code",
        "carrier": "carrier", "status": "status", "message": "message", "datetime": "datetime",
        "city": "tracking_location.city", "state": "tracking_location.state",
        "country": "tracking_location.country", "zip": "tracking_location.zip",
    },
}

log = logging.getLogger(__name__)


def _checked(resource: str) -> str:
    if resource not in EXPORT_COLUMNS:
        raise ValueError(f"unknown EasyPost resource {resource!r}; expected one of {', '.join(EXPORT_COLUMNS)}")
    return resource


def _minor(shipment_id: str, field: str, amount: Any, currency: str) -> int:
    try:
        return to_minor(Decimal(str(amount)), currency)
    except (ValueError, ArithmeticError) as error:
        raise ConnectorAPIError(VENDOR, "shipments", 200, f"shipment {shipment_id} {field}: {error}") from None


def shipment_row(shipment: dict[str, Any]) -> dict[str, Any]:
    """The shipment with its postage and its charged fees (by type, refunded ones left out) in minor units."""
    rate = shipment.get("selected_rate") or {}
    row: dict[str, Any] = {**shipment, "fee_currency": FEE_CURRENCY, **dict.fromkeys(FEE_TYPES.values(), 0)}
    if rate.get("rate") not in (None, ""):
        row["rate_minor"] = _minor(shipment["id"], "selected_rate.rate", rate["rate"], str(rate.get("currency") or ""))
    for fee in shipment.get("fees") or []:
        column = FEE_TYPES.get(fee.get("type"))
        if column and fee.get("charged", True) and not fee.get("refunded"):
            row[column] += _minor(shipment["id"], f"fees {fee['type']}", fee.get("amount"), FEE_CURRENCY)
    return row


def tracking_events(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """The tracker's tracking_details, each with a stable id and its tracker's ids."""
    events = []
    for detail in tracker.get("tracking_details") or []:
        key = "|".join(str(detail.get(k) or "") for k in ("datetime", "status", "message"))
        events.append({**detail, "id": f"{tracker['id']}:{hashlib.sha256(key.encode()).hexdigest()[:16]}",
                       "tracker_id": tracker["id"], "shipment_id": tracker.get("shipment_id"),
                       "tracking_code": tracker.get("tracking_code"), "carrier": tracker.get("carrier")})
    return events


class EasyPostClient:
    """Read-only client for the resources in EXPORT_COLUMNS."""

    def __init__(self, api_key: str, *, base_url: str = DEFAULT_BASE_URL, session: requests.Session | None = None,
                 page_size: int = MAX_PAGE_SIZE) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is outside EasyPost's range 1-{MAX_PAGE_SIZE}")
        register_secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.session = session or build_session(system="easypost")
        self._auth = (api_key, "")
        self.duplicates_skipped: dict[str, int] = {}   # resource -> repeated objects dropped, last extraction

    def __repr__(self) -> str:
        return f"EasyPostClient(base_url={self.base_url!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is read from (what lineage names as a record's origin)."""
        return redact_url(f"{self.base_url}/{COLLECTIONS[_checked(resource)]}")

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Rows of `resource` and the cursor to resume from (the latest created_at seen)."""
        if _checked(resource) == "shipments":
            objects = list(self.iter_objects(resource, cursor))
            rows = [shipment_row(s) for s in objects]
        else:
            since = None if cursor is None else cursor - TRACKING_LOOKBACK_DAYS * 86400
            objects = list(self.iter_objects(resource, since))
            rows = [event for tracker in objects for event in tracking_events(tracker)]
        return flatten(EXPORT_COLUMNS[resource], rows), next_cursor((o.get("created_at") for o in objects), cursor)

    def iter_objects(self, resource: str, since: int | None = None) -> Iterator[dict[str, Any]]:
        """Each object of the resource's collection created from `since` on (all when None), newest first, once."""
        collection = COLLECTIONS[_checked(resource)]
        params: dict[str, Any] = {"page_size": self.page_size}
        if since is not None:
            params["start_datetime"] = iso_z(since)
        seen: set[str] = set()
        self.duplicates_skipped[resource] = 0
        while True:
            page = self._get(resource, collection, params)
            objects = page[collection]
            fresh = unseen(objects, seen)
            if len(objects) > len(fresh):
                self.duplicates_skipped[resource] += len(objects) - len(fresh)
                log.warning("easypost %s: %d object(s) already seen skipped", collection, len(objects) - len(fresh))
            yield from fresh
            if not page.get("has_more"):
                return
            if not objects or objects[-1]["id"] == params.get("before_id"):
                raise ConnectorAPIError(VENDOR, resource, 200, f"{collection}: has_more but the page does not advance")
            params["before_id"] = objects[-1]["id"]

    def _get(self, resource: str, collection: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.session.get(f"{self.base_url}/{collection}", params=params, auth=self._auth,
                                    headers={"Accept": "application/json"})
        refuse_auth(VENDOR, resource, response, ENV_API_KEY)
        page = read_json(VENDOR, resource, response, _message(response))
        objects = page.get(collection) if isinstance(page, dict) else None
        if not isinstance(objects, list) or not all(isinstance(o, dict) and o.get("id") for o in objects):
            raise ConnectorAPIError(VENDOR, resource, response.status_code, f"the answer is not a list of {collection}")
        return page


def _message(response: requests.Response) -> str:
    """EasyPost's {"error": {"code", "message"}} as "CODE: message", when the body holds it."""
    if response.ok:
        return ""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return ""
    return f"{error.get('code') or ''}: {error.get('message') or ''}".strip(": ") if isinstance(error, dict) else ""


def client_from_env(environ: dict[str, str] | None = None, *, call_log=None, budget=None) -> EasyPostClient:
    """A client from IH_EASYPOST_API_KEY (required) and IH_EASYPOST_BASE_URL, on the shared session."""
    settings = env_settings(VENDOR, [ENV_API_KEY], {ENV_BASE_URL: DEFAULT_BASE_URL}, environ)
    return EasyPostClient(settings[ENV_API_KEY], base_url=settings[ENV_BASE_URL],
                          session=build_session(system="easypost", call_log=call_log, budget=budget))
