"""A local BambooHR company: directory, changed employees, per-employee fields and meta lists, in BambooHR's shapes.

- HTTP Basic with the API key as user name and any password; anything else is 401 with an
  empty body. Answers are XML unless the request sends `Accept: application/json`.
- `GET /api/v1/employees/directory` -> {fields, employees: [{id, displayName, ...}]} (current ones).
- `GET /api/v1/employees/changed?since=<ISO>` -> {latest, employees: {<id>: {id, action, lastChanged}}}
  for the employees whose lastChanged is at or after `since` (deleted ones as action Deleted).
- `GET /api/v1/employees/<id>?fields=a,b` -> {id, a, b} (null for a field the employee lacks);
  404 with `X-BambooHR-Error-Message` for an unknown id.
- `GET /api/v1/meta/lists` -> the list fields, "department" among them with its options.
- Throttling: over `limit` calls per `window` seconds, 503 with Retry-After (whole seconds).
  Other faults come from `faults`.
"""
from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from integration_hub.connectors.fakes.rate_window import SlidingWindow
from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply

PREFIX = "/api/v1/"
DIRECTORY_FIELDS = ("displayName", "firstName", "lastName", "jobTitle", "workEmail", "department", "location",
                    "supervisor")


def _stamp(value: str) -> datetime:
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class BambooHRFake:
    """Context manager serving `employees` (dicts of BambooHR field -> value, with id and lastChanged)."""

    def __init__(self, employees: Iterable[dict[str, Any]] = (), departments: Iterable[str] = ("Sales", "Finance"), *,
                 api_key: str = "bamboo-fake-key-0001", limit: int = 1000, window: float = 1.0,
                 faults: Iterable[Fault] = ()) -> None:
        self.api_key = api_key
        self.rate = SlidingWindow(limit, window)
        self.departments = list(departments)
        self._employees: dict[str, dict[str, Any]] = {}
        self._deleted: dict[str, str] = {}          # id -> when it was deleted
        self._lock = threading.Lock()
        self.upsert(*employees)
        self._server = FakeServer(self._handle, faults=faults)
        self.base_url = f"{self._server.base_url}/api/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> BambooHRFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def upsert(self, *employees: dict[str, Any]) -> None:
        with self._lock:
            self._employees.update({str(e["id"]): dict(e) for e in employees})

    def delete(self, employee_id: str, when: str) -> None:
        with self._lock:
            self._employees.pop(employee_id, None)
            self._deleted[employee_id] = when

    def _handle(self, request: RecordedRequest) -> Reply:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        user = base64.b64decode(encoded).decode().partition(":")[0] if scheme == "Basic" else ""
        if user != self.api_key:
            return Reply(401, b"", {"X-BambooHR-Error-Message": "Invalid API key"})
        wait = self.rate.take()
        if wait is not None:
            return Reply(503, b"", {"Retry-After": str(wait)})
        if "application/json" not in request.headers.get("Accept", ""):
            return Reply(200, b"<?xml version='1.0'?><directory/>", {"Content-Type": "text/xml"})
        path = request.path.removeprefix(PREFIX)
        if request.method != "GET" or not request.path.startswith(PREFIX):
            return Reply(404, b"", {"X-BambooHR-Error-Message": "Not found"})
        if path == "employees/directory":
            return self._directory()
        if path == "employees/changed":
            return self._changed(request)
        if path == "meta/lists":
            return Reply.json(200, [{"fieldId": 4, "alias": "department", "name": "Department", "manageable": "yes",
                                     "multiple": "no", "options": [{"id": 100 + n, "archived": "no", "name": name}
                                                                   for n, name in enumerate(self.departments)]}])
        if path.startswith("employees/"):
            return self._employee(path.removeprefix("employees/"), request)
        return Reply(404, b"", {"X-BambooHR-Error-Message": "Not found"})

    def _directory(self) -> Reply:
        with self._lock:
            current = [e for e in self._employees.values() if e.get("status", "Active") == "Active"]
        return Reply.json(200, {"fields": [{"id": f, "type": "text", "name": f} for f in DIRECTORY_FIELDS],
                                "employees": [{"id": e["id"], **{f: e.get(f) for f in DIRECTORY_FIELDS}}
                                              for e in current]})

    def _changed(self, request: RecordedRequest) -> Reply:
        since = _stamp(request.param("since") or "1970-01-01T00:00:00Z")
        with self._lock:
            changes = {i: {"id": i, "action": e.get("action", "Updated"), "lastChanged": e["lastChanged"]}
                       for i, e in self._employees.items() if _stamp(e["lastChanged"]) >= since}
            changes |= {i: {"id": i, "action": "Deleted", "lastChanged": when}
                        for i, when in self._deleted.items() if _stamp(when) >= since}
        latest = max((c["lastChanged"] for c in changes.values()), key=_stamp, default=request.param("since"))
        return Reply.json(200, {"latest": latest, "employees": changes})

    def _employee(self, employee_id: str, request: RecordedRequest) -> Reply:
        with self._lock:
            employee = self._employees.get(employee_id)
        if employee is None:
            return Reply(404, b"", {"X-BambooHR-Error-Message": f"Employee {employee_id} not found"})
        fields = [f for f in (request.param("fields") or "").split(",") if f]
        return Reply.json(200, {"id": employee_id, **{f: employee.get(f) for f in fields}})
