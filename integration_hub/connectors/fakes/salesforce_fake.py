"""A local Salesforce org: the OAuth token endpoint and the SOQL query resource, in Salesforce's shapes.

- `POST /services/oauth2/token` (form): `client_credentials` and `refresh_token` grants; the answer
  holds access_token, instance_url (this fake), token_type, issued_at. Bad credentials get the
  OAuth error shape {"error", "error_description"}.
- `GET /services/data/vXX.X/query?q=SELECT ... FROM X [WHERE SystemModstamp >= literal | WHERE F IN ('a', ...)]
  ORDER BY ...`
  answers {totalSize, done, nextRecordsUrl, records}; records carry `attributes`. The result is a
  snapshot (as Salesforce's query locator is): `GET .../query/<locator>-<offset>` serves the next
  batch. Batches follow `Sforce-Query-Options: batchSize=N` (clamped to 200-2000, default 2000) and
  are capped by `batch_cap` when set: Salesforce does not guarantee the batch size asked for.
- Every API answer carries `Sforce-Limit-Info: api-usage=<used>/<limit>`; each query call uses one.
- Errors use the [{"message", "errorCode", "fields"}] array: 401 INVALID_SESSION_ID for an unknown
  or expired token (`expire_sessions()`, or `refuse_tokens` to refuse even fresh ones), 403
  REQUEST_LIMIT_EXCEEDED once usage reaches the limit (`exhaust_daily_limit()`), 400
  MALFORMED_QUERY for SOQL this fake cannot read. 5xx/429 and malformed bodies come from `faults`.
"""
from __future__ import annotations

import itertools
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from integration_hub.connectors.fakes.server import Fault, FakeServer, RecordedRequest, Reply

_SOQL = re.compile(r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<sobject>\w+)"
                   r"(?:\s+WHERE\s+SystemModstamp\s*>=\s*(?P<since>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z))?"
                   r"(?:\s+WHERE\s+(?P<in_field>\w+)\s+IN\s*\((?P<in_values>'\w+'(?:\s*,\s*'\w+')*)\))?"
                   r"(?:\s+ORDER\s+BY\s+(?P<order>[\w\s,]+?))?\s*$", re.IGNORECASE | re.DOTALL)
_QUERY_PATH = re.compile(r"^/services/data/(?P<version>v\d+\.\d)/query(?:/(?P<locator>[\w]+)-(?P<offset>\d+))?$")


def _errors(status: int, code: str, message: str, fields: list[str] | None = None,
            headers: dict[str, str] | None = None) -> Reply:
    return Reply.json(status, [{"message": message, "errorCode": code, "fields": fields or []}], headers)


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


