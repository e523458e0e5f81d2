"""A local Acumatica contract-based REST API (Default endpoint), in its documented shapes.

- `POST /entity/auth/login` {name, password, company[, branch]} sets the .ASPXAUTH session
  cookie; `POST /entity/auth/logout` ends it. Entity calls without a live session get 401.
- `PUT /entity/Default/<version>/<Entity>` takes fields wrapped as {"value": ...}: a body
  "id" updates that record, matching key fields (Customer: CustomerID; Invoice and Payment:
  Type + ReferenceNbr) update, anything else creates. The answer is the stored record (200).
  A refusal is 422 with the record echoed and an "error" beside the offending field.
- `GET /entity/Default/<version>/<Entity>?$top=&$skip=&$expand=Details` lists records;
  `$filter=Field eq 'value' [and ...]` keeps those whose fields equal the values;
  `GET .../<Entity>/<id>` returns one record.
- Detail lists on an update: entries with an "id" update that line, {"id", "delete": true}
  removes it, entries without an id are added (so a document sent again with id-less lines
  would hold them twice, as on Acumatica). Sales order lines get LineNbr 1, 2, ... and
  keep theirs when updated.
- References are checked: CustomerID (documents; required on a create), ParentRecord
  (Customer), BusinessAccount (Contact, Opportunity) must name a Customer, and a sales order
  line's InventoryID a StockItem or NonStockItem (or one of the tenant's configured `items`).
- Numbering: Payment ReferenceNbr, a SalesOrder without OrderNbr and Contact ContactID are
  assigned. SalesOrder: Totals.LineTotalAmount is the sum of the lines' ExtendedPrice,
  OrderTotal that plus TaxTotal.
- Operations: Vendor (VendorID), Employee (EmployeeID; EmployeeSettings.ReportsToID must name an
  Employee), PurchaseOrder (Type + OrderNbr; VendorID must name a Vendor, a line's InventoryID an
  item; OrderTotal is the sum of the lines' ExtendedCost, QtyOnReceipts 0 until receipts),
  Shipment (ShipmentNbr assigned; CustomerID a Customer, WarehouseID one of the tenant's
  `warehouses`, each line's OrderNbr an SO order holding the line's InventoryID) and
  InventoryAdjustment (ReferenceNbr assigned; a line's InventoryID a StockItem, WarehouseID a
  warehouse). `POST .../InventoryAdjustment/ReleaseInventoryAdjustment` {"entity": {"id"}} releases
  one (204): each line adds Qty to the item's stock at the warehouse and ExtendedCost to its value
  (else Qty x UnitCost, else Qty at the stock's average cost); stock never goes below zero.
  `PUT .../InventorySummaryInquiry?$expand=Results` {InventoryID, WarehouseID} answers the stock
  as Results (QtyOnHand, QtyAvailable, EstimatedUnitCost, EstimatedTotalCost).
"""
from __future__ import annotations

import itertools
import re
import secrets
import ssl
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply
from integration_hub.erp.specs.documents import flatten

KEYS = {"Customer": ("CustomerID",), "Invoice": ("Type", "ReferenceNbr"), "Payment": ("Type", "ReferenceNbr"),
        "SalesOrder": ("OrderType", "OrderNbr"), "StockItem": ("InventoryID",), "NonStockItem": ("InventoryID",),
        "Contact": ("ContactID",), "Opportunity": ("OpportunityID",), "Vendor": ("VendorID",),
        "Employee": ("EmployeeID",), "PurchaseOrder": ("Type", "OrderNbr"), "Shipment": ("Type", "ShipmentNbr"),
        "InventoryAdjustment": ("ReferenceNbr",)}
DOCUMENTS = ("Invoice", "Payment", "SalesOrder", "Shipment")
STATUSED = (*DOCUMENTS, "PurchaseOrder")
CONFIGURED_WAREHOUSES = ("WH-EAST", "WH-WEST")
ACCOUNT_FIELDS = {"Customer": "ParentRecord", "Contact": "BusinessAccount", "Opportunity": "BusinessAccount"}
CONFIGURED_ITEMS = ("HUB-REFUND",)
COOKIE = ".ASPXAUTH"
Rule = Callable[[str, dict], "tuple[str, str] | None"]


