"""Acumatica through the contract-based REST API (the Default endpoint).

A cookie session: `POST /entity/auth/login` {name, password, company, branch} once, the
session cookie on every call, `POST /entity/auth/logout` on close (and a fresh login when
the session expires). Upserts are `PUT /entity/Default/<version>/<Entity>` with every field
wrapped as {"value": ...}; a record the hub posted before is addressed by its Acumatica id.
Reads page with `$top`/`$skip` until a short page. A refusal (422 with per-field "error"
entries, or an error message) rejects the record with Acumatica's own words. 429 and 5xx
answers to PUT and GET are retried by the shared HTTP session, honouring Retry-After.

Acumatica numbers payments, refunds, CR orders and contacts itself, so a PUT of a new one
creates and is not idempotent: sent again after its answer was lost, it would create a second
record. An SO order created with its Details is not idempotent either (lines without an id are
added again). Such a create first looks the record up by the hub's key (acumatica_lookup:
PaymentRef, ExternalRef, a contact's EXTERNALREF attribute among its business account's
contacts); the create itself is never replayed after the server may have acted on it
(timeout, reset, 5xx), it comes back rejected instead and the next run's look-up finds it if
it landed, and updates it (an order's Details matched as below).

A document carrying its own detail lines (an invoice's service and tax lines) is sent with the
line ids of the record Acumatica holds (found by id, else by Type + ReferenceNbr), its extra
lines deleted: Acumatica adds every line sent without an id, so an update or a resent create
would otherwise double them.

Lines (sales_order_line, purchase_order_line, fulfilment_line) are written into their document:
it is fetched by its id with its Details, and one PUT {id, Details} updates the lines whose key
(ExternalRef, or the hub's key in the line's note) matches a line sent, adds the new ones and
removes ({"id", "delete": true}) those not sent, so the document's lines become exactly the lines
sent while kept lines keep their LineNbr. A new document is created with its lines in one PUT.
A shipment's lines each name the shipment's order (its Orders[0]), which the target copies onto them.

Inventory levels are adjustments computed from what Acumatica holds (acumatica_lookup.StockLevels).
"""
from __future__ import annotations

import os
import threading
from typing import Any

import requests

from integration_hub.connectors.http import RETRY_STATUSES, build_session, not_replayed
from integration_hub.erp.acumatica_lookup import LOOKUPS, Lookup, StockLevels, quoted
from integration_hub.erp.posting import PostingLog
from integration_hub.erp.rest_target import RestTarget, Sent
from integration_hub.erp.specs import ErpSpec, load_specs
from integration_hub.erp.specs.documents import flatten

DEFAULT_VERSION = "23.200.001"


# Entities Acumatica matches on key fields in a PUT (an existing one is updated, not created).
HELD_BY_KEY = {"Invoice": ("Type", "ReferenceNbr"), "Customer": ("CustomerID",), "Vendor": ("VendorID",),
               "Employee": ("EmployeeID",), "PurchaseOrder": ("Type", "OrderNbr")}
# Documents whose lines must each name what the header names once: {record: (header list, fields)}.
HEADER_ON_LINES = {"Shipment": ("Orders", ("OrderType", "OrderNbr"))}


def wrap(document: Any) -> Any:
    """Every scalar field becomes {"value": scalar}; nested entities and detail lists keep their shape."""
    if isinstance(document, dict):
        return {name: wrap(value) for name, value in document.items()}
    if isinstance(document, list):
        return [wrap(item) for item in document]
    return {"value": document}


def error_message(response: requests.Response) -> str:
    """Acumatica's words: per-field "error" entries of a 422, else message/exceptionMessage."""
    try:
        body = response.json()
    except ValueError:
        return f"Acumatica {response.status_code}: {response.text[:500] or response.reason}"
    errors = [f"{path.removesuffix('.error')}: {text}" for path, text in flatten(body).items()
              if path.endswith(".error") and text]
    if not errors and isinstance(body, dict):
        errors = [str(body.get("exceptionMessage") or body.get("message") or body)]
    return f"Acumatica {response.status_code}: " + "; ".join(errors)


