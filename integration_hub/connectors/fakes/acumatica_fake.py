"""A local Acumatica contract-based REST API (Default endpoint), in its documented shapes.

- `POST /entity/auth/login` {name, password, company[, branch]} sets the .ASPXAUTH session
  cookie; `POST /entity/auth/logout` ends it. Entity calls without a live session get 401.
- `PUT /entity/Default/<version>/<Entity>` takes fields wrapped as {"value": ...}: a body
  "id" updates that record, matching key fields (Customer: CustomerID; Invoice and Payment:
  Type + ReferenceNbr) update, anything else creates. The answer is the stored record (200).
  A refusal is 422 with the record echoed and an "error" beside the offending field.
- `GET /entity/Default/<version>/<Entity>?$top=&$skip=&$expand=Details` lists records;
  `$filter=Field eq 'value' [and ...]` keeps those whose fields equal the values.
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

KEYS = {"Customer": ("CustomerID",), "Invoice": ("Type", "ReferenceNbr"), "Payment": ("Type", "ReferenceNbr")}
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
                 tls: ssl.SSLContext | None = None) -> None:
        self.credentials = {"name": user, "password": password, "company": company}
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
        entity = request.path[len(prefix):] if request.path.startswith(prefix) else ""
        if entity not in KEYS:
            return _message(404, f"The {request.path} endpoint or entity does not exist.")
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

    def _put(self, entity: str, body: dict) -> Reply:
        fields = flatten({k: v for k, v in body.items() if k != "id"}, unwrap=True)
        problem = self.reject(entity, fields) if self.reject else None
        customer = fields.get("CustomerID")
        if problem is None and entity != "Customer" and not any(
                r.get("CustomerID") == customer for r in self.values("Customer")):
            problem = ("CustomerID", "'Customer' cannot be found in the system.")
        if problem:
            field, text = problem
            echoed = dict(body)
            echoed[field] = {**(body.get(field) or {"value": None}), "error": text}
            return Reply.json(422, echoed)
        with self._lock:
            existing = self._find(entity, body, fields)
            record = dict(existing or {"id": str(uuid.uuid4()), "rowNumber": 1, "note": {"value": ""},
                                       "CreatedDateTime": {"value": datetime.now(UTC).isoformat()}, "custom": {}})
            record.update({k: v for k, v in body.items() if k != "id"})
            if entity == "Payment" and "ReferenceNbr" not in record:
                record["ReferenceNbr"] = {"value": f"{next(self._numbers):06d}"}
            if entity == "Invoice":
                record["Amount"] = record["Balance"] = {"value": _total(fields)}
            if entity != "Customer":
                record["Status"] = {"value": "On Hold" if fields.get("Hold") else "Open"}
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
