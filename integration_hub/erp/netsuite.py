"""NetSuite through SuiteTalk REST web services, with token-based authentication.

Upserts are `PUT /services/rest/record/v1/<type>/eid:<externalId>` (204 and a Location
header naming the record's internal id); reads page `GET .../<type>?limit=&offset=` (items,
hasMore, offset, count, totalResults, links) and then fetch each record with its sublists.
Requests run `concurrency` at a time, the account's concurrency limit. 429 answers and
SSS_REQUEST_LIMIT_EXCEEDED errors are retried with backoff (honouring Retry-After), each
attempt signed anew; any other error rejects the record with NetSuite's own detail.

A sales order is created with its item lines (NetSuite refuses one without: "You must enter
at least one line item for this transaction"): the upsert carries the `item` sublist and
`?replace=item`, so a create sent again after its answer was lost leaves the lines sent, not
twice as many. Later line changes (sales_order_line) are written into the order with `PATCH
.../salesOrder/<internal id>?replace=item` and the `item` sublist as the body, so the order's
item lines become exactly the lines sent. Every upsert names each sublist its body carries in
`replace` (an invoice's lines, a customer's address book): without it NetSuite adds the lines
sent to those the record holds, and an update would double them. Reads name references as {id, refName}: a read field from a `*.id` path is an
internal id, turned back into the referenced record's external id through the posting record
(the referenced entity from the canonical declaration); any other `*external_id` value is an
escaped key.

An item fulfillment is created only by transforming its sales order (`POST .../salesOrder/
<internal id>/!transform/itemFulfillment`, the order's internal id from the posting record; an
order not posted is rejected without a call). The document's `createdFrom` names the order; it
is left out of the body, which NetSuite fills from the order. A fulfilment that exists (posted,
or a transform refused as a duplicate external id after a lost answer) is updated by
externalId like any record.

NetSuite external ids allow only letters, digits, '_' and '-', so the hub's
"<system>:<id>" is escaped reversibly: '_' becomes '__' and any other character '_XX' (hex).
"""
from __future__ import annotations

import os
import re
import time
from typing import Any
from urllib.parse import quote, unquote, urlencode

import requests
from urllib3.util.retry import Retry

from integration_hub.canonical import registry
from integration_hub.connectors.http import RETRY_AFTER_MAX_SECONDS, build_session
from integration_hub.erp.netsuite_auth import TokenCredentials
from integration_hub.erp.posting import PostingLog
from integration_hub.erp.rest_target import RestTarget, Sent
from integration_hub.erp.specs import ErpSpec, load_specs
from integration_hub.erp.specs.documents import flatten

RECORD_PATH = "/services/rest/record/v1"
ENV = ("NETSUITE_ACCOUNT_ID", "NETSUITE_CONSUMER_KEY", "NETSUITE_CONSUMER_SECRET", "NETSUITE_TOKEN_ID",
       "NETSUITE_TOKEN_SECRET")
RATE_LIMITED = "SSS_REQUEST_LIMIT_EXCEEDED"
DUPLICATE = "DUP_RCRD"
# Record types created by transforming another: {type: (source type, source entity, document field)}.
TRANSFORMED = {"itemFulfillment": ("salesOrder", "sales_order", "createdFrom")}
_ALLOWED = re.compile(r"[A-Za-z0-9-]")
_ESCAPE = re.compile(r"_(_|[0-9A-F]{2})")


def encode_external_id(external_id: str) -> str:
    return "".join(c if _ALLOWED.fullmatch(c) else "__" if c == "_" else "".join(
        f"_{b:02X}" for b in c.encode()) for c in external_id)


def decode_external_id(key: str) -> str:
    # An encoded key holds no '%', so the escapes can go through URL unquoting.
    return unquote(_ESCAPE.sub(lambda m: "_" if m.group(1) == "_" else f"%{m.group(1)}", key))


def credentials_from_env(environ=os.environ) -> TokenCredentials:
    missing = [name for name in ENV if not environ.get(name)]
    if missing:
        raise RuntimeError(f"NetSuite token-based authentication needs {', '.join(missing)}")
    return TokenCredentials(*(environ[name] for name in ENV))


