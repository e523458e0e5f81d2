"""The API call log: one row per HTTP exchange the hub makes, with nothing secret in it.

`ApiCallLog.record` is the `call_log` hook of `connectors.http.build_session`. URLs,
bodies and error texts pass through `security.redact` before they are written, and are
redacted before bodies are cut to `body_limit`, so truncation can never leave half a key
behind. Headers are never logged: only the keys listed in `_FIELDS` are read from an entry.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.chain import engine_for
from integration_hub.audit.store import metadata
from integration_hub.security.redact import redact_mapping, redact_text

BODY_LIMIT = 2048

api_calls = sa.Table(
    "api_calls", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("latency_ms", sa.Float),
    sa.Column("request_bytes", sa.BigInteger),
    sa.Column("response_bytes", sa.BigInteger),
    sa.Column("retries", sa.Integer),
    sa.Column("request_body", sa.Text),
    sa.Column("response_body", sa.Text),
    sa.Column("run_id", sa.String(64), index=True),
    sa.Column("error", sa.Text),
    sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False, index=True),
)


class ApiCallLog:
    """Writes call-log entries into the hub store's `api_calls` table for one run.

    Entries are dicts as `build_session` produces them (system, method, url, status,
    latency_ms, request_bytes, response_bytes, timestamp, retries, error), optionally with
    request_body / response_body (bytes, text or parsed JSON) and run_id. `secrets` are
    extra values to redact besides those registered with `security.redact.register_secret`.
    """

    def __init__(self, store: str | sa.Engine, run_id: str | None = None, *, body_limit: int = BODY_LIMIT,
                 secrets: Iterable[str] = ()) -> None:
        self.engine = engine_for(store)
        self.run_id = run_id
        self.body_limit = body_limit
        self._secrets = tuple(secrets)
        # Redacting a whole 100-object page costs ~30 ms; only what survives truncation, plus a
        # margin wider than any secret so none is cut in half at the edge, needs redacting.
        self._scan_limit = 4 * body_limit + 1024
        api_calls.create(self.engine, checkfirst=True)

    def record(self, entry: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(api_calls.insert().values(**self.row(entry)))

    __call__ = record

    def row(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The table row for `entry`, redacted and truncated (what `record` writes)."""
        error = entry.get("error")
        return {
            "system": str(entry.get("system") or "unknown"),
            "method": str(entry.get("method") or "").upper(),
            "url": redact_text(str(entry.get("url") or ""), self._secrets),
            "status": _int(entry.get("status")),
            "latency_ms": None if entry.get("latency_ms") is None else float(entry["latency_ms"]),
            "request_bytes": _int(entry.get("request_bytes")),
            "response_bytes": _int(entry.get("response_bytes")),
            "retries": _int(entry.get("retries")),
            "request_body": self._body(entry.get("request_body")),
            "response_body": self._body(entry.get("response_body")),
            "run_id": entry.get("run_id") or self.run_id,
            "error": None if error is None else redact_text(str(error), self._secrets),
            "timestamp": _timestamp(entry.get("timestamp")),
        }

    def dispose(self) -> None:
        self.engine.dispose()

    def calls(self, run_id: str | None = None) -> pd.DataFrame:
        query = sa.select(api_calls).order_by(api_calls.c.id)
        if run_id is not None:
            query = query.where(api_calls.c.run_id == run_id)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def _body(self, body: Any) -> str | None:
        if body is None or body in (b"", ""):
            return None
        unread = 0
        if isinstance(body, (bytes, bytearray, str)) and len(body) > self._scan_limit:
            # Cut JSON no longer parses, so it is redacted as text (keys, credentials, numbers).
            unread, body = len(body) - self._scan_limit, body[:self._scan_limit]
        if isinstance(body, (bytes, bytearray)):
            body = bytes(body).decode("utf-8", errors="ignore" if unread else "replace")
        if isinstance(body, str) and body.lstrip()[:1] in ("{", "["):
            try:
                body = json.loads(body)
            except ValueError:
                pass
        if isinstance(body, (dict, list)):
            text = json.dumps(redact_mapping(body, self._secrets), ensure_ascii=False, default=str)
        else:
            text = redact_text(str(body), self._secrets)
        if len(text) > self.body_limit:
            text = f"{text[:self.body_limit]}...[truncated {len(text) - self.body_limit + unread} chars]"
        return text


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _timestamp(value: Any) -> datetime:
    if value is None:
        return datetime.now(UTC)
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.to_pydatetime()
