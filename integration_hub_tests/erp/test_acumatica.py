"""Acumatica adapter against the local contract-based REST fake: cookie session, wrapped bodies,
$top/$skip paging, rate limits, rejections and the posting record."""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.connectors.fakes import Fault
from integration_hub.connectors.fakes.acumatica_fake import AcumaticaFake
from integration_hub.connectors.http import build_session
from integration_hub.erp.acumatica import AcumaticaTarget, wrap
from integration_hub.erp.posting import PostingLog
from integration_hub_tests.erp import erp_batch

USER, PASSWORD, COMPANY = "hub-api", "s3cret!", "Company"


def target_for(fake, postings, password=PASSWORD, **kwargs) -> AcumaticaTarget:
    session = build_session(system="acumatica", backoff_factor=0)
    return AcumaticaTarget(fake.base_url, USER, password, COMPANY, postings, session=session, **kwargs)


def load(target, run="run-1"):
    return {entity: target.upsert(entity, frame, run_id=run, mapping_version="test@v1")
            for entity, frame in (("customer", erp_batch.customers()), ("invoice", erp_batch.invoices()),
                                  ("payment", erp_batch.payments()))}


def test_wrap_puts_every_scalar_in_a_value_object():
    assert wrap({"A": 1, "B": {"C": "x"}, "Details": [{"D": None}]}) == {
        "A": {"value": 1}, "B": {"C": {"value": "x"}}, "Details": [{"D": {"value": None}}]}


def test_login_once_cookie_on_every_call_and_logout_on_close(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings)
        load(target)
        target.close()
        requests = list(fake.requests)
        sessions = set(fake.sessions)
    assert [r.path for r in requests][0] == "/entity/auth/login"
    assert requests[0].json() == {"name": USER, "password": PASSWORD, "company": COMPANY}
    assert sum(r.path == "/entity/auth/login" for r in requests) == 1
    assert all(".ASPXAUTH=" in r.headers.get("Cookie", "") for r in requests[1:])
    assert requests[-1].path == "/entity/auth/logout" and not sessions


def test_wrong_password_raises_with_acumaticas_message(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings, password="nope")
        with pytest.raises(PermissionError, match="Invalid credentials"):
            target.upsert("customer", erp_batch.customers(), run_id="r", mapping_version="v")


def test_upsert_puts_wrapped_fields_to_the_entity_endpoint(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY, version="24.100.001") as fake:
        outcomes = load(target_for(fake, postings, version="24.100.001"))
        puts = [r for r in fake.requests if r.method == "PUT"]
    assert all((o["outcome"] == "created").all() for o in outcomes.values())
    assert {r.path for r in puts} == {f"/entity/Default/24.100.001/{e}" for e in ("Customer", "Invoice", "Payment")}
    invoice = next(r.json() for r in puts if r.json().get("ReferenceNbr") == {"value": "INV-000001"})
    assert invoice["Type"] == {"value": "Invoice"} and invoice["CustomerID"] == {"value": "billing:CUST-000001"}
    assert invoice["ExternalRef"] == {"value": "billing:INV-000001"} and invoice["Hold"] == {"value": False}
    assert invoice["Date"] == {"value": "2025-03-03T00:00:00Z"}
    assert [d["Amount"] for d in invoice["Details"]] == [{"value": 1000.0}, {"value": 82.5}]
    memo = next(r.json() for r in puts if r.json().get("Type") == {"value": "Credit Memo"})
    assert memo["Details"][0]["Amount"] == {"value": 200.0} and memo["Description"] == {"value": "INV-000001"}
    customer = next(r.json() for r in puts if r.path.endswith("/Customer"))
    assert customer["MainContact"]["Address"]["City"] == {"value": "Springfield"}
    refund = next(r.json() for r in puts if r.json().get("Type") == {"value": "Refund"})
    assert refund["PaymentAmount"] == {"value": 50.0}


def test_read_back_pages_with_top_and_skip_to_the_end(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings, page_size=2)
        load(target)
        invoices = target.read_back("invoice")
        payments = target.read_back("payment")
        customers = target.read_back("customer")
        gets = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/Invoice")
                and r.param("$filter") is None]     # not the look-ups before each create
    # Two specs read Invoice (invoices and credit memos); 4 records at 2 per page: 0, 2, 4 (short page).
    assert [r.param("$skip") for r in gets] == ["0", "2", "4"] * 2
    assert all(r.param("$top") == "2" and r.param("$expand") == "Details" for r in gets)
    source = erp_batch.invoices()
    assert sorted(invoices["external_id"]) == sorted(source["external_id"])
    assert invoices["total_minor"].sum() == source["total_minor"].sum()
    assert invoices.set_index("external_id").at["billing:CN-000001", "total_minor"] == -21_650
    assert payments["amount_minor"].sum() == erp_batch.payments()["amount_minor"].sum()
    assert len(customers) == 3 and customers["created_at"].notna().all()


