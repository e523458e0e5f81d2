"""Salesforce REST client: SOQL queries per SObject, flattened to the Data Loader export layout.

Authentication is OAuth 2.0 against `{instance_url}/services/oauth2/token`: the refresh-token
flow when a refresh token is configured, the client-credentials flow otherwise. The access
token, client secret and refresh token are registered as secrets, so they are redacted from
every log line, call-log entry and error text.

Incremental runs query `WHERE SystemModstamp >= <cursor> ORDER BY SystemModstamp, Id` and page
through `nextRecordsUrl` until `done`. SystemModstamp changes whenever a record does (by a user
or by the system), unlike LastModifiedDate. The filter is inclusive, so a record modified in
the same second as the last one seen is never missed; records a later page repeats are
dropped by Id and counted in `duplicates_skipped`.

Answers carry `Sforce-Limit-Info: api-usage=18/5000` (the org's rolling 24-hour allocation);
the latest is kept in `limit_info` and logged. A 401 INVALID_SESSION_ID gets the token
refreshed once and the call sent again; a 403 REQUEST_LIMIT_EXCEEDED stops the sync with a
SalesforceLimitError and is not retried: waiting would not help before the allocation resets,
and the next run resumes from the cursor.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests

from integration_hub.connectors.http import build_session, redact_url
from integration_hub.connectors.oauth import request_token
from integration_hub.connectors.paging import unseen
from integration_hub.security.redact import redact_registered, register_secret

API_VERSION = "v62.0"
_SF_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
# Ids per `WHERE OrderId IN (...)` query: well under SOQL's 100,000-character limit on a query.
IN_CHUNK = 200
MIN_BATCH_SIZE, MAX_BATCH_SIZE = 200, 2000

# Resource -> SObject queried.
SOBJECTS = {
    "accounts": "Account", "contacts": "Contact", "opportunities": "Opportunity",
    "orders": "Order", "order_items": "OrderItem", "products": "Product2",
}
# Resource -> export columns: exactly the SOQL field names, in Data Loader's column order.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("Id", "Name", "ParentId", "Type", "Industry", "Phone", "Website", "BillingStreet", "BillingCity",
                 "BillingState", "BillingPostalCode", "BillingCountry", "AnnualRevenue", "CreatedDate",
                 "LastModifiedDate", "SystemModstamp"),
    "contacts": ("Id", "AccountId", "FirstName", "LastName", "Email", "Phone", "Title", "MailingStreet",
                 "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry", "CreatedDate",
                 "SystemModstamp"),
    "opportunities": ("Id", "AccountId", "Name", "StageName", "Amount", "CurrencyIsoCode", "CloseDate",
                      "Probability", "IsWon", "IsClosed", "CreatedDate", "SystemModstamp"),
    "orders": ("Id", "AccountId", "OrderNumber", "Status", "EffectiveDate", "TotalAmount", "CurrencyIsoCode",
               "Invoice_Number__c", "Description", "CreatedDate", "SystemModstamp"),
    # CurrencyIsoCode: the order's currency, which multi-currency orgs expose on each item.
    "order_items": ("Id", "OrderId", "Product2Id", "OrderItemNumber", "Quantity", "CurrencyIsoCode", "UnitPrice",
                    "TotalPrice", "Description", "CreatedDate", "SystemModstamp"),
    "products": ("Id", "Name", "ProductCode", "StockKeepingUnit", "Family", "Description", "IsActive",
                 "CreatedDate", "SystemModstamp"),
}
CURSOR_FIELD = "SystemModstamp"

log = logging.getLogger(__name__)
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")


class SalesforceError(Exception):
    """Any failure of a Salesforce call; the text never holds a token or secret."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_registered(message))


