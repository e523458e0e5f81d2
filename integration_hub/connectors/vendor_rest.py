"""What the warehouse, shipping, procurement and HR connectors share.

- Credentials come from environment variables when a run starts; a variable left unset is
  named in one ValueError, with every variable the live mode needs.
- Errors never hold a secret: their text passes through the registered-secret redaction, and
  an authentication failure is one line naming the vendor, the status and the variables to check.
- JSON is read with numbers as Decimal, so a quantity or an amount keeps the text the vendor sent.
- Records come back as all-text frames with a fixed column layout ("" for null), the way the
  Salesforce and Shopify connectors return theirs, for a mapping spec to consume.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import requests

from integration_hub.security.redact import redact_registered, redact_text


class ConnectorError(Exception):
    """Any failure of a vendor call; the text never holds a registered secret."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_registered(message))


class ConnectorAPIError(ConnectorError):
    """An error answer, or an answer the connector cannot use, naming vendor, resource and status."""

    def __init__(self, vendor: str, resource: str, status: int, message: str) -> None:
        self.vendor, self.resource, self.status = vendor, resource, status
        super().__init__(f"{vendor} {resource}: HTTP {status}: {message}")


class ConnectorAuthError(ConnectorError):
    """The vendor refused the credentials (expired, revoked, wrong, or lacking a scope)."""


def env_settings(vendor: str, required: Iterable[str], optional: Mapping[str, str | None] | None = None,
                 environ: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """The values of `required` (all must be set) and `optional` (name -> default) variables."""
    env = os.environ if environ is None else environ
    required = tuple(required)
    missing = [name for name in required if not env.get(name)]
    if missing:
        raise ValueError(f"{vendor} live mode needs {', '.join(required)}; unset: {', '.join(missing)}")
    return {name: env[name] for name in required} | \
        {name: env.get(name) or default for name, default in (optional or {}).items()}


def refuse_auth(vendor: str, resource: str, response: requests.Response, variables: str) -> None:
    """Raise ConnectorAuthError for a 401/403 answer; anything else passes."""
    if response.status_code in (401, 403):
        raise ConnectorAuthError(f"{vendor} {resource}: the credentials were refused (HTTP {response.status_code} "
                                 f"{response.reason or ''}); check {variables}")


def read_json(vendor: str, resource: str, response: requests.Response, detail: str = "") -> Any:
    """The JSON answer of a successful call, numbers as Decimal; a ConnectorAPIError otherwise.

    `detail` is the vendor's error text to report for a failed call (the body is not quoted:
    error bodies can echo the request's data)."""
    if not response.ok:
        raise ConnectorAPIError(vendor, resource, response.status_code,
                                redact_text(detail) or response.reason or "error answer")
    try:
        return response.json(parse_float=Decimal)
    except ValueError as error:
        raise ConnectorAPIError(vendor, resource, response.status_code,
                                f"malformed JSON in the answer ({type(error).__name__})") from None


def iso_z(epoch: int) -> str:
    """Epoch seconds as an ISO 8601 UTC timestamp (2025-03-01T12:00:00Z)."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_of(value: str) -> int:
    """Epoch seconds (floored) of an ISO 8601 timestamp; one without an offset is read as UTC."""
    stamp = datetime.fromisoformat(str(value).strip())
    return int((stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp())


def next_cursor(stamps: Iterable[str | None], cursor: int | None) -> int | None:
    """The cursor to resume from: the latest of `stamps` (ISO text, blanks ignored), never before `cursor`."""
    seen = [epoch_of(s) for s in stamps if s]
    return max([*seen, *([cursor] if cursor is not None else [])], default=None)


def dig(node: Any, path: str) -> Any:
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)   # Decimal and int keep the vendor's digits


def flatten(columns: Mapping[str, str], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as an all-text frame: one column per `columns` key, read from its dotted path."""
    records = [{column: text(dig(row, path)) for column, path in columns.items()} for row in rows]
    return pd.DataFrame(records, columns=list(columns), dtype=str)
