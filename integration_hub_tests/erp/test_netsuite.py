"""NetSuite adapter against the local SuiteTalk REST fake: auth, upsert paths and bodies, paging,
rate limits, rejections and the posting record."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from integration_hub.connectors.fakes.netsuite_fake import (
    NetSuiteFake,
    error_body,
    rate_limit_fault,
)
from integration_hub.connectors.http import build_session
from integration_hub.erp.netsuite import (
    NetSuiteError,
    NetSuiteTarget,
    credentials_from_env,
    decode_external_id,
    encode_external_id,
)
from integration_hub.erp.netsuite_auth import (
    TokenCredentials,
    normalized_parameters,
    parse_authorization,
    sign,
    signature_base_string,
)
from integration_hub.erp.posting import PostingLog
from integration_hub_tests.erp import erp_batch

CREDS = TokenCredentials("1234567_SB1", "ck-abc", "cs-secret", "tk-def", "ts-secret")


def test_signature_matches_the_published_oauth_vector():
    # OAuth Core 1.0 appendix A.5 / RFC 5849 example: known base string and HMAC-SHA1 signature.
    params = {"oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_token": "nnch734d00sl2jdk",
              "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "1191242096",
              "oauth_nonce": "kllo9940pd9333jh", "oauth_version": "1.0"}
    base = signature_base_string("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", params)
    assert base == ("GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3D"
                    "dpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26"
                    "oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3D"
                    "original")
    assert sign(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "HMAC-SHA1") == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="


def test_parameter_normalization_follows_rfc5849_section_3_4_1_3_2():
    pairs = [("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b"), ("oauth_consumer_key", "9djdj82h48djs9d2"),
             ("oauth_token", "kkk9d7dh3k39sjv7"), ("oauth_signature_method", "HMAC-SHA1"),
             ("oauth_timestamp", "137131201"), ("oauth_nonce", "7d8f3e4a"), ("c2", ""), ("a3", "2 q")]
    assert normalized_parameters(pairs) == (
        "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&"
        "oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7")


def test_authorization_header_carries_realm_and_hmac_sha256():
    header = CREDS.authorization("GET", "https://1234567-sb1.suitetalk.api.netsuite.com/x?limit=5", nonce="n1",
                                 timestamp=1700000000)
    params = parse_authorization(header)
    assert params["realm"] == "1234567_SB1" and params["oauth_signature_method"] == "HMAC-SHA256"
    assert params["oauth_consumer_key"] == "ck-abc" and params["oauth_token"] == "tk-def"
    base = signature_base_string("GET", "https://1234567-sb1.suitetalk.api.netsuite.com/x?limit=5", params)
    assert params["oauth_signature"] == sign(base, "cs-secret", "ts-secret")
    assert "cs-secret" not in header and "ts-secret" not in header


@pytest.mark.parametrize("external_id", ["stripe:cus_ABC", "billing:INV-000001", "a__b:%|é", "_3A"])
def test_external_id_escaping_is_reversible_and_netsuite_safe(external_id):
    key = encode_external_id(external_id)
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    assert decode_external_id(key) == external_id


def test_credentials_come_from_the_environment():
    env = dict(zip(("NETSUITE_ACCOUNT_ID", "NETSUITE_CONSUMER_KEY", "NETSUITE_CONSUMER_SECRET", "NETSUITE_TOKEN_ID",
                    "NETSUITE_TOKEN_SECRET"), ("123", "a", "b", "c", "d")))
    assert credentials_from_env(env) == TokenCredentials("123", "a", "b", "c", "d")
    with pytest.raises(RuntimeError, match="NETSUITE_TOKEN_SECRET"):
        credentials_from_env({k: v for k, v in env.items() if k != "NETSUITE_TOKEN_SECRET"})


def target_for(fake: NetSuiteFake, postings: PostingLog, **kwargs) -> NetSuiteTarget:
    session = build_session(system="netsuite", backoff_factor=0)
    return NetSuiteTarget(CREDS, postings, base_url=fake.base_url, session=session, backoff=0, **kwargs)


def load(target, run="run-1"):
    out = {}
    for entity, frame in (("customer", erp_batch.customers()), ("invoice", erp_batch.invoices()),
                          ("payment", erp_batch.payments())):
        out[entity] = target.upsert(entity, frame, run_id=run, mapping_version="test@v1")
    return out


def test_upsert_puts_mapped_bodies_to_external_id_paths(postings):
    with NetSuiteFake(CREDS) as fake:
        outcomes = load(target_for(fake, postings))
        puts = [r for r in fake.requests if r.method == "PUT"]
    assert all((o["outcome"] == "created").all() for o in outcomes.values())
    paths = {r.path for r in puts}
    assert "/services/rest/record/v1/customer/eid:billing_3ACUST-000001" in paths
    assert "/services/rest/record/v1/invoice/eid:billing_3AINV-000001" in paths
    assert "/services/rest/record/v1/creditMemo/eid:billing_3ACN-000001" in paths
    assert "/services/rest/record/v1/customerPayment/eid:stripe_3Ach__0001" in paths
    assert "/services/rest/record/v1/customerRefund/eid:stripe_3Are__0001" in paths
    body = next(json.loads(r.body) for r in puts if r.path.endswith("eid:billing_3AINV-000001"))
    assert body["entity"] == {"externalId": "billing_3ACUST-000001"}
    assert body["tranId"] == "INV-000001" and body["tranDate"] == "2025-03-03" and body["dueDate"] == "2025-04-02"
    assert body["currency"] == {"refName": "USD"}
    assert [(line["item"]["externalId"], line["amount"]) for line in body["item"]["items"]] == [
        ("hub-service", 1000.0), ("hub-sales-tax", 82.5)]
    customer = next(json.loads(r.body) for r in puts if r.path.endswith("eid:billing_3ACUST-000002"))
    assert customer["companyName"] == "Globex GmbH" and customer["subsidiary"] == {"id": "1"}
    assert customer["addressBook"]["items"][0]["addressBookAddress"]["country"] == {"id": "DE"}
    memo = next(json.loads(r.body) for r in puts if "creditMemo" in r.path)
    assert memo["item"]["items"][0]["amount"] == 200.0 and memo["memo"] == "INV-000001"


def test_every_request_is_signed_with_a_fresh_nonce(postings):
    with NetSuiteFake(CREDS) as fake:
        load(target_for(fake, postings))
        nonces = [parse_authorization(r.headers["Authorization"])["oauth_nonce"] for r in fake.requests]
        statuses = [r for r in fake.requests]
    assert len(nonces) == len(set(nonces)) == len(statuses)


def test_wrong_secret_is_refused_by_the_fake(postings):
    wrong = TokenCredentials("1234567_SB1", "ck-abc", "cs-secret", "tk-def", "not-the-secret")
    with NetSuiteFake(CREDS) as fake:
        target = NetSuiteTarget(wrong, postings, base_url=fake.base_url, backoff=0)
        out = target.upsert("customer", erp_batch.customers().head(1), run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert "INVALID_LOGIN" in out["message"].iloc[0]


def test_read_back_pages_to_the_end_and_returns_canonical_records(postings):
    with NetSuiteFake(CREDS) as fake:
        target = target_for(fake, postings, page_size=2)
        load(target)
        invoices = target.read_back("invoice")
        customers = target.read_back("customer")
        payments = target.read_back("payment")
        lists = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/invoice")]
    assert [r.param("offset") for r in lists] == ["0", "2"]  # 3 invoices, limit 2: two pages
    source = erp_batch.invoices()
    assert len(invoices) == len(source)
    assert sorted(invoices["external_id"]) == sorted(source["external_id"])
    assert invoices["total_minor"].sum() == source["total_minor"].sum()
    assert invoices["subtotal_minor"].sum() == source["subtotal_minor"].sum()
    got = invoices.set_index("external_id")
    assert got.at["billing:INV-000002", "customer_external_id"] == "billing:CUST-000002"
    assert got.at["billing:CN-000001", "kind"] == "credit_note"
    assert got.at["billing:INV-000001", "issue_date"] == erp_batch.DAY
    assert set(got["run_id"]) == {"run-1"} and got["loaded_at"].notna().all()
    assert customers.set_index("external_id").at["billing:CUST-000002", "country"] == "DE"
    assert payments["amount_minor"].sum() == erp_batch.payments()["amount_minor"].sum()


def test_rate_limits_are_retried_with_backoff_and_a_new_signature(postings):
    faults = [rate_limit_fault(429, retry_after="0"), rate_limit_fault(400, times=2)]
    with NetSuiteFake(CREDS, faults=faults) as fake:
        target = target_for(fake, postings, concurrency=1)
        out = target.upsert("customer", erp_batch.customers().head(1), run_id="r", mapping_version="v")
        statuses = len(fake.requests)
        nonces = {parse_authorization(r.headers["Authorization"])["oauth_nonce"] for r in fake.requests}
        stored = fake.by_external_id("customer", "billing_3ACUST-000001")
    assert out["outcome"].tolist() == ["created"]
    assert statuses == 4 and len(nonces) == 4
    assert stored["companyName"] == "Acme Corp"


def test_rate_limit_past_the_retry_budget_rejects_with_netsuites_message(postings):
    with NetSuiteFake(CREDS, faults=[rate_limit_fault(429, times=10)]) as fake:
        target = target_for(fake, postings, concurrency=1, max_retries=2)
        out = target.upsert("customer", erp_batch.customers().head(1), run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert "SSS_REQUEST_LIMIT_EXCEEDED" in out["message"].iloc[0]
    assert postings.postings("netsuite", "customer").empty


def test_netsuite_rejection_comes_back_with_its_detail(postings):
    bad = erp_batch.invoices().head(1).assign(subtotal_minor=-500, tax_minor=0, total_minor=-500)
    with NetSuiteFake(CREDS) as fake:
        target = target_for(fake, postings)
        target.upsert("customer", erp_batch.customers(), run_id="r", mapping_version="v")
        out = target.upsert("invoice", bad, run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    message = out["message"].iloc[0]
    assert "USER_ERROR" in message and "amount of a line must be greater than or equal to zero" in message
    assert "billing_3AINV-000001" in message


def test_unknown_customer_and_unmapped_payment_are_rejected_with_reasons(postings):
    failed = pd.DataFrame([erp_batch.payment("ch_9", 100, status="failed"),
                           erp_batch.payment("ch_8", 100, customer=None)])
    with NetSuiteFake(CREDS) as fake:
        target = target_for(fake, postings)
        orphan = target.upsert("invoice", erp_batch.invoices().head(1), run_id="r", mapping_version="v")
        out = target.upsert("payment", failed, run_id="r", mapping_version="v")
    assert "Invalid entity reference key billing_3ACUST-000001" in orphan["message"].iloc[0]
    assert out["outcome"].tolist() == ["rejected", "rejected"]
    assert "no netsuite mapping spec" in out["message"].iloc[0] and "status='failed'" in out["message"].iloc[0]
    assert "customer.externalId.required" in out["message"].iloc[1]


def test_posting_record_prevents_a_second_post_and_updates_changes(postings):
    with NetSuiteFake(CREDS) as fake:
        target = target_for(fake, postings)
        load(target)
        before = len(fake.requests)
        again = load(target, run="run-2")
        assert len(fake.requests) == before  # nothing sent at all
        changed = erp_batch.customers().assign(name=lambda f: f["name"].where(f.index != 0, "Acme Corporation"))
        out = target.upsert("customer", changed, run_id="run-3", mapping_version="v")
        stored = fake.by_external_id("customer", "billing_3ACUST-000001")
        records = len(fake.records["customer"])
    assert all((o["outcome"] == "unchanged").all() for o in again.values())
    assert out["outcome"].tolist() == ["updated", "unchanged", "unchanged"]
    assert stored["companyName"] == "Acme Corporation" and records == 3
    row = postings.postings("netsuite", "customer", ["billing:CUST-000001"]).iloc[0]
    assert row["run_id"] == "run-3" and row["erp_id"] == stored["id"]


def test_requests_run_in_parallel_up_to_the_concurrency_limit(postings):
    many = pd.concat([erp_batch.customers().assign(external_id=lambda f, i=i: f["external_id"] + f"-{i}")
                      for i in range(6)], ignore_index=True)
    with NetSuiteFake(CREDS, latency=0.05) as fake:
        out = target_for(fake, postings, concurrency=3).upsert("customer", many, run_id="r", mapping_version="v")
        peak = fake.max_in_flight
    assert (out["outcome"] == "created").all()
    assert 2 <= peak <= 3


def test_error_body_shape_is_the_documented_one():
    body = error_body(400, "USER_ERROR", "x")
    assert set(body) == {"type", "title", "status", "o:errorDetails"}
    assert body["o:errorDetails"] == [{"detail": "x", "o:errorCode": "USER_ERROR"}]


def test_an_unreachable_netsuite_rejects_without_recording(postings):
    target = NetSuiteTarget(CREDS, postings, base_url="http://127.0.0.1:1", backoff=0, max_retries=1)
    out = target.upsert("customer", erp_batch.customers().head(2), run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected", "rejected"]
    assert out["message"].str.contains("no answer from netsuite").all()
    assert postings.postings("netsuite", "customer").empty


def test_a_read_back_page_that_is_not_json_fails_naming_netsuite_the_endpoint_and_status(postings):
    from integration_hub.connectors.fakes.server import Fault

    with NetSuiteFake(CREDS) as fake:
        target = target_for(fake, postings, page_size=2)
        load(target)
        fake.inject(Fault(malformed=True, method="GET", skip=1))
        with pytest.raises(NetSuiteError) as caught:
            target.read_back("invoice")
    print(f"netsuite read-back, second GET malformed: {caught.value}")
    assert str(caught.value).startswith("NetSuite 200: GET /services/rest/record/v1/")
    assert "malformed JSON in the answer" in str(caught.value) and caught.value.__cause__ is None


def test_a_changed_invoice_replaces_its_lines_instead_of_adding_to_them(postings):
    """NetSuite adds sublist lines sent without `replace` to those the record holds."""
    with NetSuiteFake(CREDS) as fake:
        target = target_for(fake, postings)
        load(target)
        invoices = erp_batch.invoices()
        first = invoices.index[invoices["kind"] == "invoice"][0]
        changed = invoices.copy()
        changed.loc[first, ["subtotal_minor", "total_minor"]] += 500
        out = target.upsert("invoice", changed, run_id="run-2", mapping_version="v")
        key = target.key(changed.at[first, "external_id"])
        stored = fake.by_external_id("invoice", key)
        puts = [r for r in fake.requests if r.method == "PUT" and r.path.endswith(key)]
    assert out.loc[first, "outcome"] == "updated"
    assert [line["amount"] for line in stored["item"]["items"]] == [
        changed.at[first, "subtotal_minor"] / 100, changed.at[first, "tax_minor"] / 100]
    assert puts and all(r.param("replace") == "item" for r in puts)