class SalesforceFake:
    """Context manager serving `records` (SObject name -> records with their fields) on 127.0.0.1."""

    def __init__(self, records: Mapping[str, Iterable[dict[str, Any]]], *, client_id: str = "3MVG9fake.client",
                 client_secret: str = "fake-client-secret-0042", refresh_token: str | None = None,
                 api_limit: int = 5000, api_usage: int = 0, batch_cap: int | None = None,
                 faults: Iterable[Fault] = ()) -> None:
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.api_limit, self.api_usage = api_limit, api_usage
        self.batch_cap = batch_cap
        self.refuse_tokens = False
        self.issued: list[str] = []          # every access token handed out, in order
        self._valid: set[str] = set()
        self._records: dict[str, list[dict[str, Any]]] = {}
        self._locators: dict[str, list[dict[str, Any]]] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        for sobject, items in records.items():
            self.upsert(sobject, *items)
        self._server = FakeServer(self._handle, faults=faults)
        self.base_url = self._server.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._server.requests

    def __enter__(self) -> SalesforceFake:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def upsert(self, sobject: str, *items: dict[str, Any]) -> None:
        """Add records, or replace those with the same Id (as an edit in the org would)."""
        with self._lock:
            current = {r["Id"]: r for r in self._records.get(sobject, [])}
            current.update({item["Id"]: dict(item) for item in items})
            self._records[sobject] = list(current.values())

    def delete(self, sobject: str, *ids: str) -> None:
        """Remove records (a query no longer returns them; Salesforce keeps them in its recycle bin)."""
        with self._lock:
            self._records[sobject] = [r for r in self._records.get(sobject, []) if r["Id"] not in set(ids)]

    def expire_sessions(self) -> None:
        """Every token issued so far is now invalid (a session timeout, a password reset)."""
        with self._lock:
            self._valid.clear()

    def exhaust_daily_limit(self) -> None:
        with self._lock:
            self.api_usage = self.api_limit

    def query_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if "/query" in r.path]

    # handlers -----------------------------------------------------------------------------------
    def _handle(self, request: RecordedRequest) -> Reply:
        if request.path == "/services/oauth2/token" and request.method == "POST":
            return self._token(request)
        match = _QUERY_PATH.match(request.path)
        if request.method != "GET" or match is None:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            authorized = scheme == "Bearer" and token in self._valid and not self.refuse_tokens
        if not authorized:
            return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        with self._lock:
            if self.api_usage >= self.api_limit:
                return _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.",
                               headers=self._limit_header())
            self.api_usage += 1
        if match.group("locator"):
            return self._more(request, match.group("version"), match.group("locator"), int(match.group("offset")))
        return self._query(request, match.group("version"))

    def _token(self, request: RecordedRequest) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Reply.json(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
        if grant == "refresh_token":
            if not self.refresh_token or form.get("refresh_token") != self.refresh_token:
                return Reply.json(400, {"error": "invalid_grant", "error_description": "expired access/refresh token"})
        elif grant != "client_credentials":
            return Reply.json(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        token = f"00DFAKE!AQ{uuid.uuid4().hex}"
        with self._lock:
            self.issued.append(token)
            self._valid.add(token)
        return Reply.json(200, {"access_token": token, "instance_url": self.base_url, "token_type": "Bearer",
                                "issued_at": "1735689600000", "id": f"{self.base_url}/id/00DFAKE/005FAKE",
                                "signature": "c2lnbmF0dXJl", "scope": "api"})

    def _limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.api_limit}"}

    def _batch_size(self, request: RecordedRequest) -> int:
        options = request.headers.get("Sforce-Query-Options", "")
        found = re.search(r"batchSize=(\d+)", options)
        size = min(max(int(found.group(1)), 200), 2000) if found else 2000
        return min(size, self.batch_cap) if self.batch_cap else size

    def _query(self, request: RecordedRequest, version: str) -> Reply:
        text = (request.param("q") or "").strip()
        parsed = _SOQL.match(text)
        if parsed is None:
            return _errors(400, "MALFORMED_QUERY", f"unexpected token in query: {text[:40]!r}")
        sobject = parsed.group("sobject")
        with self._lock:
            if sobject not in self._records:
                return _errors(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
            rows = list(self._records[sobject])
        fields = [f.strip() for f in parsed.group("fields").split(",")]
        if parsed.group("since"):
            since = _stamp(parsed.group("since"))
            rows = [r for r in rows if _stamp(r["SystemModstamp"]) >= since]
        if parsed.group("in_field"):
            wanted = set(re.findall(r"'(\w+)'", parsed.group("in_values")))
            rows = [r for r in rows if r.get(parsed.group("in_field")) in wanted]
        if parsed.group("order"):
            keys = [k.strip() for k in parsed.group("order").split(",")]
            rows.sort(key=lambda r: tuple(_stamp(r[k]) if k == "SystemModstamp" else str(r.get(k)) for k in keys))
        snapshot = [{"attributes": {"type": sobject, "url": f"/services/data/{version}/sobjects/{sobject}/{r['Id']}"},
                     **{f: r.get(f) for f in fields}} for r in rows]
        locator = f"01gFAKE{next(self._counter):08d}"
        with self._lock:
            self._locators[locator] = snapshot
        return self._page(version, locator, 0, self._batch_size(request))

    def _more(self, request: RecordedRequest, version: str, locator: str, offset: int) -> Reply:
        with self._lock:
            known = locator in self._locators
        if not known:
            return _errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(version, locator, offset, self._batch_size(request))

    def _page(self, version: str, locator: str, offset: int, size: int) -> Reply:
        with self._lock:
            snapshot = self._locators[locator]
            headers = self._limit_header()
        end = offset + size
        body: dict[str, Any] = {"totalSize": len(snapshot), "done": end >= len(snapshot),
                                "records": snapshot[offset:end]}
        if end < len(snapshot):
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{end}"
        return Reply.json(200, body, headers)
