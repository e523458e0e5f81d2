"""BambooHR (HRIS) REST client: employees with their sensitive fields, departments, and manager relations.

Vendor facts this client follows (documentation.bamboohr.com):

- Auth: HTTP Basic with the API key as the user name and any password ("x"); the key is
  registered as a secret. Base `https://{company}.bamboohr.com/api/v1`. JSON needs
  `Accept: application/json` (XML is the default). A 401/403 is a ConnectorAuthError naming
  IH_BAMBOOHR_API_KEY; errors explain themselves in the `X-BambooHR-Error-Message` header.
- `GET /employees/directory` lists the current employees ({fields, employees: [{id, ...}]}).
- `GET /employees/changed?since=<ISO 8601>` answers {latest, employees: {<id>: {id, action:
  Inserted | Updated | Deleted, lastChanged}}}: every employee changed since then, terminated
  ones included.
- `GET /employees/{id}?fields=a,b,...&onlyCurrent=false` answers the requested fields of one
  employee (every value a string; missing values null).
- `GET /meta/lists` holds the list fields with their options; the "department" list's options
  {id, name, archived} are the departments.
- Throttling is a 503 with Retry-After [unverified], which the shared session waits out and
  retries; the request budget (vendor "bamboohr", 5 a second, the hub's own choice: BambooHR
  publishes no rate) paces the per-employee calls.

What the client does with them:

- A first extraction (no cursor) reads the directory; an incremental one the changed list
  since the cursor. Each employee found is then read with EMPLOYEE_FIELDS; a deleted one is a
  row with `deleted` "true" and no other values. The cursor is the latest `lastChanged` seen.
- `employees` rows carry SENSITIVE_COLUMNS (ssn, payRate, and the bank account field when the
  company keeps one in a custom field, see `bank_account_field`) in plaintext: the hub encrypts
  them at extraction (security.protect.protect_frame, from the entity's `sensitive:`
  declaration). `managers` rows are the employee -> supervisor relations of the same reads.
- No sensitive value leaves in a side channel: the client makes its session blank those fields
  in the bodies it hands to the call log (http.build_session's `redact_fields`), its errors
  never quote a body, and it logs no field value.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pandas as pd
import requests

from integration_hub.connectors.http import HubSession, build_session, redact_url
from integration_hub.connectors.vendor_rest import (
    ConnectorAPIError,
    env_settings,
    flatten,
    iso_z,
    next_cursor,
    read_json,
    refuse_auth,
)
from integration_hub.security.redact import register_secret

VENDOR = "BambooHR"
ENV_API_KEY, ENV_COMPANY = "IH_BAMBOOHR_API_KEY", "IH_BAMBOOHR_COMPANY"
ENV_BASE_URL, ENV_BANK_FIELD = "IH_BAMBOOHR_BASE_URL", "IH_BAMBOOHR_BANK_ACCOUNT_FIELD"

EMPLOYEE_FIELDS = ("employeeNumber", "firstName", "lastName", "displayName", "workEmail", "jobTitle", "department",
                   "division", "location", "status", "hireDate", "terminationDate", "supervisorEId", "supervisor",
                   "payType", "payPer", "lastChanged")
SENSITIVE_FIELDS = ("ssn", "payRate")          # BambooHR field names that hold sensitive values
BANK_ACCOUNT_COLUMN = "bankAccount"
SENSITIVE_COLUMNS = (*SENSITIVE_FIELDS, BANK_ACCOUNT_COLUMN)   # what the entity declares `sensitive:`

EXPORT_COLUMNS: dict[str, dict[str, str]] = {
    "employees": {"id": "id", **{f: f for f in EMPLOYEE_FIELDS[:-1]}, **{f: f for f in SENSITIVE_COLUMNS},
                  "lastChanged": "lastChanged", "deleted": "deleted"},
    "managers": {"id": "id", "employeeId": "employeeId", "supervisorEId": "supervisorEId",
                 "supervisor": "supervisor", "lastChanged": "lastChanged"},
    "departments": {"id": "id", "name": "name", "archived": "archived"},
}

log = logging.getLogger(__name__)


def _checked(resource: str) -> str:
    if resource not in EXPORT_COLUMNS:
        raise ValueError(f"unknown BambooHR resource {resource!r}; expected one of {', '.join(EXPORT_COLUMNS)}")
    return resource


def manager_rows(employees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Employee -> supervisor relations of the employees that have a supervisor."""
    return [{"id": e["id"], "employeeId": e["id"], "supervisorEId": e.get("supervisorEId"),
             "supervisor": e.get("supervisor"), "lastChanged": e.get("lastChanged")}
            for e in employees if e.get("supervisorEId")]