class NetSuiteError(Exception):
    def __init__(self, status: int, code: str | None, detail: str):
        self.status, self.code, self.detail = status, code, detail
        super().__init__(" ".join(filter(None, ["NetSuite", str(status), code])) + f": {detail}")


def error_of(response: requests.Response) -> NetSuiteError:
    """NetSuite's documented error body: {type, title, status, o:errorDetails: [{detail, o:errorCode}]}."""
    try:
        body = response.json()
        details = body.get("o:errorDetails") or [{}]
        code, detail = details[0].get("o:errorCode"), details[0].get("detail") or body.get("title")
    except (ValueError, AttributeError):
        code, detail = None, response.text[:500] or response.reason
    return NetSuiteError(response.status_code, code, str(detail))


class NetSuiteTarget(RestTarget):
    """Customers (with parents), items, sales orders and their lines, cash refunds, contacts,
    opportunities, invoices, credit memos, customer payments and refunds, vendors, purchase
    orders and their lines, employees (with supervisors), item fulfillments and their lines, and
    the hub's stock level and shipment custom records in one NetSuite account."""

    name = "netsuite"

    def __init__(self, credentials: TokenCredentials, postings: PostingLog, *, base_url: str | None = None,
                 concurrency: int = 5, max_retries: int = 5, backoff: float = 0.5, page_size: int = 1000,
                 session: requests.Session | None = None, specs=None) -> None:
        super().__init__(specs or load_specs("netsuite"), postings, concurrency=concurrency)
        self.credentials = credentials
        host = credentials.account_id.lower().replace("_", "-")
        self.base_url = (base_url or f"https://{host}.suitetalk.api.netsuite.com").rstrip("/")
        self.max_retries, self.backoff, self.page_size = max_retries, backoff, page_size
        self.session = session or build_session(system="netsuite")
        for adapter in self.session.adapters.values():
            # Status retries move up to _call: a resent request would repeat its OAuth nonce, which
            # NetSuite refuses. Connection errors (nothing reached NetSuite) are still retried here.
            adapter.max_retries = Retry(total=max_retries, connect=max_retries, read=0, status=0, other=0,
                                        status_forcelist=(), respect_retry_after_header=False,
                                        raise_on_status=False)

    def key(self, external_id: str) -> str:
        return encode_external_id(external_id)

    def unkey(self, key: str) -> str:
        return decode_external_id(key)

    def _call(self, method: str, path: str, params: dict | None = None, body: Any = None) -> requests.Response:
        url = self.base_url + path + (f"?{urlencode(params)}" if params else "")
        for attempt in range(self.max_retries + 1):
            headers = {"Authorization": self.credentials.authorization(method, url), "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            response = self.session.request(method, url, json=body, headers=headers)
            if attempt == self.max_retries or not _rate_limited(response):
                return response
            time.sleep(_wait(response, self.backoff * 2 ** attempt))
        return response

    def _send(self, spec: ErpSpec, document: dict, erp_id: str | None, sublists: tuple[ErpSpec, ...] = ()) -> Sent:
        if spec.record in TRANSFORMED:
            field = TRANSFORMED[spec.record][2]
            source_key = (document.get(field) or {}).get("externalId")
            document = {name: value for name, value in document.items() if name != field}
            if erp_id is None:
                sent = self._transform(spec, document, source_key)
                if sent is not None:
                    return sent
        path = f"{RECORD_PATH}/{spec.record}/eid:{quote(document['externalId'], safe='')}"
        # Sublist lines sent without `replace` are added to those the record holds: an update would
        # double an invoice's lines. Name every sublist the document carries, its own and the lines'.
        carried = {name for name, value in document.items() if isinstance(value, dict) and "items" in value}
        names = carried | {s.sublist.split(".")[0] for s in sublists}
        replace = {"replace": ",".join(sorted(names))} if names else None
        response = self._call("PUT", path, replace, body=document)
        if response.status_code in (200, 201, 204):
            location = response.headers.get("Location", "")
            return Sent(True, location.rstrip("/").rsplit("/", 1)[-1] or erp_id)
        error = error_of(response)
        return Sent(False, message=f"{spec.record} {document.get('externalId')}: {error}")

    def _transform(self, spec: ErpSpec, document: dict, source_key: str | None) -> Sent | None:
        """Create `document` from its source record; None when NetSuite already holds it (a create
        whose answer was lost), to be updated by externalId instead."""
        source, entity, _ = TRANSFORMED[spec.record]
        column = next(c for c, e in registry.get(spec.entity).references.items() if e == entity)
        source_id = self.unkey(source_key or "")
        posted = self.postings.postings(self.name, entity, [source_id]).dropna(subset=["erp_id"])
        if posted.empty:
            return Sent(False, message=(
                f"{spec.entity} {self.unkey(document.get('externalId') or '')}: its {entity} {source_id} is not in "
                f"{self.name}; {column}.exists_in_erp (a {spec.record} is created from its {entity}, which loads "
                f"first)"))
        internal_id = str(posted["erp_id"].iloc[0])
        response = self._call("POST", f"{RECORD_PATH}/{source}/{internal_id}/!transform/{spec.record}", body=document)
        if response.status_code in (200, 201, 204):
            return Sent(True, response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1] or None)
        error = error_of(response)
        if error.code == DUPLICATE:
            return None
        return Sent(False, message=f"{spec.record} {document.get('externalId')} from {source} {source_key}: {error}")

    def _send_lines(self, spec: ErpSpec, parent_erp_id: str, parent_key: str, lines: list[dict]) -> Sent:
        *path, name = spec.sublist.split(".")
        body: dict = {name: lines}
        for part in reversed(path):
            body = {part: body}
        sublist = path[0] if path else name
        response = self._call("PATCH", f"{RECORD_PATH}/{spec.record}/{parent_erp_id}", {"replace": sublist}, body)
        if response.status_code in (200, 204):
            return Sent(True, parent_erp_id)
        return Sent(False, message=f"{spec.record} {parent_key} {sublist} lines: {error_of(response)}")

    def _get(self, path: str, params: dict | None = None) -> dict:
        response = self._call("GET", path, params)
        if response.status_code != 200:
            raise error_of(response)
        try:
            return response.json()
        except ValueError:
            raise NetSuiteError(200, None, f"GET {path}: malformed JSON in the answer") from None

    def list_ids(self, record: str) -> list[str]:
        """Internal ids of every `record`, page by page until hasMore is false."""
        ids, offset = [], 0
        while True:
            page = self._get(f"{RECORD_PATH}/{record}", {"limit": self.page_size, "offset": offset})
            ids.extend(str(item["id"]) for item in page.get("items", []))
            if not page.get("hasMore"):
                return ids
            offset = int(page.get("offset", offset)) + int(page.get("count") or len(page.get("items", [])))

    def _read_all(self, spec: ErpSpec) -> list[dict[str, Any]]:
        ids = self.list_ids(spec.record)
        fetch = lambda i: self._get(f"{RECORD_PATH}/{spec.record}/{i}", {"expandSubResources": "true"})  # noqa: E731
        return [flatten(record) for record in self._map(fetch, ids)]

    def _decoder(self, spec: ErpSpec):
        # Reads name referenced records by internal id; the posting record knows whose it is.
        declared = registry.get(spec.entity)
        by_id = {f.target for f in spec.inbound.fields if f.sources and f.sources[0].endswith(".id")}
        known: dict[str, dict[str, str]] = {}
        for column in by_id & set(declared.references):
            posted = self.postings.postings(self.name, declared.references[column]).dropna(subset=["erp_id"])
            known[column] = dict(zip(posted["erp_id"].astype(str), posted["external_id"]))

        def decode(column: str, value: str) -> str | None:
            if column in known:
                return known[column].get(value)
            return self.unkey(value)
        return decode

    def close(self) -> None:
        self.session.close()
        self.postings.close()


def _rate_limited(response: requests.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code in (400, 503):
        return error_of(response).code == RATE_LIMITED
    return False


def _wait(response: requests.Response, fallback: float) -> float:
    value = response.headers.get("Retry-After", "")
    return min(float(value), RETRY_AFTER_MAX_SECONDS) if value.replace(".", "", 1).isdigit() else fallback
