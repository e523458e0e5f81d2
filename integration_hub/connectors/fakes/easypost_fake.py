"""A local EasyPost account: the shipments and trackers "retrieve all" lists, in EasyPost's shapes.

- HTTP Basic with the API key as user name (any password); anything else is 401
  {"error": {"code": "APIKEY.REQUIRED" or "APIKEY.INACTIVE", "message": ...}}.
- `GET /v2/shipments` and `GET /v2/trackers` with `page_size` (1-100, default 20; more is 422
  PARAMETER.INVALID), `before_id`, `after_id` and `start_datetime` answer
  {<collection>: [...], has_more}, newest first (created_at, then id).
- Rate limit: `limit` calls per `window` seconds, sliding (EasyPost: 5 a second on index
  endpoints); over it, 429 {"error": {"code": "RATE_LIMITED", ...}}. 5xx and malformed bodies
  come from `faults`.
"""
from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from integration_hub.connectors.fakes.rate_window import SlidingWindow
from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply

COLLECTIONS = ("shipments", "trackers")


def _stamp(value: str) -> datetime:
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _error(status: int, code: str, message: str) -> Reply:
    return Reply.json(status, {"error": {"code": code, "message": message, "errors": []}})


class EasyPostFake:
    """Context manager serving `shipments` and `trackers` (EasyPost objects with id and created_at)."""

    def __init__(self, shipments: Iterable[dict[str, Any]] = (), trackers: Iterable[dict[str, Any]] = (), *,
                 api_key: str = "EZTKfake0000", limit: int = 1000, window: float = 1.0,
                 faults: Iterable[Fault] = ()) -> None:
        self.api_key = api_key
        self.rate = SlidingWindow(limit, window)
        self._objects: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self._inactive = False
        self._lock = threading.Lock()
        self.upsert("shipments", *shipments)
        self.upsert("trackers", *trackers)
        self._server = FakeServer(self._handle, faults=faults)
        self.base_url = f"{self._server.base_url}/v2"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> EasyPostFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def upsert(self, collection: str, *objects: dict[str, Any]) -> None:
        with self._lock:
            self._objects[collection].update({o["id"]: dict(o) for o in objects})

    def deactivate_key(self) -> None:
        with self._lock:
            self._inactive = True

    def _handle(self, request: RecordedRequest) -> Reply:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        user = base64.b64decode(encoded).decode().partition(":")[0] if scheme == "Basic" else ""
        if user != self.api_key:
            return _error(401, "APIKEY.REQUIRED", "We couldn't authenticate you. Please check your API key.")
        if self._inactive:
            return _error(401, "APIKEY.INACTIVE", "This API key is no longer active.")
        if self.rate.take() is not None:
            return _error(429, "RATE_LIMITED", "You have exceeded the rate limit. Please retry shortly.")
        collection = request.path.removeprefix("/v2/")
        if request.method != "GET" or collection not in COLLECTIONS:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        return self._list(request, collection)

    def _list(self, request: RecordedRequest, collection: str) -> Reply:
        size = int(request.param("page_size") or 20)
        if not 1 <= size <= 100:
            return _error(422, "PARAMETER.INVALID", "page_size must be between 1 and 100")
        with self._lock:
            objects = sorted(self._objects[collection].values(), key=lambda o: (_stamp(o["created_at"]), o["id"]),
                             reverse=True)
        if request.param("start_datetime"):
            start = _stamp(request.param("start_datetime"))
            objects = [o for o in objects if _stamp(o["created_at"]) >= start]
        ids = [o["id"] for o in objects]
        if request.param("before_id"):
            before = request.param("before_id")
            objects = objects[ids.index(before) + 1:] if before in ids else []
        elif request.param("after_id"):
            after = request.param("after_id")
            objects = objects[:ids.index(after)][-size:] if after in ids else objects[-size:]
        return Reply.json(200, {collection: objects[:size], "has_more": len(objects) > size})
