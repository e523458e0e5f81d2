from __future__ import annotations

import socket
import ssl
import time
import warnings
from email.utils import formatdate

import pytest
import requests
import urllib3.exceptions
import urllib3.util.connection

from integration_hub.connectors.fakes import Fault, FakeServer, Reply
from integration_hub.connectors.http import (
    InsecureURLError,
    RetriesExhaustedError,
    build_session,
    is_loopback,
    redact_url,
    tls_context,
)


def ok(_request) -> Reply:
    return Reply.json(200, {"ok": True})


def test_tls12_server_is_accepted_and_negotiates_at_least_tls12(server_tls, ca_bundle):
    with FakeServer(ok, tls=server_tls) as server:
        session = build_session(system="test", ca_bundle=ca_bundle)
        response = session.get(f"{server.base_url}/ping")
    assert response.json() == {"ok": True}
    assert server.tls_versions and set(server.tls_versions) <= {"TLSv1.2", "TLSv1.3"}


def test_client_context_floor_is_tls12_with_verification():
    context = tls_context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def _tls11_only_server(test_ca) -> ssl.SSLContext:
    # OpenSSL 3 only speaks TLS 1.0/1.1 at security level 0.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    test_ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def _legacy_handshake(port: int, test_ca) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.set_ciphers("DEFAULT:@SECLEVEL=0")
        client.minimum_version = ssl.TLSVersion.TLSv1
    test_ca.configure_trust(client)
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.version()


def test_server_capped_at_tls11_is_refused(test_ca, ca_bundle):
    with FakeServer(ok, tls=_tls11_only_server(test_ca)) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        # The server really is up and speaking TLS 1.1 to a client that allows it ...
        assert _legacy_handshake(port, test_ca) == "TLSv1.1"
        # ... and the hub's session will not go below 1.2.
        with pytest.raises(requests.exceptions.SSLError):
            build_session(system="test", ca_bundle=ca_bundle, max_retries=0).get(f"{server.base_url}/ping")
        assert server.requests == []
        # The server's handler thread records the failed handshake just after the client gives up.
        deadline = time.monotonic() + 5
        while server.tls_failures < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.tls_versions == ["TLSv1.1"] and server.tls_failures == 1


def test_verify_false_is_ignored(server_tls, ca_bundle):
    with FakeServer(ok, tls=server_tls) as server:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            # Control: plain requests would accept the unknown certificate.
            assert requests.get(f"{server.base_url}/ping", verify=False).status_code == 200
        untrusting = build_session(system="test", max_retries=0)  # certifi bundle: the test CA is unknown
        untrusting.verify = False
        with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            untrusting.get(f"{server.base_url}/ping", verify=False)
        trusting = build_session(system="test", ca_bundle=ca_bundle)
        assert trusting.get(f"{server.base_url}/ping", verify=False).status_code == 200
        assert len(server.requests) == 2



def test_trust_comes_only_from_the_ca_bundle_argument(server_tls, ca_bundle, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)
    with FakeServer(ok, tls=server_tls) as server:
        assert requests.get(f"{server.base_url}/ping").status_code == 200  # control: plain requests obeys the variable
        with pytest.raises(requests.exceptions.SSLError):
            build_session(system="test", max_retries=0).get(f"{server.base_url}/ping")

def test_plain_http_to_other_hosts_is_refused_without_connecting(monkeypatch):
    attempts = []
    monkeypatch.setattr(urllib3.util.connection, "create_connection", lambda *a, **k: attempts.append(a))
    session = build_session(system="test")
    with pytest.raises(InsecureURLError, match="10.1.2.3"):
        session.get("http://10.1.2.3/v1/charges")
    with pytest.raises(InsecureURLError, match="billing.internal"):
        session.get("http://billing.internal/api")
    assert attempts == []


def test_redirect_to_plain_http_elsewhere_is_refused():
    def redirect(_request):
        return Reply(302, headers={"Location": "http://10.1.2.3/steal"})

    with FakeServer(redirect) as server, pytest.raises(InsecureURLError):
        build_session(system="test").get(f"{server.base_url}/start")


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("LOCALHOST", True), ("10.0.0.1", False), ("localhost.example.com", False), ("128.0.0.1", False), ("", False)],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


@pytest.mark.parametrize("retry_after", ["1", "http-date"])
def test_429_is_retried_after_the_wait_the_server_asks(retry_after):
    header = formatdate(time.time() + 2, usegmt=True) if retry_after == "http-date" else retry_after
    with FakeServer(ok, faults=[Fault(429, retry_after=header)]) as server:
        response = build_session(system="test", backoff_factor=0).get(f"{server.base_url}/ping")
        first, second = server.requests
    assert response.status_code == 200
    # Loose bounds: the wait is honoured, and not stretched by backoff.
    assert 0.9 <= second.at - first.at < 5