def negative_balance_rule(entity: str, fields: dict) -> tuple[str, str] | None:
    """Acumatica refuses a document whose lines add up to less than zero."""
    if entity == "Invoice" and _total(fields) < 0:
        return "Amount", "The document balance cannot be negative."
    return None


def _total(fields: dict) -> float:
    amounts = [float(v or 0) for k, v in fields.items() if k.startswith("Details[") and k.endswith("].Amount")]
    return round(sum(amounts), 2)


def _merged_details(stored: list | None, sent: list) -> list:
    """A detail list after an update, as Acumatica merges it: an entry with a line id updates (or with
    "delete": true removes) that line; an entry without one is added, even on an update."""
    if stored is None:
        return [{"id": str(uuid.uuid4()), **line} for line in sent]
    out = [dict(line) for line in stored]
    for line in sent:
        match = next((i for i, held in enumerate(out) if line.get("id") and held.get("id") == line["id"]), None)
        if match is not None and line.get("delete") is True:
            out.pop(match)
        elif match is not None:
            out[match].update(line)
        elif line.get("delete") is not True:
            out.append({**line, "id": str(uuid.uuid4())})
    return out


def _number_lines(record: dict) -> None:
    """LineNbr for sales order lines that have none: one past the highest so far."""
    lines = record.get("Details") or []
    highest = max([int((d.get("LineNbr") or {}).get("value") or 0) for d in lines] + [0])
    for line in lines:
        if not (line.get("LineNbr") or {}).get("value"):
            highest += 1
            line["LineNbr"] = {"value": highest}


_CONDITION = re.compile(r"^\s*(\w+) eq '((?:[^']|'')*)'\s*$")


def _filter(text: str | None) -> dict[str, str] | None:
    """`Field eq 'value' and ...` (the OData subset the hub sends) as {field: value}; None when unsupported."""
    if not text:
        return {}
    wanted = {}
    for condition in text.split(" and "):
        match = _CONDITION.match(condition)
        if match is None:
            return None
        wanted[match.group(1)] = match.group(2).replace("''", "'")
    return wanted


def _message(status: int, text: str) -> Reply:
    return Reply.json(status, {"message": "An error has occurred.", "exceptionMessage": text,
                               "exceptionType": "PX.Data.PXException"})


