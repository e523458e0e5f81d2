from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.connectors.bamboohr import SENSITIVE_COLUMNS, BambooHRClient, client_from_env
from integration_hub.connectors.fakes.bamboohr_fake import BambooHRFake
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import RetriesExhaustedError, build_session
from integration_hub.connectors.request_budget import RequestBudget
from integration_hub.connectors.vendor_rest import ConnectorAPIError, ConnectorAuthError
from integration_hub.security.keys import Keyring
from integration_hub.security.protect import protect_frame

API_KEY = "bamboo-hub-key-8f3a61c2"
T0 = datetime(2026, 4, 1, tzinfo=UTC)
SSN, SALARY, BANK = "123-45-6789", "85250.00 USD", "000123456789"


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def epoch(seconds: float) -> int:
    return int((T0 + timedelta(seconds=seconds)).timestamp())


def employee(n: int, changed: float, **extra) -> dict:
    return {"id": str(n), "employeeNumber": f"E{n:03d}", "firstName": "Ada", "lastName": f"L{n}",
            "displayName": f"Ada L{n}", "workEmail": f"ada{n}@example.com", "jobTitle": "Analyst",
            "department": "Finance", "division": "HQ", "location": "Austin", "status": "Active",
            "hireDate": "2024-01-15", "terminationDate": None, "supervisorEId": "1" if n != 1 else None,
            "supervisor": "Boss, Big" if n != 1 else None, "payType": "Salary", "payPer": "Year",
            "ssn": f"123-45-{6700 + n:04d}", "payRate": f"{80000 + n}.00 USD", "customBankAccount": f"0001234{n:05d}",
            "lastChanged": iso(changed), **extra}


def client_for(fake: BambooHRFake, *, api_key: str = API_KEY, budget=None, call_log=None, **kwargs):
    session = build_session(system="bamboohr", backoff_factor=0, budget=budget, call_log=call_log)
    return BambooHRClient(api_key, fake.base_url, session=session, bank_account_field="customBankAccount", **kwargs)


def test_first_extraction_reads_the_directory_then_each_employee_sensitive_fields_included():
    with BambooHRFake([employee(n, n) for n in range(1, 5)], api_key=API_KEY) as fake:
        frame, cursor = client_for(fake).extract("employees")
        paths = [r.path for r in fake.requests]
        one = fake.requests[1]
    assert paths == ["/api/v1/employees/directory", *[f"/api/v1/employees/{n}" for n in range(1, 5)]]
    assert one.headers["Accept"] == "application/json" and one.param("onlyCurrent") == "false"
    assert base64.b64decode(one.headers["Authorization"].split()[1]).decode() == f"{API_KEY}:x"
    assert {"ssn", "payRate", "customBankAccount", "supervisorEId", "lastChanged"} <= set(one.param("fields").split(","))
    row = frame.set_index("id").loc["2"]
    assert row[["ssn", "payRate", "bankAccount", "supervisorEId", "deleted"]].tolist() == \
        ["123-45-6702", "80002.00 USD", "000123400002", "1", "false"]
    assert cursor == epoch(4) and set(SENSITIVE_COLUMNS) <= set(frame.columns)


def test_resume_from_cursor_reads_the_changed_list_with_deletions_and_loses_none():
    with BambooHRFake([employee(n, n * 10) for n in range(1, 6)], api_key=API_KEY) as fake:
        client = client_for(fake)
        first, cursor = client.extract("employees")
        fake.upsert(employee(3, 70, jobTitle="Lead"), employee(9, 80))
        fake.delete("4", iso(75))
        second, next_cursor = client.extract("employees", cursor)
        changed = [r for r in fake.requests if r.path.endswith("/employees/changed")]
    assert [r.param("since") for r in changed] == ["2026-04-01T00:00:50Z"] and cursor == epoch(50)
    rows = second.set_index("id")
    assert sorted(rows.index) == ["3", "4", "5", "9"]           # 5 changed in the cursor's own second
    assert rows.loc["3", "jobTitle"] == "Lead" and rows.loc["4", "deleted"] == "true" and rows.loc["4", "ssn"] == ""
    assert next_cursor == epoch(80) and set(first["id"]) | set(second["id"]) == {"1", "2", "3", "4", "5", "9"}


def test_managers_and_departments():
    with BambooHRFake([employee(n, n) for n in range(1, 4)], ["Sales", "Finance"], api_key=API_KEY) as fake:
        client = client_for(fake)
        managers, _ = client.extract("managers")
        departments, cursor = client.extract("departments")
    assert managers[["employeeId", "supervisorEId", "supervisor"]].values.tolist() == \
        [["2", "1", "Boss, Big"], ["3", "1", "Boss, Big"]]
    assert departments.values.tolist() == [["100", "Sales", "no"], ["101", "Finance", "no"]] and cursor is None


