"""OAuth 1.0a request signing (RFC 5849) as NetSuite's token-based authentication uses it.

NetSuite signs with HMAC-SHA256 and puts the account id in the `realm` parameter, which is
not part of the signature. Every request gets a fresh nonce and timestamp: NetSuite refuses
a nonce it has seen, so a retried request must be signed again (see netsuite.py).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

DIGESTS = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}


def percent_encode(value: str) -> str:
    """RFC 5849 3.6: every octet except ALPHA, DIGIT, '-', '.', '_', '~' is %XX-encoded."""
    return quote(str(value), safe="-._~")


def base_string_uri(url: str) -> str:
    """RFC 5849 3.4.1.2: scheme and host lower-cased, default port dropped, no query or fragment."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in {("http", 80), ("https", 443)} else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", "", ""))


def normalized_parameters(pairs: list[tuple[str, str]]) -> str:
    """RFC 5849 3.4.1.3.2: encode names and values, sort by name then value, join with & and =."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, url: str, oauth_params: dict[str, str],
                          body_params: list[tuple[str, str]] = ()) -> str:
    """RFC 5849 3.4.1: method, base URI and the query, body-form and oauth_* parameters (no realm,
    no signature)."""
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    pairs = [*query, *body_params, *((k, v) for k, v in oauth_params.items()
                                     if k not in ("realm", "oauth_signature"))]
    return "&".join(percent_encode(p) for p in (method.upper(), base_string_uri(url), normalized_parameters(pairs)))


def sign(base_string: str, consumer_secret: str, token_secret: str, method: str = "HMAC-SHA256") -> str:
    """RFC 5849 3.4.2: base64 HMAC of the base string, keyed by the encoded secrets joined with '&'."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), DIGESTS[method]).digest()
    return base64.b64encode(digest).decode()


def parse_authorization(header: str) -> dict[str, str]:
    """The parameters of an `OAuth k="v", ...` Authorization header, decoded."""
    scheme, _, rest = header.partition(" ")
    if scheme != "OAuth":
        raise ValueError(f"not an OAuth authorization header: {scheme!r}")
    params = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        params[name] = unquote(value.strip().strip('"'))
    return params


@dataclass(frozen=True)
class TokenCredentials:
    """NetSuite token-based authentication: the integration's consumer pair and the user's token pair."""

    account_id: str
    consumer_key: str
    consumer_secret: str = field(repr=False)
    token_id: str
    token_secret: str = field(repr=False)
    signature_method: str = "HMAC-SHA256"

    @property
    def realm(self) -> str:
        # A sandbox account "1234567-sb1" in host names is realm "1234567_SB1".
        return self.account_id.upper().replace("-", "_")

    def authorization(self, method: str, url: str, *, nonce: str | None = None,
                      timestamp: int | None = None) -> str:
        """The Authorization header value for one request to `url` (query included)."""
        params = {
            "oauth_consumer_key": self.consumer_key,
            "oauth_token": self.token_id,
            "oauth_signature_method": self.signature_method,
            "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
            "oauth_nonce": nonce or secrets.token_hex(16),
            "oauth_version": "1.0",
        }
        base = signature_base_string(method, url, params)
        params["oauth_signature"] = sign(base, self.consumer_secret, self.token_secret, self.signature_method)
        fields = [f'realm="{percent_encode(self.realm)}"']
        fields += [f'{k}="{percent_encode(v)}"' for k, v in params.items()]
        return "OAuth " + ", ".join(fields)
