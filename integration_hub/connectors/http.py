"""The one HTTP session every API connector uses.

What the session enforces, and why it cannot be switched off by a caller:

- TLS 1.2 or newer on every HTTPS connection. Payment and billing APIs (and PCI DSS)
  refuse older protocols; a client that would fall back to them is one downgrade
  attack away from leaking API keys.
- Certificate verification is always on. ``verify=False`` (per call, on the session, or
  through ``REQUESTS_CA_BUNDLE``) is ignored: trust comes only from the CA bundle given to
  :func:`build_session` (certifi's bundle otherwise). A connector that accepts any
  certificate hands credentials and payment data to whoever sits on the network path, and
  "temporarily" disabled verification is how that usually ships.
- Plain ``http://`` is refused unless the host is loopback (127.0.0.0/8, ::1, localhost),
  where the local fakes used by tests and demos listen without TLS. The check runs before
  any connection is opened, redirects included.
- Timeouts always apply, and idempotent requests are retried with exponential backoff on
  429/5xx, read timeouts, reset connections and bodies cut short, waiting what
  ``Retry-After`` asks (seconds or an HTTP date). A 429 draws on its own budget first
  (``rate_limit_retries``): a vendor that throttles is asking to be called again later, not
  failing. Every budget is finite; when one runs out, RetriesExhaustedError names the
  system, method, URL (secrets redacted), attempts and the last status or error.
"""
from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import certifi
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import RequestHistory, Retry

from integration_hub.security.credentials import REDACTED

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A hostile or confused server must not park a sync for hours with a huge Retry-After.
RETRY_AFTER_MAX_SECONDS = 120
_SECRET_PARAM = re.compile(r"key|token|pass|secret|sig|credential|auth", re.IGNORECASE)

CallLog = Callable[[dict[str, Any]], None]

if TYPE_CHECKING:
    from integration_hub.connectors.request_budget import RequestBudget


class InsecureURLError(requests.exceptions.InvalidURL):
    """A plain-HTTP URL to a host that is not loopback."""


class RetriesExhaustedError(requests.exceptions.RetryError, requests.exceptions.ConnectionError):
    """The server kept failing (a retryable status, a timeout, a reset or cut connection) until
    the retry budget ran out. `system`, `method`, `url` (redacted), `attempts`, and `status`
    (the last HTTP status, None when the last attempt got no answer) say which call."""

    def __init__(self, message: str = "", *, system: str | None = None, method: str | None = None,
                 url: str | None = None, attempts: int | None = None, status: int | None = None,
                 request=None) -> None:
        super().__init__(message, request=request)
        self.system, self.method, self.url, self.attempts, self.status = system, method, url, attempts, status


