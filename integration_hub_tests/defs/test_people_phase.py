"""Phase 4 (people) on export files: BambooHR employees with their manager; SSN, bank account and
salary encrypted at extraction, masks only beyond it, and in plaintext nowhere the run wrote."""
from __future__ import annotations

import dagster as dg
import pandas as pd

from integration_hub.security.fields import all_encrypted
from integration_hub_tests.defs.conftest import checks_by_name, metadata, run_systems
from integration_hub_tests.defs.phase34_exports import (BANK_ACCOUNT, SALARY, SSN, mapped, quarantined,  # noqa: F401
                                                        sources, write_hr)
from integration_hub_tests.defs.test_redaction_scan import leaks

SENSITIVE = ("ssn", "bankAccount", "payRate")


def test_employees_map_with_manager_and_masks_and_no_sensitive_plaintext_is_stored(sources, hub_env, tmp_path):
    ids = write_hr(sources)
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.from_config(str(home)) as instance:       # on disk, as in production: scanned below
        result = run_systems(instance, "people_phase")
        assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
        extracted = result.output_for_node("hr__employees__extracted").set_index("id")
        cleaned = result.output_for_node("hr__employees__cleaned")
        employees = mapped(result, "hr", "employees")
        shown = metadata(result, "hr__employees__extracted")

    assert all(all_encrypted(extracted.loc[["2"], column]) for column in SENSITIVE)
    assert not set(SENSITIVE) & set(cleaned.columns)          # ciphertext stays in extracted; nothing cleans it
    assert shown["encrypted_columns"] == "ssn, bankAccount, payRate" and "[encrypted " in shown["preview"]
    report = employees.loc[ids["report"]]
    assert (report["manager_external_id"], report["department"], report["status"]) == (ids["manager"], "Finance",
                                                                                      "active")
    assert (report["ssn_mask"], report["bank_account_mask"]) == ("****4718", "****6789")
    manager = employees.loc[ids["manager"]]
    assert pd.isna(manager["manager_external_id"]) and pd.isna(manager["ssn_mask"])     # no SSN held, no mask
    assert pd.isna(report["termination_date"]) and report["hire_date"] == pd.Timestamp("2020-01-15", tz="UTC")

    bad = quarantined("hr", "employees")
    assert sorted(bad[["source_id", "stage", "rule"]].values.tolist()) == [
        [ids["bad"], "cleaned", "lastName.required"], [ids["deleted"], "cleaned", "employees.deleted_in_source"]]
    assert leaks([hub_env, home], {SSN, SSN.replace("-", ""), BANK_ACCOUNT, SALARY}, at_least=5) == []


def test_live_bamboohr_employees_map_as_the_export_does_and_no_plaintext_reaches_the_call_log(sources, hub_env,
                                                                                             instance, monkeypatch):
    from integration_hub.connectors.fakes.bamboohr_fake import BambooHRFake

    def employee(i: str, last: str, **fields) -> dict:
        return {"id": i, "employeeNumber": f"E{i}", "firstName": "Ada", "lastName": last, "displayName": "",
                "workEmail": f"ada{i}@example.com", "jobTitle": "Analyst", "department": "Finance", "division": "",
                "location": "Austin", "status": "Active", "hireDate": "2024-01-15", "terminationDate": None,
                "supervisorEId": None, "supervisor": None, "payType": "Salary", "payPer": "Year", "ssn": None,
                "payRate": None, "customBank": None, "lastChanged": "2026-02-01T10:00:00Z", **fields}
    people = [employee("1", "Boss"), employee("2", "Lovelace", supervisorEId="1", ssn=SSN, customBank=BANK_ACCOUNT,
                                              payRate=f"{SALARY} USD")]
    with BambooHRFake(people) as fake:
        monkeypatch.setenv("IH_BAMBOOHR_API_KEY", fake.api_key)
        monkeypatch.setenv("IH_BAMBOOHR_BASE_URL", fake.base_url)
        monkeypatch.setenv("IH_BAMBOOHR_BANK_ACCOUNT_FIELD", "customBank")
        result = run_systems(instance, "people_phase")
        assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
    assert metadata(result, "hr__employees__extracted")["origin"].startswith(fake.base_url)
    report = mapped(result, "hr", "employees").loc["hr:2"]
    assert (report["manager_external_id"], report["ssn_mask"], report["bank_account_mask"]) == \
        ("hr:1", "****4718", "****6789")
    calls = pd.read_sql("SELECT response_body FROM api_calls", f"sqlite:///{hub_env / 'hub.db'}")
    assert len(calls) >= 3 and calls["response_body"].notna().all()     # the directory and each employee, logged
    assert leaks([hub_env], {SSN, BANK_ACCOUNT, SALARY}, at_least=3) == []
