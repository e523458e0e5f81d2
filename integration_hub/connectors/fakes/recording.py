"""A FakeServer that also hands request bodies to its handler (ERP fakes need the PUT/POST JSON).

The shared server reads and drops the body; this swaps in a request handler that keeps it,
and the full request target, while reusing the server's faults, recording and TLS.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integration_hub.connectors.fakes.server import FakeServer, RecordedRequest


@dataclass(frozen=True)
class BodyRequest(RecordedRequest):
    body: bytes = b""
    target: str = ""  # path and query exactly as sent

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class RecordingServer(FakeServer):
    """FakeServer whose handler receives BodyRequest objects."""

    def __init__(self, handler, **kwargs) -> None:
        super().__init__(handler, **kwargs)
        self._httpd.RequestHandlerClass = _body_handler(self)


def _body_handler(owner: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = BodyRequest(method=self.command, path=parts.path,
                                   query=parse_qs(parts.query, keep_blank_values=True),
                                   headers=dict(self.headers.items()), at=time.monotonic(), body=body,
                                   target=self.path)
            reply = owner._serve(recorded)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return None

    return Handler