class BambooHRClient:
    """Read-only client for the resources in EXPORT_COLUMNS.

    `bank_account_field` is the (custom) BambooHR field holding the bank account number, when
    the company keeps one; it is read into the `bankAccount` column, sensitive like ssn and payRate.
    """

    def __init__(self, api_key: str, base_url: str, *, session: requests.Session | None = None,
                 bank_account_field: str | None = None) -> None:
        register_secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.bank_account_field = bank_account_field
        self.fields = (*EMPLOYEE_FIELDS, *SENSITIVE_FIELDS, *([bank_account_field] if bank_account_field else []))
        self.session = session or build_session(system="bamboohr")
        if isinstance(self.session, HubSession):   # whoever built the session, the call log never sees these
            self.session.redact_fields |= {f.lower() for f in (*SENSITIVE_FIELDS, bank_account_field) if f}
        self._auth = (api_key, "x")

    def __repr__(self) -> str:
        return f"BambooHRClient(base_url={self.base_url!r})"

    def resource_url(self, resource: str) -> str:
        """Where `resource` is read from (what lineage names as a record's origin)."""
        path = "meta/lists" if _checked(resource) == "departments" else "employees"
        return redact_url(f"{self.base_url}/{path}")

    def extract(self, resource: str, cursor: int | None = None) -> tuple[pd.DataFrame, int | None]:
        """Rows of `resource` and the cursor to resume from (departments are a snapshot: no cursor)."""
        if _checked(resource) == "departments":
            return flatten(EXPORT_COLUMNS[resource], self.departments()), None
        employees = list(self.iter_employees(cursor))
        rows = employees if resource == "employees" else manager_rows(employees)
        return flatten(EXPORT_COLUMNS[resource], rows), next_cursor((e.get("lastChanged") for e in employees), cursor)

    def iter_employees(self, since: int | None = None) -> Iterator[dict[str, Any]]:
        """Every employee (the directory) or those changed since `since`, with EMPLOYEE_FIELDS and the sensitive ones."""
        for employee_id, deleted, changed in self._employee_ids(since):
            if deleted:
                yield {"id": employee_id, "deleted": "true", "lastChanged": changed}
                continue
            record = self._get("employees", f"employees/{employee_id}",
                               {"fields": ",".join(self.fields), "onlyCurrent": "false"})
            if not isinstance(record, dict):
                raise ConnectorAPIError(VENDOR, "employees", 200, f"employee {employee_id}: the answer is not a record")
            if self.bank_account_field:
                record[BANK_ACCOUNT_COLUMN] = record.pop(self.bank_account_field, None)
            yield {**record, "id": employee_id, "deleted": "false", "lastChanged": record.get("lastChanged") or changed}

    def _employee_ids(self, since: int | None) -> list[tuple[str, bool, str | None]]:
        """(id, deleted, lastChanged) of the employees to read, each once."""
        if since is None:
            directory = self._get("employees", "employees/directory", None)
            people = directory.get("employees") if isinstance(directory, dict) else None
            if not isinstance(people, list) or not all(isinstance(p, dict) and p.get("id") for p in people):
                raise ConnectorAPIError(VENDOR, "employees", 200, "the directory is not a list of employees")
            return list({str(p["id"]): (str(p["id"]), False, None) for p in people}.values())
        changed = self._get("employees", "employees/changed", {"since": iso_z(since)})
        entries = changed.get("employees") if isinstance(changed, dict) else None
        if isinstance(entries, list):       # an empty change set may come as []
            entries = {str(e.get("id")): e for e in entries if isinstance(e, dict)}
        if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
            raise ConnectorAPIError(VENDOR, "employees", 200, "the changed list is not a map of employees")
        return [(str(e.get("id") or key), e.get("action") == "Deleted", e.get("lastChanged"))
                for key, e in entries.items()]

    def departments(self) -> list[dict[str, Any]]:
        """The options of the "department" list field."""
        lists = self._get("departments", "meta/lists", None)
        department = next((f for f in lists if isinstance(f, dict) and f.get("alias") == "department"), None) \
            if isinstance(lists, list) else None
        if department is None or not isinstance(department.get("options"), list):
            raise ConnectorAPIError(VENDOR, "departments", 200, "meta/lists holds no department list")
        return [o for o in department["options"] if isinstance(o, dict) and o.get("id") is not None]

    def _get(self, resource: str, path: str, params: dict[str, str] | None) -> Any:
        response = self.session.get(f"{self.base_url}/{path}", params=params, auth=self._auth,
                                    headers={"Accept": "application/json"})
        refuse_auth(VENDOR, resource, response, ENV_API_KEY)
        return read_json(VENDOR, resource, response, response.headers.get("X-BambooHR-Error-Message", ""))


def client_from_env(environ: dict[str, str] | None = None, *, call_log=None, budget=None) -> BambooHRClient:
    """A client from IH_BAMBOOHR_API_KEY and IH_BAMBOOHR_COMPANY (the subdomain; or IH_BAMBOOHR_BASE_URL
    for a proxy or a local fake), with IH_BAMBOOHR_BANK_ACCOUNT_FIELD when bank accounts are kept."""
    base_url = env_settings(VENDOR, [], {ENV_BASE_URL: None}, environ)[ENV_BASE_URL]
    required = [ENV_API_KEY] if base_url else [ENV_API_KEY, ENV_COMPANY]
    settings = env_settings(VENDOR, required, {ENV_COMPANY: None, ENV_BANK_FIELD: None}, environ)
    return BambooHRClient(settings[ENV_API_KEY], base_url or f"https://{settings[ENV_COMPANY]}.bamboohr.com/api/v1",
                          bank_account_field=settings[ENV_BANK_FIELD],
                          session=build_session(system="bamboohr", call_log=call_log, budget=budget))
