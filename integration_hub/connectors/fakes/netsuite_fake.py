"""A local NetSuite SuiteTalk REST record service, in its documented request and response shapes.

- Token-based authentication: the OAuth 1.0a signature is verified with the same secrets,
  and a nonce is accepted once (NetSuite refuses replays).
- `PUT /services/rest/record/v1/<type>/eid:<externalId>` upserts: 204 with a Location header
  naming the internal id. References given as {"externalId": ...} are resolved and stored as
  {"id", "refName"}: customers (entity, customer, parent, company; a purchase order's entity is
  its vendor), items (a sublist line's item: an inventoryItem, nonInventorySaleItem or
  serviceSaleItem, or one of the account's configured `items` such as hub-service), an
  employee's supervisor, a fulfilment's createdFrom sales order, and the reference fields of the
  hub's custom record types (REFERENCES); an unknown one is a USER_ERROR, as is whatever
  `reject` says.
- An item fulfillment is created only by transforming its sales order: `POST .../salesOrder/
  <id or eid:key>/!transform/itemFulfillment` (204, Location); its lines must name items on the
  order. A PUT by externalId updates one that exists and refuses to create one; a second
  transform with an externalId the account holds is a DUP_RCRD error.
  `?replace=<sublist>` makes the named sublist's lines exactly the lines sent on an existing
  record; without it, lines sent are added to the ones it holds. Lines are numbered by `line`.
- `PATCH .../<type>/<id>?replace=<sublist>` updates a record the same way; other fields merge.
- An item transaction (salesOrder, invoice, creditMemo, cashRefund) without an item line is
  refused, on create and when an update would leave it with none: "You must enter at least one
  line item for this transaction."
- Transactions with an `item` sublist get subtotal (sum of line amounts) and total (subtotal
  plus taxTotal when given).
- `GET .../<type>?limit=&offset=` lists {links, count, hasMore, items: [{links, id}], offset,
  totalResults}; `GET .../<type>/<id>` returns the record, sublists expanded with
  `expandSubResources=true` and only linked otherwise.
- Errors: {type, title, status, o:errorDetails: [{detail, o:errorCode}]}. Faults as in FakeServer.
"""
from __future__ import annotations

import itertools
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply
from integration_hub.erp.netsuite_auth import TokenCredentials, parse_authorization, sign, signature_base_string

PREFIX = "/services/rest/record/v1/"
ITEM_RECORDS = ("inventoryItem", "nonInventorySaleItem", "serviceSaleItem")
# Transactions NetSuite keeps only with at least one line in their item sublist.
ITEM_TRANSACTIONS = ("salesOrder", "invoice", "creditMemo", "cashRefund", "purchaseOrder", "itemFulfillment")
CUSTOMER_FIELDS = ("entity", "customer", "parent", "company")
# Reference fields naming other record types than customers and items; `entity` on these
# transactions names a vendor.
REFERENCES = {"supervisor": ("employee",), "createdFrom": ("salesOrder",),
              "custrecord_ih_stock_item": ITEM_RECORDS, "custrecord_ih_ship_order": ("salesOrder",)}
VENDOR_TRANSACTIONS = ("purchaseOrder",)
# Record types NetSuite creates only by transforming another record: {type: source type}.
TRANSFORMED = {"itemFulfillment": "salesOrder"}
UNTOTALLED = ("itemFulfillment",)   # a fulfilment moves quantities, it carries no amounts
# Items every hub account is set up with (the invoice's service and tax lines, the refund line,
# the purchase line of a PO line that names no item).
CONFIGURED_ITEMS = ("hub-service", "hub-sales-tax", "hub-refund", "hub-purchase")
Rule = Callable[[str, dict], "str | None"]


def error_body(status: int, code: str, detail: str) -> dict:
    titles = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}
    return {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5", "title": titles.get(status, "Error"),
            "status": status, "o:errorDetails": [{"detail": detail, "o:errorCode": code}]}


def rate_limit_fault(status: int = 429, times: int = 1, retry_after: str | None = None) -> Fault:
    """The answer NetSuite gives past the account's request limit."""
    detail = "The request could not be processed because you have exceeded your request limit."
    return Fault(status, times, retry_after, error_body(status, "SSS_REQUEST_LIMIT_EXCEEDED", detail))