def test_no_planted_ssn_salary_or_bank_account_in_the_call_log_logs_or_errors(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="r1")
    planted = employee(7, 7, ssn=SSN, payRate=SALARY, customBankAccount=BANK)
    faults = [Fault(200, malformed=True, path="/api/v1/employees/7"), Fault(500, times=10, path="/api/v1/employees/7")]
    with BambooHRFake([planted], api_key=API_KEY) as fake:
        # The caller's session knows nothing of BambooHR's fields: the client makes it blank them.
        frame, _ = client_for(fake, call_log=log).extract("employees")
        fake._server.inject(*faults)
        with pytest.raises(ConnectorAPIError) as malformed:
            client_for(fake, call_log=log).extract("employees")
        with pytest.raises(RetriesExhaustedError) as exhausted:
            client_for(fake, call_log=log).extract("employees")
    rows = log.calls().astype(str).to_numpy().ravel()
    log.dispose()
    assert frame.iloc[0][["ssn", "payRate", "bankAccount"]].tolist() == [SSN, SALARY, BANK]   # for the encryption
    texts = [*rows, caplog.text, str(malformed.value), str(exhausted.value)]
    assert len(rows) > 0 and not [(v, t) for v in (SSN, SALARY, "85250", BANK) for t in texts if v in t]
    protected = protect_frame(frame, system="bamboohr", entity="employees", sensitive=SENSITIVE_COLUMNS,
                              keyring=Keyring.generate("k1"))
    assert not [v for v in (SSN, SALARY, BANK) if v in protected.frame.to_string()]
    assert protected.encrypted == {"ssn": 1, "payRate": 1, "bankAccount": 1}


def test_throttling_503_with_retry_after_and_5xx_are_recovered():
    faults = [Fault(502, path="/api/v1/employees/directory"), Fault(500, times=2, path="/api/v1/employees/2")]
    with BambooHRFake([employee(n, n) for n in range(1, 5)], api_key=API_KEY, limit=3, window=1.0,
                      faults=faults) as fake:
        frame, _ = client_for(fake).extract("employees")
        throttled = fake.rate.refused
    assert sorted(frame["id"]) == ["1", "2", "3", "4"] and throttled > 0


def test_the_request_budget_keeps_the_sync_under_the_limit(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    budget = RequestBudget(engine, "bamboohr", 3)
    with BambooHRFake([employee(n, n) for n in range(1, 8)], api_key=API_KEY, limit=3, window=1.0) as fake:
        frame, _ = client_for(fake, budget=budget).extract("employees")
        throttled, arrivals = fake.rate.refused, sorted(r.at for r in fake.requests)
    engine.dispose()
    assert len(frame) == 7 and throttled == 0 and arrivals[-1] - arrivals[0] >= 2.0


def test_a_refused_key_is_one_clear_line_naming_the_variable():
    with BambooHRFake([employee(1, 1)], api_key=API_KEY) as fake:
        with pytest.raises(ConnectorAuthError) as caught:
            client_for(fake, api_key="bamboo-wrong-key-0000").extract("employees")
        calls = len(fake.requests)
    assert str(caught.value) == ("BambooHR employees: the credentials were refused (HTTP 401 Unauthorized); "
                                 "check IH_BAMBOOHR_API_KEY")
    assert calls == 1


def test_an_error_answer_quotes_bamboohr_s_error_header():
    with BambooHRFake([employee(1, 1)], api_key=API_KEY) as fake:
        fake._server.inject(Fault(200, path="/api/v1/employees/directory",
                                  rewrite=lambda page, _: {**page, "employees": [*page["employees"], {"id": "404"}]}))
        with pytest.raises(ConnectorAPIError) as caught:
            client_for(fake).extract("employees")
    assert str(caught.value) == "BambooHR employees: HTTP 404: Employee 404 not found"


def test_credentials_come_from_the_environment():
    with pytest.raises(ValueError, match=r"needs IH_BAMBOOHR_API_KEY, IH_BAMBOOHR_COMPANY; unset: IH_BAMBOOHR_API_KEY, "
                                         r"IH_BAMBOOHR_COMPANY$"):
        client_from_env({})
    client = client_from_env({"IH_BAMBOOHR_API_KEY": API_KEY, "IH_BAMBOOHR_COMPANY": "acme"})
    assert client.base_url == "https://acme.bamboohr.com/api/v1" and API_KEY not in repr(client)
    with BambooHRFake([employee(1, 1)], api_key=API_KEY) as fake:
        frame, _ = client_from_env({"IH_BAMBOOHR_API_KEY": API_KEY, "IH_BAMBOOHR_BASE_URL": fake.base_url}) \
            .extract("employees")
    assert frame["bankAccount"].tolist() == [""]     # no bank account field configured