class AcumaticaFake:
    """Context manager serving one Acumatica tenant on 127.0.0.1; `records[entity][id]` holds the wrapped records."""

    def __init__(self, user: str, password: str, company: str, *, version: str = "23.200.001",
                 reject: Rule | None = negative_balance_rule, faults: Iterable[Fault] = (),
                 tls: ssl.SSLContext | None = None, items: Iterable[str] = CONFIGURED_ITEMS,
                 warehouses: Iterable[str] = CONFIGURED_WAREHOUSES) -> None:
        self.credentials = {"name": user, "password": password, "company": company}
        self.configured_items = set(items)
        self.warehouses = set(warehouses)
        self.stock: dict[tuple[str, str], list[float]] = {}   # (item, warehouse) -> [quantity, value]
        self.version, self.reject = version, reject
        self.records: dict[str, dict[str, dict]] = {}
        self.sessions: set[str] = set()
        self.logins = 0
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._server = FakeServer(self._handle, tls=tls, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> AcumaticaFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def inject(self, *faults: Fault) -> None:
        """Answer the next requests with `faults` (after login, unlike faults given at construction)."""
        self._server.inject(*faults)

    def values(self, entity: str) -> list[dict[str, Any]]:
        """Stored records of `entity`, unwrapped to field paths."""
        return [flatten(r, unwrap=True) for r in self.records.get(entity, {}).values()]

    def _session(self, request: RecordedRequest) -> str | None:
        for part in request.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value in self.sessions:
                return value
        return None

    def _handle(self, request: RecordedRequest) -> Reply:
        if request.path == "/entity/auth/login" and request.method == "POST":
            body = request.json() or {}
            if {k: body.get(k) for k in self.credentials} != self.credentials:
                return _message(500, "Invalid credentials. Please try again.")
            token = secrets.token_hex(16)
            with self._lock:
                self.sessions.add(token)
                self.logins += 1
            return Reply(204, b"", {"Set-Cookie": f"{COOKIE}={token}; path=/; HttpOnly"})
        session = self._session(request)
        if request.path == "/entity/auth/logout" and request.method == "POST":
            self.sessions.discard(session)
            return Reply(204)
        if session is None:
            return Reply.json(401, {"message": "You are not logged in."})
        prefix = f"/entity/Default/{self.version}/"
        entity, _, record_id = (request.path[len(prefix):] if request.path.startswith(prefix) else "").partition("/")
        if entity == "InventorySummaryInquiry" and not record_id and request.method == "PUT":
            return self._inquire(request)
        if entity == "InventoryAdjustment" and record_id == "ReleaseInventoryAdjustment" and request.method == "POST":
            return self._release(((request.json() or {}).get("entity") or {}).get("id"))
        if entity not in KEYS:
            return _message(404, f"The {request.path} endpoint or entity does not exist.")
        if record_id:
            found = self.records.get(entity, {}).get(record_id)
            if request.method != "GET" or found is None:
                return _message(404, f"No entity satisfies the condition: id = {record_id}.")
            expand = set((request.param("$expand") or "").split(",")) - {""}
            return Reply.json(200, {k: v for k, v in found.items() if not isinstance(v, list) or k in expand})
        if request.method == "PUT":
            return self._put(entity, request.json() or {})
        if request.method == "GET":
            return self._list(entity, request)
        return _message(405, f"{request.method} is not supported here.")

    def _find(self, entity: str, body: dict, fields: dict) -> dict | None:
        stored = self.records.get(entity, {})
        if body.get("id"):
            return stored.get(body["id"])
        key = tuple(fields.get(k) for k in KEYS[entity])
        if None in key:
            return None
        return next((r for r in stored.values() if tuple(flatten(r, unwrap=True).get(k) for k in KEYS[entity]) == key),
                    None)

    def _problem(self, entity: str, body: dict, fields: dict, existing: dict | None) -> tuple[str, str] | None:
        problem = self.reject(entity, fields) if self.reject else None
        if problem:
            return problem
        customers = {r.get("CustomerID") for r in self.values("Customer")}
        if entity in DOCUMENTS and (fields.get("CustomerID") is not None or existing is None) \
                and fields.get("CustomerID") not in customers:
            return "CustomerID", "'Customer' cannot be found in the system."
        account = ACCOUNT_FIELDS.get(entity)
        if account and fields.get(account) is not None and fields[account] not in customers:
            return account, f"'{account}' cannot be found in the system."
        if entity in ("SalesOrder", "PurchaseOrder", "Shipment"):
            items = {r.get("InventoryID") for e in ("StockItem", "NonStockItem") for r in self.values(e)}
            for line in body.get("Details") or []:
                inventory = (line.get("InventoryID") or {}).get("value")
                if inventory is not None and inventory not in items | self.configured_items:
                    return "Details", f"Inventory ID '{inventory}' cannot be found in the system."
        return self._operations_problem(entity, body, fields, existing)

    def _operations_problem(self, entity: str, body: dict, fields: dict, existing: dict | None) -> tuple[str, str] | None:
        if entity == "PurchaseOrder" and (fields.get("VendorID") is not None or existing is None) \
                and fields.get("VendorID") not in {r.get("VendorID") for r in self.values("Vendor")}:
            return "VendorID", "'Vendor' cannot be found in the system."
        manager = fields.get("EmployeeSettings.ReportsToID")
        if entity == "Employee" and manager is not None \
                and manager not in {r.get("EmployeeID") for r in self.values("Employee")}:
            return "EmployeeSettings", f"'Reports To' cannot be found in the system: {manager}."
        lines = [flatten(line, unwrap=True) for line in body.get("Details") or [] if line.get("delete") is not True]
        warehouses = [fields.get("WarehouseID")] + [line.get("WarehouseID") for line in lines]
        if entity in ("Shipment", "InventoryAdjustment"):
            unknown = next((w for w in warehouses if w is not None and w not in self.warehouses), None)
            if unknown is not None:
                return "WarehouseID", f"Warehouse '{unknown}' cannot be found in the system."
        if entity == "Shipment":
            orders = {r.get("OrderNbr"): r for r in self.values("SalesOrder") if r.get("OrderType") == "SO"}
            for line in lines:
                number = line.get("OrderNbr")
                if number is not None and number not in orders:
                    return "Details", f"Order Nbr. '{number}' cannot be found in the system."
                held = {v for k, v in orders.get(number, {}).items() if k.startswith("Details[") and
                        k.endswith("].InventoryID")}
                if number is not None and line.get("InventoryID") not in held:
                    return "Details", (f"The order {number} has no line of item '{line.get('InventoryID')}' "
                                       "to ship.")
        if entity == "InventoryAdjustment":
            stock = {r.get("InventoryID") for r in self.values("StockItem")}
            for line in lines:
                if line.get("InventoryID") not in stock:
                    return "Details", f"Inventory ID '{line.get('InventoryID')}' cannot be found in the system."
        return None

    def _inquire(self, request: RecordedRequest) -> Reply:
        fields = flatten(request.json() or {}, unwrap=True)
        item, warehouse = fields.get("InventoryID"), fields.get("WarehouseID")
        if item not in {r.get("InventoryID") for r in self.values("StockItem")}:
            return Reply.json(422, {"InventoryID": {"value": item, "error": "'Inventory ID' cannot be found in the "
                                                                            "system."}})
        if warehouse is not None and warehouse not in self.warehouses:
            return Reply.json(422, {"WarehouseID": {"value": warehouse, "error": f"Warehouse '{warehouse}' cannot "
                                                                                 "be found in the system."}})
        with self._lock:
            held = {w: v for (i, w), v in self.stock.items() if i == item and warehouse in (None, w) and v[0]}
        results = [{"InventoryID": {"value": item}, "WarehouseID": {"value": w}, "LocationID": {"value": "MAIN"},
                    "QtyOnHand": {"value": q}, "QtyAvailable": {"value": q},
                    "EstimatedUnitCost": {"value": round(c / q, 6)}, "EstimatedTotalCost": {"value": c}}
                   for w, (q, c) in sorted(held.items())]
        expand = set((request.param("$expand") or "").split(","))
        return Reply.json(200, {"id": str(uuid.uuid4()), "InventoryID": {"value": item},
                                "WarehouseID": {"value": warehouse}, **({"Results": results} if "Results" in expand
                                                                        else {})})

    def _release(self, record_id: str | None) -> Reply:
        with self._lock:
            record = self.records.get("InventoryAdjustment", {}).get(record_id or "")
            if record is None:
                return _message(404, f"No entity satisfies the condition: id = {record_id}.")
            if record["Status"]["value"] == "Released":
                return _message(422, "The document has already been released.")
            after = {}
            for line in record.get("Details") or []:
                values = flatten(line, unwrap=True)
                place = (values.get("InventoryID"), values.get("WarehouseID"))
                quantity, value = after.get(place, self.stock.get(place, [0.0, 0.0]))
                moved = float(values.get("Qty") or 0)
                cost = values.get("ExtendedCost")
                if cost is None:
                    unit = values.get("UnitCost")
                    cost = moved * (float(unit) if unit is not None else (value / quantity if quantity else 0.0))
                quantity, value = round(quantity + moved, 6), round(value + float(cost), 6)
                if quantity < 0:
                    return _message(422, f"Updating item '{place[0]}' in warehouse '{place[1]}' caused a negative "
                                         "quantity on hand.")
                after[place] = [quantity, value if quantity else 0.0]
            self.stock.update(after)
            record["Status"] = {"value": "Released"}
        return Reply(204)

    def _put(self, entity: str, body: dict) -> Reply:
        fields = flatten({k: v for k, v in body.items() if k != "id"}, unwrap=True)
        with self._lock:
            existing = self._find(entity, body, fields)
        problem = self._problem(entity, body, fields, existing)
        if problem:
            field, text = problem
            echoed = dict(body)
            echoed[field] = {**(body.get(field) if isinstance(body.get(field), dict) else {"value": None}),
                             "error": text}
            return Reply.json(422, echoed)
        with self._lock:
            existing = self._find(entity, body, fields)
            record = dict(existing or {"id": str(uuid.uuid4()), "rowNumber": 1, "note": {"value": ""},
                                       "CreatedDateTime": {"value": datetime.now(UTC).isoformat()}, "custom": {}})
            for name, value in body.items():
                if name == "id":
                    continue
                record[name] = _merged_details(record.get(name), value) if isinstance(value, list) else value
            if entity == "Payment" and "ReferenceNbr" not in record:
                record["ReferenceNbr"] = {"value": f"{next(self._numbers):06d}"}
            if entity == "SalesOrder" and not (record.get("OrderNbr") or {}).get("value"):
                record["OrderNbr"] = {"value": f"{(record.get('OrderType') or {}).get('value', 'SO')}"
                                               f"{next(self._numbers):06d}"}
            if entity == "Shipment" and not (record.get("ShipmentNbr") or {}).get("value"):
                record["ShipmentNbr"] = {"value": f"SH{next(self._numbers):06d}"}
            if entity == "InventoryAdjustment" and "ReferenceNbr" not in record:
                record["ReferenceNbr"] = {"value": f"IA{next(self._numbers):06d}"}
                record["Status"] = {"value": "On Hold" if (record.get("Hold") or {}).get("value") else "Balanced"}
            if entity == "Contact" and "ContactID" not in record:
                record["ContactID"] = {"value": next(self._numbers)}
            if entity == "Invoice":
                record["Amount"] = record["Balance"] = {"value": _total(fields)}
            if entity == "SalesOrder":
                _number_lines(record)
                lines = round(sum(float((d.get("ExtendedPrice") or {}).get("value") or 0)
                                  for d in record.get("Details") or []), 2)
                record["Totals"] = {"LineTotalAmount": {"value": lines}}
                record["OrderTotal"] = {"value": round(lines + float((record.get("TaxTotal") or {}).get("value") or 0), 2)}
            if entity in ("PurchaseOrder", "Shipment"):
                _number_lines(record)
            if entity == "PurchaseOrder":
                for line in record.get("Details") or []:
                    line.setdefault("QtyOnReceipts", {"value": 0.0})
                record["OrderTotal"] = {"value": round(sum(float((d.get("ExtendedCost") or {}).get("value") or 0)
                                                           for d in record.get("Details") or []), 2)}
            if entity in STATUSED:
                hold = (record.get("Hold") or {}).get("value")
                record["Status"] = {"value": "On Hold" if hold else "Open"}
            self.records.setdefault(entity, {})[record["id"]] = record
        return Reply.json(200, record)

    def _list(self, entity: str, request: RecordedRequest) -> Reply:
        top, skip = request.param("$top"), request.param("$skip") or "0"
        expand = set((request.param("$expand") or "").split(",")) - {""}
        rows = list(self.records.get(entity, {}).values())
        wanted = _filter(request.param("$filter"))
        if wanted is None:
            return _message(400, f"Unsupported $filter: {request.param('$filter')}")
        rows = [r for r in rows if all(str((r.get(k) or {}).get("value")) == v for k, v in wanted.items())]
        rows = rows[int(skip):] if top is None else rows[int(skip):int(skip) + int(top)]
        listed = [{k: v for k, v in r.items() if not isinstance(v, list) or k in expand} for r in rows]
        return Reply.json(200, listed)