def test_rate_limit_is_retried_honouring_retry_after(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings, concurrency=1)
        target.login()
        fake.inject(Fault(429, times=2, retry_after="0"))
        out = target.upsert("customer", erp_batch.customers().head(1), run_id="r", mapping_version="v")
        puts = [r for r in fake.requests if r.method == "PUT"]
    assert out["outcome"].tolist() == ["created"] and len(puts) == 3


def test_acumatica_rejection_comes_back_with_its_field_error(postings):
    bad = erp_batch.invoices().head(1).assign(subtotal_minor=-500, tax_minor=0, total_minor=-500)
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings)
        orphan = target.upsert("invoice", erp_batch.invoices().head(1), run_id="r", mapping_version="v")
        target.upsert("customer", erp_batch.customers(), run_id="r", mapping_version="v")
        out = target.upsert("invoice", bad, run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == ("Invoice ReferenceNbr=INV-000001: Acumatica 422: "
                                      "Amount: The document balance cannot be negative.")
    assert "CustomerID: 'Customer' cannot be found in the system." in orphan["message"].iloc[0]


def test_expired_session_logs_in_again(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings)
        target.upsert("customer", erp_batch.customers().head(1), run_id="r", mapping_version="v")
        fake.sessions.clear()
        out = target.upsert("customer", erp_batch.customers().tail(1), run_id="r", mapping_version="v")
        logins = fake.logins
    assert out["outcome"].tolist() == ["created"] and logins == 2


def test_posting_record_prevents_a_second_post_and_updates_by_id(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings)
        load(target)
        sent = len(fake.requests)
        again = load(target, run="run-2")
        resent = len(fake.requests)
        changed = erp_batch.payments().assign(amount_minor=[108_250, 90_000, -5_000])
        out = target.upsert("payment", changed, run_id="run-3", mapping_version="v")
        payments = fake.values("Payment")
        update = [r for r in fake.requests if r.method == "PUT"][-1].json()
    assert all((o["outcome"] == "unchanged").all() for o in again.values()) and resent == sent
    assert out["outcome"].tolist() == ["unchanged", "updated", "unchanged"]
    assert sorted(p["PaymentAmount"] for p in payments) == [50.0, 900.0, 1082.5]
    stored = postings.postings("acumatica", "payment", ["stripe:ch_0002"]).iloc[0]
    assert update["id"] == stored["erp_id"] and stored["run_id"] == "run-3"


def test_from_env_reads_the_documented_variables(postings):
    env = {"ACUMATICA_URL": "http://127.0.0.1:1", "ACUMATICA_USER": "u", "ACUMATICA_PASSWORD": "p",
           "ACUMATICA_COMPANY": "C"}
    target = AcumaticaTarget.from_env(postings, environ=env)
    assert target.endpoint == "http://127.0.0.1:1/entity/Default/23.200.001"
    env["ACUMATICA_ENDPOINT_VERSION"] = "24.200.001"
    assert AcumaticaTarget.from_env(postings, environ=env).endpoint.endswith("/24.200.001")
    with pytest.raises(RuntimeError, match="ACUMATICA_PASSWORD"):
        AcumaticaTarget.from_env(postings, environ={k: v for k, v in env.items() if k != "ACUMATICA_PASSWORD"})


def test_unknown_entity_columns_raise(postings):
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake, pytest.raises(ValueError, match="canonical columns"):
        target_for(fake, postings).upsert("customer", pd.DataFrame({"external_id": ["x"]}), run_id="r",
                                          mapping_version="v")


def test_a_changed_invoice_keeps_two_lines_and_a_lost_posting_adds_none(postings, tmp_path):
    """Acumatica adds detail lines sent without a line id, also on an update: the target names them."""
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        target = target_for(fake, postings)
        load(target)
        invoices = erp_batch.invoices()
        first = invoices.index[invoices["kind"] == "invoice"][0]
        changed = invoices.copy()
        changed.loc[first, ["subtotal_minor", "total_minor"]] += 500
        out = target.upsert("invoice", changed, run_id="run-2", mapping_version="v")
        # The hub store is lost (or the answer was): the same invoice is sent as if new.
        fresh = PostingLog(f"sqlite:///{tmp_path / 'other.db'}")
        target_for(fake, fresh).upsert("invoice", changed, run_id="run-3", mapping_version="v")
        fresh.close()
        number = changed.at[first, "invoice_number"]
        stored = next(r for r in fake.records["Invoice"].values() if r["ReferenceNbr"]["value"] == number)
    assert out.loc[first, "outcome"] == "updated"
    assert [d["Amount"]["value"] for d in stored["Details"]] == [
        changed.at[first, "subtotal_minor"] / 100, changed.at[first, "tax_minor"] / 100]