class AcumaticaTarget(StockLevels, RestTarget):
    """Customers (with parent accounts), stock and non-stock items, sales orders and their lines,
    order refunds (CR orders), contacts, opportunities, AR invoices and credit memos, payments and
    refunds, vendors, purchase orders and their lines, employees (managers first), inventory levels
    and fulfilments (Issue shipments with their lines) in one Acumatica tenant."""

    name = "acumatica"

    def __init__(self, base_url: str, user: str, password: str, company: str, postings: PostingLog, *,
                 branch: str | None = None, version: str = DEFAULT_VERSION, concurrency: int = 5,
                 page_size: int = 500, session: requests.Session | None = None, specs=None,
                 base_currency: str = "USD") -> None:
        super().__init__(specs or load_specs("acumatica"), postings, concurrency=concurrency)
        self.base_currency = base_currency
        self.base_url = base_url.rstrip("/")
        self.endpoint = f"{self.base_url}/entity/Default/{version}"
        self._login_body = {"name": user, "password": password, "company": company,
                            **({"branch": branch} if branch else {})}
        self.page_size = page_size
        self.session = session or build_session(system="acumatica")
        self._logged_in = False
        self._login_lock = threading.Lock()

    @staticmethod
    def check_env(url: str | None = None, environ=os.environ) -> str:
        """The instance URL, once every variable a login needs is set (else RuntimeError naming them)."""
        needed = ("ACUMATICA_USER", "ACUMATICA_PASSWORD", "ACUMATICA_COMPANY")
        url = url or environ.get("ACUMATICA_URL")
        missing = [n for n in needed if not environ.get(n)] + ([] if url else ["ACUMATICA_URL"])
        if missing:
            raise RuntimeError(f"Acumatica needs {', '.join(missing)}")
        return url

    @classmethod
    def from_env(cls, postings: PostingLog, url: str | None = None, environ=os.environ, **kwargs) -> AcumaticaTarget:
        url = cls.check_env(url, environ)
        return cls(url, environ["ACUMATICA_USER"], environ["ACUMATICA_PASSWORD"], environ["ACUMATICA_COMPANY"],
                   postings, branch=environ.get("ACUMATICA_BRANCH"),
                   version=environ.get("ACUMATICA_ENDPOINT_VERSION", DEFAULT_VERSION),
                   base_currency=environ.get("ACUMATICA_BASE_CURRENCY", "USD"), **kwargs)

    def login(self) -> None:
        with self._login_lock:
            if self._logged_in:
                return
            response = self.session.post(f"{self.base_url}/entity/auth/login", json=self._login_body)
            if response.status_code not in (200, 204):
                raise PermissionError(f"Acumatica login refused: {error_message(response)}")
            self._logged_in = True

    def _call(self, method: str, url: str, **kwargs) -> requests.Response:
        self.login()
        response = self.session.request(method, url, **kwargs)
        if response.status_code == 401:  # the session expired: log in again once
            with self._login_lock:
                self._logged_in = False
            self.login()
            response = self.session.request(method, url, **kwargs)
        return response

    def _send(self, spec: ErpSpec, document: dict, erp_id: str | None, sublists: tuple[ErpSpec, ...] = ()) -> Sent:
        if spec.record == "InventoryAdjustment":
            return self._adjust(spec, document, erp_id)
        for line_spec in sublists:
            document = {**document, line_spec.sublist: _header_on_lines(spec.record, document,
                                                                        document.get(line_spec.sublist) or [])}
        lookup = LOOKUPS.get(spec.record)
        creates = (not erp_id and lookup is not None and lookup.keyed(document)
                   and (bool(sublists) or not lookup.numbered(document)))
        body = wrap(document)
        if creates:
            found = self._find(spec, lookup, document, tuple(s.sublist for s in sublists))
            if found is not None:   # a create whose answer was lost earlier: update what it made
                creates, erp_id = False, str(found.get("id"))
                for line_spec in sublists:
                    body[line_spec.sublist] = _details(line_spec, found.get(line_spec.sublist) or [],
                                                       document.get(line_spec.sublist) or [])
        if not creates and not sublists:
            self._name_held_lines(spec, document, body, erp_id)
        if erp_id:
            body["id"] = erp_id
        url = f"{self.endpoint}/{spec.record}"
        if creates:
            try:
                with not_replayed():
                    response = self._call("PUT", url, json=body)
            except requests.RequestException as error:
                return Sent(False, message=f"{spec.record} {_name(document)}: no answer from acumatica to a create "
                                           f"({error}); not sent again: the next run looks it up by {lookup.key} first")
            if response.status_code in RETRY_STATUSES - {429}:
                return Sent(False, message=f"{spec.record} {_name(document)}: {error_message(response)} to a create; "
                                           f"not sent again: the next run looks it up by {lookup.key} first")
        else:
            response = self._call("PUT", url, json=body)
        if response.status_code == 200:
            try:
                return Sent(True, str(response.json().get("id") or erp_id))
            except ValueError:
                return Sent(False, message=f"{spec.record} {_name(document)}: Acumatica 200 to PUT {url}: "
                                           "malformed JSON in the answer")
        return Sent(False, message=f"{spec.record} {_name(document)}: {error_message(response)}")

    def _name_held_lines(self, spec: ErpSpec, document: dict, body: dict, erp_id: str | None) -> None:
        """Give the detail lists a document carries (an invoice's service and tax lines) the line ids of
        the record Acumatica already holds, by position, and delete its extra lines: Acumatica adds a
        line sent without an id, so an update, or a create sent again after a lost answer, would
        otherwise double them. The held record is found by id, else by its key fields."""
        lists = [name for name, value in body.items() if isinstance(value, list)]
        keys = HELD_BY_KEY.get(spec.record, ())
        if not lists or not (erp_id or (keys and all(document.get(k) not in (None, "") for k in keys))):
            return
        url, expand = f"{self.endpoint}/{spec.record}", {"$expand": ",".join(lists)}
        if erp_id:
            response = self._call("GET", f"{url}/{erp_id}", params=expand)
            held = response.json() if response.status_code == 200 else None
        else:
            condition = " and ".join(f"{k} eq '{quoted(document[k])}'" for k in keys)
            response = self._call("GET", url, params={"$filter": condition, **expand})
            found = _json_list(response, f"{spec.record} look-up") if response.status_code == 200 else []
            held = found[0] if len(found) == 1 else None
        if response.status_code not in (200, 404):
            raise requests.RequestException(f"reading {spec.record} {_name(document)} before an update: "
                                            f"{error_message(response)}")
        for name in lists if isinstance(held, dict) else ():
            current = [line.get("id") for line in held.get(name) or [] if line.get("id")]
            body[name] = [{**line, "id": current[i]} if i < len(current) else line
                          for i, line in enumerate(body[name])]
            body[name] += [{"id": line_id, "delete": True} for line_id in current[len(body[name]):]]

    def _send_lines(self, spec: ErpSpec, parent_erp_id: str, parent_key: str, lines: list[dict]) -> Sent:
        url = f"{self.endpoint}/{spec.record}"
        header = HEADER_ON_LINES.get(spec.record, (None,))[0]
        expand = ",".join(n for n in (spec.sublist, header) if n)
        response = self._call("GET", f"{url}/{parent_erp_id}", params={"$expand": expand})
        if response.status_code != 200:
            return Sent(False, message=f"{spec.record} {parent_key} {spec.sublist}: {error_message(response)}")
        try:
            held = response.json()
            current = held.get(spec.sublist) or []
        except (ValueError, AttributeError):
            return Sent(False, message=f"{spec.record} {parent_key}: malformed JSON in the answer to GET {url}")
        if header:
            lines = _header_on_lines(spec.record, flatten_header(held, header), lines)
        response = self._call("PUT", url, json={"id": parent_erp_id, spec.sublist: _details(spec, current, lines)})
        if response.status_code == 200:
            return Sent(True, parent_erp_id)
        return Sent(False, message=f"{spec.record} {parent_key} {spec.sublist}: {error_message(response)}")

    def _find(self, spec: ErpSpec, lookup: Lookup, document: dict, expand: tuple[str, ...] = ()) -> dict | None:
        """The record of this type (as read, with `expand`) that a create of `document` made, if any."""
        params, skip = lookup.params(document, expand), 0
        while True:
            response = self._call("GET", f"{self.endpoint}/{spec.record}",
                                  params={**params, "$top": self.page_size, "$skip": skip})
            if response.status_code != 200:
                key = flatten(document)[lookup.key]
                raise requests.RequestException(f"looking up {spec.record} {lookup.key}={key}: {error_message(response)}")
            page = _json_list(response, f"{spec.record} look-up")
            found = next((record for record in page if lookup.matches(record, document)), None)
            if found is not None or len(page) < self.page_size:
                return found
            skip += len(page)

    def _decoder(self, spec: ErpSpec):
        """A fulfilment names its order by OrderNbr (Orders[0]): back to the order's external id."""
        if spec.entity != "fulfilment":
            return super()._decoder(spec)
        orders = {r.get("OrderNbr"): r.get("ExternalRef") for r in self._read_all(next(
            s for s in self.specs["sales_order"])) if r.get("OrderType") == "SO"}
        return lambda column, value: (orders.get(value) if column == "order_external_id" else self.unkey(value))

    def _read_all(self, spec: ErpSpec) -> list[dict[str, Any]]:
        details = sorted({p.split(".")[0].split("[")[0] for f in spec.inbound.fields for p in f.sources
                          if "[" in p and not p.startswith("parent.")} | ({spec.sublist} if spec.sublist else set()))
        if spec.record == "InventoryAdjustment":
            return self._levels(self._pages(spec.record, ["Details"]))
        return self._pages(spec.record, details)

    def _pages(self, record: str, details: list[str]) -> list[dict[str, Any]]:
        """Every `record`, with the detail lists `details`, flattened."""
        records, skip = [], 0
        while True:
            params = {"$top": self.page_size, "$skip": skip, **({"$expand": ",".join(details)} if details else {})}
            response = self._call("GET", f"{self.endpoint}/{record}", params=params)
            if response.status_code != 200:
                raise RuntimeError(f"reading {record}: {error_message(response)}")
            page = _json_list(response, f"reading {record}")
            records.extend(flatten(record, unwrap=True) for record in page)
            if len(page) < self.page_size:
                return records
            skip += len(page)

    def close(self) -> None:
        if self._logged_in:
            self.session.post(f"{self.base_url}/entity/auth/logout")
            self._logged_in = False
        self.session.close()
        self.postings.close()