class _HubRetry(Retry):
    """urllib3's Retry with a separate budget for 429s, and its history kept on the final error."""

    def __init__(self, *args: Any, rate_limit: int = 0, budget: RequestBudget | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate_limit = rate_limit
        self.budget = budget

    def new(self, **kw: Any) -> _HubRetry:
        kw.setdefault("rate_limit", self.rate_limit)
        kw.setdefault("budget", self.budget)
        return super().new(**kw)

    def get_retry_after(self, response) -> float | None:
        """`Retry-After`, or the vendor spelling some send instead (ShipBob: `x-retry-after`, seconds)."""
        standard = super().get_retry_after(response)
        if standard is not None:
            return standard
        vendor = response.headers.get("x-retry-after")
        if vendor is None:
            return None
        try:
            return min(max(float(vendor), 0.0), float(self.retry_after_max))
        except ValueError:
            return None

    def sleep(self, response=None) -> None:
        super().sleep(response)
        if self.budget is not None:   # a retry is a request too: it waits for its own slot after the backoff
            self.budget.acquire()

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        current: Retry = self
        if error is None and response is not None and response.status == 429 and self.rate_limit > 0:
            # Spend the 429 budget, not the general one: give back the count increment takes.
            current = self.new(rate_limit=self.rate_limit - 1,
                               total=None if self.total is None else self.total + 1,
                               status=None if self.status is None else self.status + 1)
        try:
            return Retry.increment(current, method, url, response, error, _pool, _stacktrace)
        except MaxRetryError as exc:
            exc.hub_history = current.history + (  # type: ignore[attr-defined]
                RequestHistory(method, url, error, getattr(response, "status", None), None),)
            raise


def _give_up_reason(cause: BaseException | None) -> tuple[int | None, str]:
    """The last status (when there was an answer) and a short reason for a call that gave up."""
    reason = getattr(cause, "reason", cause)
    history = getattr(cause, "hub_history", ())
    status = history[-1].status if history else None
    if status is not None:
        return status, f"last answer HTTP {status}"
    error = history[-1].error if history else reason
    if isinstance(error, ReadTimeoutError) or "timed out" in str(error).lower():
        return None, f"no answer (read timeout: {error})"
    return None, f"no answer ({type(error).__name__}: {error})"


def tls_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """Verifying client context with TLS 1.2 as the floor, trusting `ca_bundle` (certifi's by default)."""
    context = ssl.create_default_context(cafile=ca_bundle or certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redact_url(url: str) -> str:
    """`url` without credentials: userinfo dropped, secret-looking query values replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, "REDACTED" if _SECRET_PARAM.search(k) else v) for k, v in pairs]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="[]"), ""))


_unsafe = threading.local()


@contextlib.contextmanager
def not_replayed() -> Iterator[None]:
    """Calls made inside (in this thread) are not sent again after the server may have acted on
    them: no retry on a read timeout, a reset or a cut body, nor on a 5xx. Connection failures and
    429s, which the server did not act on, are still retried. For a PUT that creates (Acumatica
    numbering a payment itself): the caller checks what landed before it sends again."""
    previous = getattr(_unsafe, "active", False)
    _unsafe.active = True
    try:
        yield
    finally:
        _unsafe.active = previous


def _replay_forbidden() -> bool:
    return getattr(_unsafe, "active", False)


class _SecureAdapter(HTTPAdapter):
    """Pins the TLS context, certificate checks, default timeout and the loopback-only HTTP rule."""

    def __init__(self, context: ssl.SSLContext, timeout: tuple[float, float], retry: Retry,
                 system: str = "http") -> None:
        self._context = context
        self._timeout = timeout
        self._system = system
        super().__init__(max_retries=retry)

    @property
    def max_retries(self) -> Retry:
        if _replay_forbidden():
            return self._max_retries.new(read=False, status_forcelist=frozenset({429}))
        return self._max_retries

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._max_retries = value

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, True, cert)
        if host_params["scheme"] == "https":
            pool_kwargs.pop("ca_certs", None)
            pool_kwargs.pop("ca_cert_dir", None)
            pool_kwargs.update(ssl_context=self._context, cert_reqs="CERT_REQUIRED")
        return host_params, pool_kwargs

    def cert_verify(self, conn, url, verify, cert) -> None:
        super().cert_verify(conn, url, True, cert)
        if url.lower().startswith("https"):
            # The CA bundle already lives in the pinned context; a path here would be
            # loaded into it again on every connection.
            conn.ca_certs = None
            conn.ca_cert_dir = None
            conn.cert_reqs = "CERT_REQUIRED"

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        if parts.scheme.lower() == "http" and not is_loopback(parts.hostname):
            raise InsecureURLError(
                f"refusing plain HTTP to {parts.hostname}: only loopback hosts may skip TLS", request=request
            )
        budget = getattr(self._max_retries, "budget", None)
        if budget is not None:
            budget.acquire()
        try:
            return super().send(request, stream, timeout or self._timeout, True, cert, proxies)
        except requests.exceptions.SSLError:
            raise
        except (requests.exceptions.RetryError, requests.exceptions.ConnectionError) as error:
            cause = error.args[0] if error.args else None
            if not isinstance(cause, MaxRetryError):
                raise   # a call that was not retried (not idempotent, or retries off) keeps its own error
            history = getattr(cause, "hub_history", ())
            status, reason = _give_up_reason(cause)
            attempts = len(history) or self.max_retries.total + 1
            url = redact_url(request.url)
            raise RetriesExhaustedError(
                f"{self._system}: {request.method} {url} gave up after {attempts} attempts: {reason}",
                system=self._system, method=request.method, url=url, attempts=attempts, status=status,
                request=request,
            ) from error


# A body that ends before its Content-Length (or last chunk) is a transient fault like a 503:
# urllib3 has already handed the response over when it happens, so its Retry never sees it.
TRUNCATED_BODY_ERRORS = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


class HubSession(requests.Session):
    """A `requests.Session` that tags each call with its system and reports it to `call_log`.

    Idempotent requests whose body arrives truncated are sent again, up to `body_retries`
    times with the session's backoff; then RetriesExhaustedError names the call.
    """

    def __init__(self, system: str, call_log: CallLog | None, *, body_retries: int = 5,
                 backoff_factor: float = 0.5, redact_fields: Iterable[str] = ()) -> None:
        super().__init__()
        self.system = system
        self.call_log = call_log
        self.body_retries = body_retries
        self.backoff_factor = backoff_factor
        self.redact_fields = frozenset(name.lower() for name in redact_fields)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        retryable = (request.method or "").upper() in Retry.DEFAULT_ALLOWED_METHODS and not kwargs.get("stream") \
            and not _replay_forbidden()
        attempt = 0
        while True:
            try:
                return self._send_logged(request, **kwargs)
            except TRUNCATED_BODY_ERRORS as error:
                if not retryable or attempt >= self.body_retries:
                    url = redact_url(request.url or "")
                    raise RetriesExhaustedError(
                        f"{self.system}: {request.method} {url} gave up after {attempt + 1} attempts: "
                        f"truncated body ({type(error).__name__})", system=self.system, method=request.method,
                        url=url, attempts=attempt + 1, request=request) from error
                time.sleep(self.backoff_factor * 2 ** attempt)
                attempt += 1

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, True, cert)
        settings["verify"] = True
        return settings

    def _send_logged(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.call_log is None:
            return super().send(request, **kwargs)
        started = time.perf_counter()
        entry: dict[str, Any] = {
            "system": self.system,
            "method": request.method,
            "url": redact_url(request.url or ""),
            "timestamp": datetime.now(UTC).isoformat(),
            "request_bytes": _body_size(request.body),
            # Raw bodies: the call log redacts them (audit.api_log.ApiCallLog) before anything is written.
            "request_body": _blank_fields(request.body if isinstance(request.body, (str, bytes)) else None,
                                          self.redact_fields),
        }
        try:
            response = super().send(request, **kwargs)
        except Exception as error:
            self.call_log({**entry, **_outcome(None, started, False), "error": _error_name(error)})
            raise
        outcome = _outcome(response, started, kwargs.get("stream", False))
        outcome["response_body"] = _blank_fields(outcome["response_body"], self.redact_fields)
        self.call_log({**entry, **outcome, "error": None})
        return response


WITHHELD_BODY = "[withheld: not JSON, and this system's bodies hold sensitive fields]"


def _blank_fields(body: str | bytes | None, names: frozenset[str]) -> str | bytes | None:
    """`body` with the value of every JSON key in `names` (any depth, any case) replaced by REDACTED.

    A body that is not JSON cannot be searched for those keys, so it is withheld whole.
    """
    if not names or not body:
        return body
    try:
        parsed = json.loads(body)
    except ValueError:
        return WITHHELD_BODY
    return json.dumps(_blanked(parsed, names))


def _blanked(value: Any, names: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if str(k).lower() in names and value[k] not in (None, "")
                else _blanked(value[k], names) for k in value}
    if isinstance(value, list):
        return [_blanked(v, names) for v in value]
    return value


def _error_name(error: BaseException) -> str:
    """What the call log names a failed exchange: a call that gave up after timeouts, resets or
    refused connections is logged as the connection error its last attempt met."""
    cause = error.__cause__
    if isinstance(error, RetriesExhaustedError) and isinstance(cause, requests.exceptions.ConnectionError):
        return type(cause).__name__
    return type(error).__name__


def _body_size(body: Any) -> int:
    if body is None:
        return 0
    if isinstance(body, str):
        return len(body.encode())
    return len(body) if isinstance(body, bytes) else 0


def _outcome(response: requests.Response | None, started: float, stream: bool) -> dict[str, Any]:
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    if response is None:
        return {"status": None, "latency_ms": latency_ms, "response_bytes": 0, "retries": None,
                "response_body": None}
    if stream:  # reading the body here would consume it before the caller does
        size, body = int(response.headers.get("Content-Length", 0)), None
    else:
        size, body = len(response.content), response.content
    history = getattr(getattr(response.raw, "retries", None), "history", ())
    return {"status": response.status_code, "latency_ms": latency_ms, "response_bytes": size, "retries": len(history),
            "response_body": body}


def build_session(
    *,
    system: str,
    timeout: tuple[float, float] = (5, 30),
    max_retries: int = 5,
    rate_limit_retries: int = 20,
    backoff_factor: float = 0.5,
    ca_bundle: str | None = None,
    call_log: CallLog | None = None,
    budget: RequestBudget | None = None,
    redact_fields: Iterable[str] = (),
) -> requests.Session:
    """A session for `system` with TLS 1.2+, mandatory verification, timeouts and retries.

    `timeout` is (connect, read) seconds, used whenever a call passes none. Idempotent
    methods are retried up to `max_retries` times on 429/500/502/503/504, read timeouts and
    reset connections, backing off `backoff_factor * 2**n` seconds or what `Retry-After` asks
    (capped at RETRY_AFTER_MAX_SECONDS), and a body cut mid-response is fetched again as
    often; 429s first spend `rate_limit_retries` of their own. When the budget runs out,
    RetriesExhaustedError names system, call, attempts and last status. `call_log`,
    if given, receives one dict per HTTP exchange: system, method, url (secrets redacted),
    status, latency_ms, request_bytes, response_bytes, timestamp (UTC ISO), retries, error,
    and the raw request_body / response_body (None when streamed): a call log must redact
    them before storing, as audit.api_log.ApiCallLog does. Headers are never logged.
    `budget` (a request_budget.RequestBudget), if given, is drawn on before every request,
    each retry included, so processes sharing the vendor's allowance stay within it together.
    `redact_fields` names JSON keys whose values are blanked in the bodies handed to `call_log`
    (a body that is not JSON is withheld whole): for a vendor whose answers hold sensitive values
    under names the call log's own redaction does not know, such as BambooHR's payRate.
    """
    retry = _HubRetry(
        rate_limit=rate_limit_retries,
        total=max_retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
        backoff_factor=backoff_factor,
        respect_retry_after_header=True,
        retry_after_max=RETRY_AFTER_MAX_SECONDS,
        raise_on_status=True,
        budget=budget,
    )
    adapter = _SecureAdapter(tls_context(ca_bundle), timeout, retry, system)
    session = HubSession(system, call_log, body_retries=max_retries, backoff_factor=backoff_factor,
                         redact_fields=redact_fields)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
