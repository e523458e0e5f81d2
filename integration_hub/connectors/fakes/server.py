"""A threaded HTTP(S) server on 127.0.0.1 for vendor-API fakes.

Tests and demos talk to these instead of the real APIs: no network, documented response
shapes, and faults (429 with Retry-After, 5xx) on demand.
"""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections import deque
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


@dataclass(frozen=True)
class Fault:
    """Answer the next `times` requests with `status` (and `Retry-After`, when given) instead of serving them."""

    status: int
    times: int = 1
    retry_after: str | None = None
    payload: Any = None
    truncate: bool = False   # serve the real answer, but close the connection halfway through its body


@dataclass(frozen=True)
class _Cut:
    """A real reply whose body is cut after `sent` bytes while Content-Length promises all of it."""

    reply: Reply
    sent: int


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
        self._faults: deque[Fault] = deque(f for fault in faults for f in [fault] * fault.times)
        self._lock = threading.Lock()
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

    def _serve(self, request: RecordedRequest) -> Reply | _Cut:
        with self._lock:
            self.requests.append(request)
            fault = self._faults.popleft() if self._faults else None
        if fault is None:
            return self._handler(request)
        if fault.truncate:
            reply = self._handler(request)
            return _Cut(reply, len(reply.body) // 2)
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        return Reply.json(fault.status, fault.payload or {"error": f"injected fault {fault.status}"}, headers)


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