def negative_total_rule(record: str, body: dict) -> str | None:
    """NetSuite's refusal of a transaction line with a negative amount."""
    for line in (body.get("item") or {}).get("items", []):
        if float(line.get("amount") or 0) < 0:
            return "Invalid amount. The amount of a line must be greater than or equal to zero."
    return None


def _totalled(record: dict, kind: str = "") -> dict:
    """A transaction's subtotal and total as NetSuite computes them from its item lines."""
    if kind not in UNTOTALLED and ("item" in record or "taxTotal" in record):
        amounts = [float(line.get("amount") or 0) for line in (record.get("item") or {}).get("items", [])]
        record["subtotal"] = round(sum(amounts), 2)
        record["total"] = round(record["subtotal"] + float(record.get("taxTotal") or 0), 2)
        record.setdefault("status", {"id": "open", "refName": "Open"})
    return record


def _numbered(record: dict) -> dict:
    """`record` with the lines of each sublist numbered 1, 2, ... by `line`, as NetSuite numbers them."""
    return {name: {**value, "items": [{**line, "line": n} for n, line in enumerate(value["items"], 1)]}
            if isinstance(value, dict) and isinstance(value.get("items"), list) else value
            for name, value in record.items()}


def _sublists(existing: dict, stored: dict, replace: str) -> dict:
    """`existing` updated by `stored`: a sublist named in `replace` becomes exactly the lines sent,
    another one gets the lines sent added to its own; other fields are overwritten."""
    merged = dict(existing)
    for name, value in stored.items():
        if name in replace.split(",") and isinstance(value, dict) and "items" in value:
            merged[name] = _numbered({name: value})[name]
        elif isinstance(value, dict) and "items" in value and isinstance(existing.get(name), dict):
            merged[name] = _numbered({name: {**value, "items": [*existing[name].get("items", []),
                                                                *value["items"]]}})[name]
        else:
            merged[name] = value
    return merged


def _lineless(record: str, fields: dict) -> str | None:
    """NetSuite's refusal of an item transaction left without an item line."""
    if record in ITEM_TRANSACTIONS and not (fields.get("item") or {}).get("items"):
        return "You must enter at least one line item for this transaction."
    return None


def _error(status: int, code: str, detail: str) -> Reply:
    return Reply.json(status, error_body(status, code, detail))


def _ref_name(record: dict) -> str | None:
    """What NetSuite shows for a referenced record: a name, an item's itemId, a transaction's number."""
    person = " ".join(filter(None, (record.get("firstName"), record.get("lastName"))))
    return record.get("companyName") or record.get("itemId") or record.get("tranId") or person or None