def test_5xx_is_retried_then_gives_up_with_a_clear_error():
    with FakeServer(ok, faults=[Fault(503, times=10)]) as server:
        session = build_session(system="test", max_retries=2, backoff_factor=0)
        with pytest.raises(RetriesExhaustedError) as caught:
            session.get(f"{server.base_url}/v1/charges?api_key=sk_live_secret")
        assert len(server.requests) == 3
    message = str(caught.value)
    assert "gave up after 3 attempts" in message and "503" in message
    assert "sk_live_secret" not in message


def test_post_is_not_retried():
    with FakeServer(ok, faults=[Fault(500)]) as server:
        response = build_session(system="test", backoff_factor=0).post(f"{server.base_url}/v1/charges", data=b"x")
        assert response.status_code == 500
        assert len(server.requests) == 1


def test_default_timeout_applies_when_the_caller_gives_none():
    def slow(_request):
        time.sleep(1.5)
        return Reply.json(200, {})

    with FakeServer(slow) as server:
        session = build_session(system="test", timeout=(1, 0.3), max_retries=0)
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectionError, match="timed out"):
            session.get(f"{server.base_url}/slow")
        assert time.monotonic() - started < 1.2


def test_call_log_records_each_call_without_secrets():
    entries: list[dict] = []
    body = b'{"ok": true}'
    with FakeServer(lambda _r: Reply(200, body), faults=[Fault(429, retry_after="0")]) as server:
        session = build_session(system="stripe", backoff_factor=0, call_log=entries.append)
        session.get(f"{server.base_url}/v1/charges?limit=3&api_key=k_secret&token=t_secret",
                    headers={"Authorization": "Bearer sk_test_secret"})
        session.post(f"{server.base_url}/v1/things", data=b"12345")
    fetch, post = entries
    assert fetch["system"] == "stripe" and fetch["method"] == "GET" and fetch["status"] == 200
    assert fetch["url"] == f"{server.base_url}/v1/charges?limit=3&api_key=REDACTED&token=REDACTED"
    assert fetch["response_bytes"] == len(body) and fetch["request_bytes"] == 0
    assert fetch["retries"] == 1 and fetch["error"] is None and fetch["latency_ms"] >= 0
    assert fetch["timestamp"].endswith("+00:00")
    assert post["request_bytes"] == 5 and post["retries"] == 0
    assert "secret" not in repr(entries) and "Authorization" not in repr(entries)


def test_call_log_records_failures_too():
    entries: list[dict] = []
    with pytest.raises(InsecureURLError):
        build_session(system="billing", call_log=entries.append).get("http://10.1.2.3/x?password=p")
    assert [(e["status"], e["error"], e["url"]) for e in entries] == [
        (None, "InsecureURLError", "http://10.1.2.3/x?password=REDACTED")
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@api.example.com/v1?limit=5", "https://api.example.com/v1?limit=5"),
        ("https://h/p?signature=abc&created[gte]=17", "https://h/p?signature=REDACTED&created[gte]=17"),
        ("https://h/p?client_secret=x&PassWord=y&q=1", "https://h/p?client_secret=REDACTED&PassWord=REDACTED&q=1"),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected


def test_a_body_cut_mid_response_is_retried_like_other_transient_errors():
    with FakeServer(lambda _r: Reply.json(200, {"data": list(range(500))}), faults=[Fault(200, truncate=True)]) as server:
        response = build_session(system="test", backoff_factor=0).get(f"{server.base_url}/v1/charges")
        assert len(server.requests) == 2
    assert response.json()["data"][-1] == 499


def test_a_body_cut_every_time_gives_up_with_a_clear_error():
    with FakeServer(lambda _r: Reply.json(200, {"data": list(range(500))}),
                    faults=[Fault(200, truncate=True, times=10)]) as server:
        session = build_session(system="test", max_retries=2, backoff_factor=0)
        with pytest.raises(RetriesExhaustedError, match="truncated body"):
            session.get(f"{server.base_url}/v1/charges")
        assert len(server.requests) == 3


def test_a_vendor_s_x_retry_after_is_honoured_like_retry_after():
    """ShipBob answers a 429 with `x-retry-after` (seconds), not the standard header."""
    from urllib3.response import HTTPResponse

    from integration_hub.connectors.http import RETRY_AFTER_MAX_SECONDS, _HubRetry

    retry = _HubRetry(total=3, respect_retry_after_header=True, retry_after_max=RETRY_AFTER_MAX_SECONDS)
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"x-retry-after": "7"})) == 7.0
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"Retry-After": "2", "x-retry-after": "7"})) == 2.0
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"x-retry-after": "86400"})) == RETRY_AFTER_MAX_SECONDS
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"x-retry-after": "soon"})) is None