class SalesforceAPIError(SalesforceError):
    """An error answer, in Salesforce's [{"message", "errorCode", "fields"}] shape, or an unusable one."""

    def __init__(self, sobject: str, status: int, error_code: str | None, message: str) -> None:
        self.sobject, self.status, self.error_code = sobject, status, error_code
        code = f" {error_code}" if error_code else ""
        super().__init__(f"Salesforce {sobject}: HTTP {status}{code}: {message}")


class SalesforceAuthError(SalesforceError):
    """The token endpoint refused the credentials, or a fresh token was refused again."""


class SalesforceLimitError(SalesforceAPIError):
    """403 REQUEST_LIMIT_EXCEEDED: the org's API request allocation is spent."""


@dataclass(frozen=True)
class SalesforceCredentials:
    """A connected app's client id and secret; with a refresh token the refresh-token flow is used."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)

    def grant(self) -> dict[str, str]:
        if self.refresh_token:
            return {"grant_type": "refresh_token", "refresh_token": self.refresh_token,
                    "client_id": self.client_id, "client_secret": self.client_secret}
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}


def soql_datetime(epoch: int) -> str:
    """A SOQL datetime literal (unquoted, UTC) for epoch seconds."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def modstamp_epoch(value: str) -> int:
    """Epoch seconds of an API datetime (2025-03-01T12:00:00.000+0000)."""
    return int(datetime.fromisoformat(value).timestamp())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)   # numbers arrive as Decimal or int (see _json): their text as the API wrote it


