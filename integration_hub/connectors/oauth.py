"""The OAuth 2.0 token request (RFC 6749 section 4.4 / 4.1 form POST) that Salesforce and Coupa share."""
from __future__ import annotations

from typing import Any

import requests

from integration_hub.security.redact import register_secret


def request_token(session: requests.Session, url: str, grant: dict[str, Any], *, describe: str,
                  error: type[Exception], hint: str = "") -> dict[str, Any]:
    """The token endpoint's JSON answer, its access_token registered for redaction. A refusal, a
    non-JSON body or an answer without access_token raises `error` naming `describe` (the vendor
    and grant), the HTTP status, the endpoint's own error_description and `hint`."""
    response = session.post(url, data=grant, headers={"Accept": "application/json"})
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not response.ok or not isinstance(payload, dict) or not payload.get("access_token"):
        detail = payload if isinstance(payload, dict) else {}
        reason = detail.get("error_description") or detail.get("error") or response.reason or "no access_token"
        raise error(f"{describe} failed: HTTP {response.status_code}: {reason}" + (f"; {hint}" if hint else ""))
    register_secret(payload["access_token"])
    return payload