def _json_list(response: requests.Response, what: str) -> list:
    try:
        page = response.json()
    except ValueError:
        raise RuntimeError(f"{what}: Acumatica {response.status_code} to GET {response.url}: "
                           "malformed JSON in the answer") from None
    if not isinstance(page, list):
        raise RuntimeError(f"{what}: Acumatica {response.status_code}: expected a list of records")
    return page


def _name(document: dict) -> str:
    key = next((k for k in ("ReferenceNbr", "PaymentRef", "OrderNbr", "ExternalRef", "InventoryID", "OpportunityID",
                            "CustomerID", "VendorID", "EmployeeID", "Description") if k in document), None)
    return f"{key}={document[key]}" if key else "record"


def _details(spec: ErpSpec, current: list[dict], lines: list[dict]) -> list[dict]:
    """`lines` as the body of `spec.sublist` that makes a document's lines exactly them: a line whose
    key matches one in `current` (as read) updates it by id, new ones are added, the rest deleted."""
    key = next(f.sources[0] for f in spec.inbound.fields if f.target == "external_id")
    held = {flatten(line, unwrap=True).get(key): line.get("id") for line in current}
    sent = []
    for line in lines:
        body = wrap(line)
        if line.get(key) in held:
            body["id"] = held.pop(line.get(key))
        sent.append(body)
    return sent + [{"id": line_id, "delete": True} for line_id in held.values() if line_id]


def flatten_header(record: dict, name: str) -> dict:
    """{name: [entries unwrapped]} of a record as read, for _header_on_lines."""
    return {name: [{k: (v.get("value") if isinstance(v, dict) else v) for k, v in entry.items()}
                   for entry in record.get(name) or []]}


def _header_on_lines(record: str, header: dict, lines: list[dict]) -> list[dict]:
    """`lines` each given the fields the document's header list names once (a shipment's order)."""
    if record not in HEADER_ON_LINES:
        return lines
    name, fields = HEADER_ON_LINES[record]
    first = (header.get(name) or [{}])[0] or {}
    return [{**{f: first.get(f) for f in fields if first.get(f) is not None}, **line} for line in lines]
