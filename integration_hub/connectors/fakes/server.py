"""A threaded HTTP(S) server on 127.0.0.1 for vendor-API fakes.

Tests and demos talk to these instead of the real APIs: no network, documented response
shapes, and faults on demand. A fault schedule is a list of `Fault`s consumed in order: each
request takes the first pending fault whose `path` and `method` match it (any when None), after
that fault has let `skip` matching requests through. A fault can answer with a status (and
Retry-After), hold the answer past the client's read timeout (`delay`), drop the connection
without an answer (`reset`) or halfway through the body (`truncate`), serve a body that is
not JSON (`malformed`), or rewrite the real JSON answer (`rewrite`, e.g. to repeat a record
of the previous page). Faults with `times` > 1 apply to that many consecutive matches.

    Fault(429, times=12, retry_after="0", path="/v1/charges")    # a rate-limit storm
    Fault(200, delay=2, path="/v1/charges", skip=1)              # second page answers too late
    Fault(200, malformed=True, path="/api/v2/invoices")          # 200 with a broken body
"""
from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it; `at` is time.monotonic() on arrival."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float
    body: bytes = b""
    target: str = ""  # path and query exactly as sent

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


Rewrite = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Fault:
    """Answer the next `times` matching requests with `status` (and `Retry-After`, when given).

    A status below 400 serves the real answer instead, altered by the flags below.
    """

    status: int = 200
    times: int = 1
    retry_after: str | None = None
    payload: Any = None
    truncate: bool = False   # serve the answer, but close the connection halfway through its body
    path: str | None = None  # only requests to this path (any when None)
    method: str | None = None  # only requests with this method (any when None)
    skip: int = 0            # let this many matching requests through before applying the fault
    delay: float = 0.0       # seconds to wait before answering (past a client's read timeout)
    reset: bool = False      # close the connection (TCP RST) without answering
    malformed: bool = False  # serve the real status with a body that is not valid JSON
    rewrite: Rewrite | None = None  # (real JSON payload, previous payload served on this path) -> payload

    def matches(self, request: RecordedRequest) -> bool:
        return (self.path is None or self.path == request.path) and \
            (self.method is None or self.method == request.method)


@dataclass
class _Pending:
    fault: Fault
    skip: int
    times: int


@dataclass(frozen=True)
class _Cut:
    """A real reply whose body is cut after `sent` bytes while Content-Length promises all of it."""

    reply: Reply
    sent: int


@dataclass(frozen=True)
class _Reset:
    """No answer at all: the connection is reset."""


Handler = Callable[[RecordedRequest], Reply]


class FakeServer:
    """Serve `handler` on 127.0.0.1 (HTTPS when `tls` is a server context) until closed.

    Use as a context manager. `requests` lists every request seen, faulted ones included;
    `tls_versions` the protocol of each TLS connection, `tls_failures` the failed handshakes.
    """

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None, faults: Iterable[Fault] = ()) -> None:
        self.requests: list[RecordedRequest] = []
        self.tls_versions: list[str] = []
        self.tls_failures = 0
        self._handler = handler
        self._faults: list[_Pending] = []
        self._last_payload: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.inject(*faults)
        self._httpd = _Server(("127.0.0.1", 0), _make_request_handler(self), tls, self)
        # A short poll keeps close() quick: shutdown waits for the loop's next poll.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), name="fake-http", daemon=True)
        host, port = self._httpd.server_address[:2]
        self.base_url = f"{'https' if tls else 'http'}://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    def inject(self, *faults: Fault) -> None:
        """Append `faults` to the schedule."""
        with self._lock:
            self._faults.extend(_Pending(f, f.skip, f.times) for f in faults if f.times > 0)

    def pending_faults(self) -> int:
        """How many fault applications are still scheduled."""
        with self._lock:
            return sum(p.times for p in self._faults)

    def _next_fault(self, request: RecordedRequest) -> Fault | None:
        pending = next((p for p in self._faults if p.fault.matches(request)), None)
        if pending is None:
            return None
        if pending.skip > 0:
            pending.skip -= 1
            return None
        pending.times -= 1
        if pending.times <= 0:
            self._faults.remove(pending)
        return pending.fault

    def _serve(self, request: RecordedRequest) -> Reply | _Cut | _Reset:
        with self._lock:
            self.requests.append(request)
            fault = self._next_fault(request)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.reset:
            return _Reset()
        if fault is not None and fault.status >= 400:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return Reply.json(fault.status, fault.payload or {"error": f"injected fault {fault.status}"}, headers)
        reply = self._handler(request)
        if fault is not None and fault.rewrite is not None:
            with self._lock:
                previous = self._last_payload.get(request.path)
            reply = Reply.json(reply.status, fault.rewrite(json.loads(reply.body), previous),
                               {k: v for k, v in reply.headers.items() if k != "Content-Type"})
        cut = fault is not None and (fault.malformed or fault.truncate)
        if reply.headers.get("Content-Type") == "application/json" and reply.status < 300 and not cut:
            with self._lock:   # what a later `rewrite` sees as the previous page: delivered whole
                self._last_payload[request.path] = json.loads(reply.body)
        if fault is not None and fault.malformed:
            reply = Reply(reply.status, reply.body[:max(1, len(reply.body) // 2)] + b"<!-- cut -->", reply.headers)
        if fault is not None and fault.truncate:
            return _Cut(reply, len(reply.body) // 2)
        return reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler_class, tls: ssl.SSLContext | None, owner: FakeServer) -> None:
        self.tls = tls
        self.owner = owner
        super().__init__(address, handler_class)

    def finish_request(self, request, client_address) -> None:
        # Handshake in the connection's own thread, so one stuck client cannot block accept().
        if self.tls is None:
            return super().finish_request(request, client_address)
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            with self.owner._lock:
                self.owner.tls_failures += 1
            return None
        with self.owner._lock:
            self.owner.tls_versions.append(wrapped.version())
        with wrapped:
            super().finish_request(wrapped, client_address)
        return None


def _make_request_handler(owner: FakeServer) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            recorded = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers=dict(self.headers.items()),
                at=time.monotonic(),
                body=self.rfile.read(length) if length else b"",
                target=self.path,
            )
            answer = owner._serve(recorded)
            try:
                self._answer(answer)
            except OSError:          # the client gave up (timed out) before the answer came
                self.close_connection = True

        def _answer(self, answer: Reply | _Cut | _Reset) -> None:
            if isinstance(answer, _Reset):
                self.close_connection = True
                # SO_LINGER 0: close() sends RST instead of FIN, as a crashed proxy would.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            reply = answer.reply if isinstance(answer, _Cut) else answer
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if isinstance(answer, _Cut):
                self.wfile.write(reply.body[:answer.sent])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return None

    return RequestHandler