def flatten(resource: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """Query records as an all-text frame with exactly the resource's export columns ("" for null)."""
    columns = EXPORT_COLUMNS[_checked(resource)]
    rows = [{name: _text(record.get(name)) for name in columns} for record in records]
    return pd.DataFrame(rows, columns=list(columns), dtype=str)


def _checked(resource: str) -> str:
    if resource not in EXPORT_COLUMNS:
        raise ValueError(f"unknown Salesforce resource {resource!r}; expected one of {', '.join(EXPORT_COLUMNS)}")
    return resource


def soql_in(resource: str, field_name: str, ids: list[str]) -> str:
    """The resource's records whose `field_name` is one of `ids` (Salesforce ids: checked, then quoted)."""
    bad = [i for i in ids if not _SF_ID.fullmatch(i)]
    if bad:
        raise SalesforceAPIError(SOBJECTS[resource], 200, None, f"not a Salesforce id: {bad[0]!r}")
    quoted = ", ".join(f"'{i}'" for i in ids)
    return (f"SELECT {', '.join(EXPORT_COLUMNS[_checked(resource)])} FROM {SOBJECTS[resource]} "
            f"WHERE {field_name} IN ({quoted}) ORDER BY {field_name}, Id")


def soql(resource: str, since: int | None) -> str:
    where = f" WHERE {CURSOR_FIELD} >= {soql_datetime(since)}" if since is not None else ""
    return (f"SELECT {', '.join(EXPORT_COLUMNS[_checked(resource)])} FROM {SOBJECTS[resource]}{where} "
            f"ORDER BY {CURSOR_FIELD}, Id")


def _json(response: requests.Response) -> Any:
    # Decimal keeps a number's text exactly as sent (1500000.0 stays "1500000.0", 0.1 never becomes 0.1000000001).
    return response.json(parse_float=Decimal)


class SalesforceClient:
    """Read-only SOQL client for the SObjects in SOBJECTS."""

    def __init__(self, instance_url: str, credentials: SalesforceCredentials, *, api_version: str = API_VERSION,
                 session: requests.Session | None = None, batch_size: int = MAX_BATCH_SIZE) -> None:
        if not MIN_BATCH_SIZE <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size {batch_size} is outside Salesforce's range {MIN_BATCH_SIZE}-{MAX_BATCH_SIZE}")
        if not re.fullmatch(r"v\d+\.\d", api_version):
            raise ValueError(f"api_version {api_version!r} is not of the form v62.0")
        register_secret(credentials.client_secret)
        register_secret(credentials.refresh_token)
        self.instance_url = instance_url.rstrip("/")
        self.api_version = api_version
        self.batch_size = batch_size
        self.session = session or build_session(system="salesforce")
        self._credentials = credentials
        self._token: str | None = None
        self.limit_info: tuple[int, int] | None = None   # (used, allocation) of the latest answer
        self.duplicates_skipped: dict[str, int] = {}     # resource -> repeated records dropped, last extraction

    def __repr__(self) -> str:
        return f"SalesforceClient(instance_url={self.instance_url!r}, api_version={self.api_version!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is read from (what lineage names as a record's origin)."""
        sobject = SOBJECTS[_checked(resource)]
        return redact_url(f"{self.instance_url}/services/data/{self.api_version}/sobjects/{sobject}")

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Records modified at or after `cursor`, flattened, and the cursor to resume from (max SystemModstamp)."""
        records = list(self.iter_records(resource, cursor))
        try:
            stamps = [modstamp_epoch(r[CURSOR_FIELD]) for r in records if r.get(CURSOR_FIELD)]
        except (TypeError, ValueError) as error:
            raise SalesforceAPIError(SOBJECTS[resource], 200, None, f"unreadable {CURSOR_FIELD} ({error})") from None
        new_cursor = max([*stamps, *([cursor] if cursor is not None else [])], default=None)
        if resource == "order_items" and cursor is not None:
            records = self._whole_orders(records, cursor)
        return flatten(resource, records), new_cursor

    def _whole_orders(self, changed: list[dict[str, Any]], since: int) -> list[dict[str, Any]]:
        """Every item of each order touched since `since`: an order whose item changed, or which changed
        itself (deleting an item changes the order's TotalAmount roll-up, hence its SystemModstamp).

        The ERP targets write an order's lines as its whole sublist, so an incremental batch of only
        the changed items would drop the order's other lines; a whole order's items also show which
        were deleted (they are no longer among them)."""
        orders = {r["OrderId"] for r in changed if r.get("OrderId")}
        orders |= {r["Id"] for r in self._query("orders", f"SELECT Id FROM Order WHERE {CURSOR_FIELD} >= "
                                                          f"{soql_datetime(since)} ORDER BY {CURSOR_FIELD}, Id",
                                                count=False)}
        ordered = sorted(orders)
        self.duplicates_skipped["order_items"] = 0   # the completion re-reads the changed items on purpose
        return [r for start in range(0, len(ordered), IN_CHUNK)
                for r in self._query("order_items", soql_in("order_items", "OrderId", ordered[start:start + IN_CHUNK]))]

    def iter_records(self, resource: str, since: int | None = None) -> Iterator[dict[str, Any]]:
        """Every record of `resource` with SystemModstamp at or after `since` (all when None), batch by batch."""
        self.duplicates_skipped[resource] = 0
        yield from self._query(resource, soql(resource, since))

    def _query(self, resource: str, query: str, *, count: bool = True) -> Iterator[dict[str, Any]]:
        """A SOQL query's records, page by page through nextRecordsUrl, each Id once; records a later
        page repeats are counted in duplicates_skipped[resource] when `count`."""
        sobject = SOBJECTS[_checked(resource)]
        path = f"/services/data/{self.api_version}/query"
        params: dict[str, str] | None = {"q": query}
        seen: set[str] = set()
        while True:
            page = self._get(sobject, path, params)
            batch = [{k: v for k, v in r.items() if k != "attributes"} for r in page["records"]]
            fresh = [k["record"] for k in unseen([{"id": r["Id"], "record": r} for r in batch], seen)]
            if len(batch) > len(fresh) and count:
                self.duplicates_skipped[resource] = self.duplicates_skipped.get(resource, 0) + len(batch) - len(fresh)
                log.warning("salesforce %s: %d record(s) already seen skipped", sobject, len(batch) - len(fresh))
            yield from fresh
            if page["done"]:
                return
            next_url = page.get("nextRecordsUrl")
            if not isinstance(next_url, str) or not next_url.startswith("/services/data/") or next_url == path:
                raise SalesforceAPIError(sobject, 200, None, f"the query is not done but nextRecordsUrl is "
                                         f"{'missing' if not next_url else 'unusable or repeated'}")
            path, params = next_url, None

    # transport ---------------------------------------------------------------------------------
    def _get(self, sobject: str, path: str, params: dict[str, str] | None) -> dict[str, Any]:
        response = self._send(path, params)
        if response.status_code == 401:
            log.info("salesforce %s: session expired or invalid, refreshing the token once", sobject)
            self._token = None
            response = self._send(path, params)
            if response.status_code == 401:
                code, message = _first_error(response)
                raise SalesforceAuthError(f"Salesforce {sobject}: a freshly issued access token was refused "
                                          f"(HTTP 401 {code or ''}: {message}); check the connected app's "
                                          f"permissions and the integration user")
        self._note_limit(response)
        if not response.ok:
            code, message = _first_error(response)
            if response.status_code == 403 and code == "REQUEST_LIMIT_EXCEEDED":
                raise SalesforceLimitError(sobject, 403, code, (
                    f"daily API request limit reached ({self._usage_text()}); the sync stops; it resumes "
                    f"from its cursor after the limit resets ({message})"))
            raise SalesforceAPIError(sobject, response.status_code, code, message)
        try:
            page = _json(response)
        except ValueError as error:
            raise SalesforceAPIError(sobject, response.status_code, None, f"malformed JSON in the answer ({error})") \
                from None
        if not (isinstance(page, dict) and isinstance(page.get("records"), list) and "done" in page):
            raise SalesforceAPIError(sobject, response.status_code, None, "the answer is not a query result")
        if not all(isinstance(r, dict) and r.get("Id") for r in page["records"]):
            raise SalesforceAPIError(sobject, response.status_code, None, "a record has no Id")
        return page

    def _send(self, path: str, params: dict[str, str] | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._access_token()}", "Accept": "application/json",
                   "Sforce-Query-Options": f"batchSize={self.batch_size}"}
        return self.session.get(f"{self.instance_url}{path}", params=params, headers=headers)

    def _access_token(self) -> str:
        if self._token is None:
            self._token = self._fetch_token()
        return self._token

    def _fetch_token(self) -> str:
        grant = self._credentials.grant()
        payload = request_token(self.session, f"{self.instance_url}/services/oauth2/token", grant,
                                describe=f"Salesforce OAuth {grant['grant_type']} grant", error=SalesforceAuthError)
        instance = payload.get("instance_url")
        if isinstance(instance, str) and urlsplit(instance).scheme in ("http", "https") and urlsplit(instance).netloc:
            self.instance_url = instance.rstrip("/")   # the org's own host, as the token endpoint names it
        return payload["access_token"]

    def _note_limit(self, response: requests.Response) -> None:
        match = _LIMIT_INFO.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.limit_info = (int(match.group(1)), int(match.group(2)))
            log.info("salesforce %s", self._usage_text())

    def _usage_text(self) -> str:
        return f"api-usage={self.limit_info[0]}/{self.limit_info[1]}" if self.limit_info else "api-usage unknown"


def _first_error(response: requests.Response) -> tuple[str | None, str]:
    """errorCode and message of the first entry of an error answer (its reason when unparsable)."""
    try:
        payload = response.json()
    except ValueError:
        return None, response.reason or "no readable error body"
    first = payload[0] if isinstance(payload, list) and payload else payload
    if not isinstance(first, dict):
        return None, response.reason or "no readable error body"
    fields = first.get("fields")
    suffix = f" (fields {', '.join(map(str, fields))})" if fields else ""
    return first.get("errorCode"), f"{first.get('message') or response.reason}{suffix}"