class NetSuiteFake:
    """Context manager serving one NetSuite account on 127.0.0.1; `records[type][id]` holds what it stores."""

    def __init__(self, credentials: TokenCredentials, *, reject: Rule | None = negative_total_rule,
                 faults: Iterable[Fault] = (), tls: ssl.SSLContext | None = None, latency: float = 0.0,
                 items: Iterable[str] = CONFIGURED_ITEMS) -> None:
        self.credentials = credentials
        self.configured_items = set(items)
        self.reject = reject
        self.latency = latency
        self.records: dict[str, dict[str, dict]] = {}
        self.max_in_flight = 0
        self._in_flight = 0
        self._nonces: set[str] = set()
        self._ids = itertools.count(101)
        self._lock = threading.Lock()
        self._server = FakeServer(self._handle, tls=tls, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def inject(self, *faults: Fault) -> None:
        """Append `faults` to the schedule (say, after a first load succeeded)."""
        self._server.inject(*faults)

    def __enter__(self) -> NetSuiteFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def by_external_id(self, record: str, external_id: str) -> dict | None:
        return next((r for r in self.records.get(record, {}).values() if r.get("externalId") == external_id), None)

    def item(self, external_id: str) -> dict | None:
        """The stored item (of any item record type) with this externalId."""
        return next((found for record in ITEM_RECORDS if (found := self.by_external_id(record, external_id))), None)

    # -- authentication ------------------------------------------------------------------------
    def _authenticated(self, request: RecordedRequest) -> bool:
        try:
            params = parse_authorization(request.headers.get("Authorization", ""))
        except ValueError:
            return False
        creds = self.credentials
        if (params.get("realm"), params.get("oauth_consumer_key"), params.get("oauth_token")) != (
                creds.realm, creds.consumer_key, creds.token_id) or params.get("oauth_signature_method") != \
                "HMAC-SHA256":
            return False
        base = signature_base_string(request.method, self.base_url + request.target, params)
        if params.get("oauth_signature") != sign(base, creds.consumer_secret, creds.token_secret):
            return False
        with self._lock:
            if params["oauth_nonce"] in self._nonces:
                return False
            self._nonces.add(params["oauth_nonce"])
        return True

    def _handle(self, request: RecordedRequest) -> Reply:
        if not self._authenticated(request):
            return _error(401, "INVALID_LOGIN", "Invalid login attempt. For more details, see the Login Audit "
                                                "Trail in the NetSuite UI at Setup > Users/Roles > User Management.")
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            time.sleep(self.latency)
            return self._route(request)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _route(self, request: RecordedRequest) -> Reply:
        if not request.path.startswith(PREFIX):
            return _error(404, "NONEXISTENT_ID", f"Record type or path {request.path} does not exist.")
        record, _, key = request.path[len(PREFIX):].partition("/")
        if request.method == "PUT" and key.startswith("eid:"):
            return self._upsert(record, unquote(key[4:]), request.json() or {}, request.param("replace") or "")
        source_key, _, made = key.partition("/!transform/")
        if request.method == "POST" and made:
            return self._transform(record, unquote(source_key), made, request.json() or {})
        if request.method == "PATCH" and key in self.records.get(record, {}):
            return self._patch(record, key, request.json() or {}, request.param("replace") or "")
        if request.method == "GET" and not key:
            return self._list(record, request)
        if request.method == "GET" and key in self.records.get(record, {}):
            return Reply.json(200, self._view(record, key, request.param("expandSubResources") == "true"))
        return _error(404, "NONEXISTENT_ID", f"The record instance does not exist. Provide a valid record "
                                             f"instance ID: {key or record}.")

    # -- records ---------------------------------------------------------------------------------
    def _resolve(self, value: Any, field: str, record: str = "") -> tuple[Any, str | None]:
        """References by externalId become {id, refName}; a missing record is an error message."""
        if isinstance(value, dict) and set(value) == {"externalId"}:
            kinds = ("vendor",) if field == "entity" and record in VENDOR_TRANSACTIONS else \
                ("customer",) if field in CUSTOMER_FIELDS else REFERENCES.get(field)
            if kinds:
                found = next((f for kind in kinds if (f := self.by_external_id(kind, value["externalId"]))), None)
                if found is None:
                    return None, f"Invalid {field} reference key {value['externalId']}."
                return {"id": found["id"], "refName": _ref_name(found)}, None
            if field == "item":
                found = self.item(value["externalId"])
                if found is not None:
                    return {"id": found["id"], "refName": found.get("itemId")}, None
                if value["externalId"] not in self.configured_items:
                    return None, f"Invalid item reference key {value['externalId']}."
            return {"id": value["externalId"], "refName": value["externalId"]}, None
        if isinstance(value, dict):
            out = {}
            for name, inner in value.items():
                out[name], problem = self._resolve(inner, name, record)
                if problem:
                    return None, problem
            return out, None
        if isinstance(value, list):
            resolved = [self._resolve(v, field, record) for v in value]
            problem = next((p for _, p in resolved if p), None)
            return [v for v, _ in resolved], problem
        return value, None

    def _upsert(self, record: str, external_id: str, body: dict, replace: str) -> Reply:
        problem = self.reject(record, body) if self.reject else None
        stored, reference_problem = self._resolve(body, "", record)
        if not (problem or reference_problem):
            with self._lock:
                existing = self.by_external_id(record, external_id)
            if existing is None and record in TRANSFORMED:
                problem = (f"A {record} is created from its {TRANSFORMED[record]}: POST {PREFIX}"
                           f"{TRANSFORMED[record]}/<id>/!transform/{record}.")
            problem = problem or _lineless(record, stored if existing is None else _sublists(existing, stored, replace))
        problem = problem or reference_problem
        if problem:
            return _error(400, "USER_ERROR", f"Error while accessing a resource. {problem}")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            existing = self.by_external_id(record, external_id)
            internal_id = existing["id"] if existing else str(next(self._ids))
            merged = {**(existing or {"dateCreated": now}), **(_sublists(existing, stored, replace) if existing else
                                                               _numbered(stored)),
                      "externalId": external_id, "id": internal_id, "lastModifiedDate": now}
            self.records.setdefault(record, {})[internal_id] = _totalled(merged, record)
        return Reply(204, b"", {"Location": f"{self.base_url}{PREFIX}{record}/{internal_id}"})

    def _transform(self, source: str, key: str, record: str, body: dict) -> Reply:
        """A new `record` made from the `source` record `key` (an internal id or eid:<externalId>)."""
        with self._lock:
            found = self.by_external_id(source, unquote(key[4:])) if key.startswith("eid:") else \
                self.records.get(source, {}).get(key)
        if found is None:
            return _error(404, "NONEXISTENT_ID", f"The record instance does not exist. Provide a valid record "
                                                 f"instance ID: {source} {key}.")
        if TRANSFORMED.get(record) != source:
            return _error(400, "INVALID_TRANSFORM", f"A {source} cannot be transformed into a {record}.")
        external_id = body.get("externalId")
        body = {name: value for name, value in body.items() if name not in ("createdFrom", "entity")}
        problem = self.reject(record, body) if self.reject else None
        stored, reference_problem = self._resolve(body, "", record)
        problem = problem or reference_problem or _lineless(record, stored)
        on_order = {line["item"]["id"] for line in (found.get("item") or {}).get("items", [])}
        stray = [line["item"]["refName"] for line in (stored or {}).get("item", {}).get("items", [])
                 if line.get("item", {}).get("id") not in on_order]
        if not problem and stray:
            problem = f"You cannot fulfill items that are not on {source} {found.get('tranId')}: {', '.join(stray)}."
        if problem:
            return _error(400, "USER_ERROR", f"Error while accessing a resource. {problem}")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            if external_id and self.by_external_id(record, external_id):
                return _error(400, "DUP_RCRD", f"A {record} with external ID {external_id} already exists.")
            internal_id = str(next(self._ids))
            self.records.setdefault(record, {})[internal_id] = _totalled({
                **_numbered(stored), "createdFrom": {"id": found["id"], "refName": found.get("tranId")},
                "entity": found.get("entity"), "externalId": external_id, "id": internal_id, "dateCreated": now,
                "lastModifiedDate": now}, record)
        return Reply(204, b"", {"Location": f"{self.base_url}{PREFIX}{record}/{internal_id}"})

    def _patch(self, record: str, internal_id: str, body: dict, replace: str) -> Reply:
        problem = self.reject(record, body) if self.reject else None
        stored, reference_problem = self._resolve(body, "", record)
        if not (problem or reference_problem):
            with self._lock:
                problem = _lineless(record, _sublists(self.records[record][internal_id], stored, replace))
        problem = problem or reference_problem
        if problem:
            return _error(400, "USER_ERROR", f"Error while accessing a resource. {problem}")
        with self._lock:
            merged = _sublists(self.records[record][internal_id], stored, replace)
            merged["lastModifiedDate"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.records[record][internal_id] = _totalled(merged, record)
        return Reply(204)

    def _view(self, record: str, internal_id: str, expand: bool) -> dict:
        href = f"{self.base_url}{PREFIX}{record}/{internal_id}"
        out = {"links": [{"rel": "self", "href": href}]}
        for name, value in self.records[record][internal_id].items():
            if isinstance(value, dict) and "items" in value and not expand:
                value = {"links": [{"rel": "self", "href": f"{href}/{name}"}]}
            out[name] = value
        return out

    def _list(self, record: str, request: RecordedRequest) -> Reply:
        limit, offset = request.param("limit") or "1000", request.param("offset") or "0"
        if not (limit.isdigit() and offset.isdigit()) or not 1 <= int(limit) <= 1000:
            return _error(400, "INVALID_PARAMETER", f"Invalid query parameter value: limit={limit}, offset={offset}.")
        limit, offset = int(limit), int(offset)
        ids = sorted(self.records.get(record, {}), key=int)
        page = ids[offset:offset + limit]
        base = f"{self.base_url}{PREFIX}{record}"
        links = [{"rel": "self", "href": f"{base}?limit={limit}&offset={offset}"}]
        if offset + limit < len(ids):
            links.insert(0, {"rel": "next", "href": f"{base}?limit={limit}&offset={offset + limit}"})
        return Reply.json(200, {
            "links": links, "count": len(page), "hasMore": offset + limit < len(ids),
            "items": [{"links": [{"rel": "self", "href": f"{base}/{i}"}], "id": i} for i in page],
            "offset": offset, "totalResults": len(ids)})
