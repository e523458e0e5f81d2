from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.connectors.fakes.salesforce_fake import SalesforceFake
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import build_session
from integration_hub.connectors.salesforce import (
    SalesforceAPIError,
    SalesforceAuthError,
    SalesforceClient,
    SalesforceCredentials,
    SalesforceLimitError,
    flatten,
)

CLIENT_ID, SECRET, REFRESH = "3MVG9hub.client.id", "hub-client-secret-7781", "5Aep861hubRefreshToken0042"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
QUERY = "/services/data/v62.0/query"

# Data Loader's column order, copied on purpose rather than read from the module.
LAYOUT = {
    "accounts": ["Id", "Name", "ParentId", "Type", "Industry", "Phone", "Website", "BillingStreet", "BillingCity",
                 "BillingState", "BillingPostalCode", "BillingCountry", "AnnualRevenue", "CreatedDate",
                 "LastModifiedDate", "SystemModstamp"],
    "opportunities": ["Id", "AccountId", "Name", "StageName", "Amount", "CurrencyIsoCode", "CloseDate", "Probability",
                      "IsWon", "IsClosed", "CreatedDate", "SystemModstamp"],
}


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def account(n: int, modified: float) -> dict:
    return {"Id": f"001FAKE{n:08d}", "Name": f"Account {n}", "ParentId": None, "Type": "Customer",
            "Industry": "Retail", "Phone": "(512) 555-0100", "Website": None, "BillingStreet": f"{n} Main St",
            "BillingCity": "Austin", "BillingState": "TX", "BillingPostalCode": "78701", "BillingCountry": "US",
            "AnnualRevenue": 1500000.0, "CreatedDate": stamp(0), "LastModifiedDate": stamp(modified),
            "SystemModstamp": stamp(modified)}


def client_for(fake: SalesforceFake, *, refresh_token: str | None = None, secret: str = SECRET,
               call_log=None, **kwargs) -> SalesforceClient:
    session = build_session(system="salesforce", backoff_factor=0, call_log=call_log)
    credentials = SalesforceCredentials(CLIENT_ID, secret, refresh_token)
    return SalesforceClient(fake.base_url, credentials, session=session, **kwargs)


def fake_with(records: dict, **kwargs) -> SalesforceFake:
    return SalesforceFake(records, client_id=CLIENT_ID, client_secret=SECRET, refresh_token=REFRESH, **kwargs)


def test_query_pages_through_next_records_url_to_the_end():
    accounts = [account(n, n // 3) for n in range(450)]   # three records share each second
    with fake_with({"Account": accounts}) as fake:
        frame, cursor = client_for(fake, batch_size=200).extract("accounts")
        queries = fake.query_requests()
    assert list(frame.columns) == LAYOUT["accounts"]
    assert sorted(frame["Id"]) == sorted(a["Id"] for a in accounts) and frame["Id"].is_unique
    assert [r.path for r in queries] == [QUERY, f"{QUERY}/01gFAKE00000001-200", f"{QUERY}/01gFAKE00000001-400"]
    assert all(r.headers["Sforce-Query-Options"] == "batchSize=200" for r in queries)
    soql = queries[0].param("q")
    assert soql.startswith("SELECT Id, Name, ParentId,") and soql.endswith(" FROM Account ORDER BY SystemModstamp, Id")
    assert cursor == int((T0 + timedelta(seconds=149)).timestamp())


def test_values_are_text_as_the_data_loader_writes_them():
    opportunity = {"attributes": {"type": "Opportunity", "url": "/x"}, "Id": "006FAKE1", "AccountId": None,
                   "Name": "Big deal", "StageName": "Closed Won", "Amount": 12500.5, "CurrencyIsoCode": "EUR",
                   "CloseDate": "2025-03-01", "Probability": 100, "IsWon": True, "IsClosed": False,
                   "CreatedDate": stamp(0), "SystemModstamp": stamp(5)}
    with fake_with({"Opportunity": [opportunity]}) as fake:
        frame, _ = client_for(fake).extract("opportunities")
    assert list(frame.columns) == LAYOUT["opportunities"]
    assert frame.iloc[0].to_dict() == {
        "Id": "006FAKE1", "AccountId": "", "Name": "Big deal", "StageName": "Closed Won", "Amount": "12500.5",
        "CurrencyIsoCode": "EUR", "CloseDate": "2025-03-01", "Probability": "100", "IsWon": "true",
        "IsClosed": "false", "CreatedDate": "2025-03-01T12:00:00.000+0000",
        "SystemModstamp": "2025-03-01T12:00:05.000+0000"}
    assert flatten("products", []).columns.tolist()[-1] == "SystemModstamp"


def test_resume_from_cursor_gets_changed_records_only_once_each():
    with fake_with({"Account": [account(n, n * 10) for n in range(30)]}) as fake:
        client = client_for(fake, batch_size=200)
        first, cursor = client.extract("accounts")
        assert cursor == int((T0 + timedelta(seconds=290)).timestamp())
        edited = {**account(3, 400), "Name": "Renamed"}
        fake.upsert("Account", edited, account(100, 290), account(101, 500))  # 100 shares the cursor's second
        second, next_cursor = client.extract("accounts", cursor)
        soql = fake.query_requests()[-1].param("q")
    assert "WHERE SystemModstamp >= 2025-03-01T12:04:50Z ORDER BY SystemModstamp, Id" in soql
    # Inclusive: the last record of the first run (29) comes back, with the two new and the edited one.
    assert second["Id"].tolist() == ["001FAKE00000029", "001FAKE00000100", "001FAKE00000003", "001FAKE00000101"]
    assert second.set_index("Id").loc["001FAKE00000003", "Name"] == "Renamed"
    assert next_cursor == int((T0 + timedelta(seconds=500)).timestamp())
    assert len(first) == 30


def _order(n: int, modified: float) -> dict:
    return {"Id": f"801FAKE{n:08d}", "SystemModstamp": stamp(modified)}


def _item(n: int, order: int, modified: float) -> dict:
    return {"Id": f"802FAKE{n:08d}", "OrderId": f"801FAKE{order:08d}", "Product2Id": "01tFAKE00000001",
            "OrderItemNumber": f"{n:010d}", "Quantity": 1, "CurrencyIsoCode": "USD", "UnitPrice": 10.0,
            "TotalPrice": 10.0, "Description": None, "CreatedDate": stamp(0), "SystemModstamp": stamp(modified)}


def test_an_increment_of_order_items_carries_every_item_of_each_touched_order():
    """The ERP gets an order's lines as its whole sublist: an increment of only the changed items would
    drop the others, and a deleted item shows only as absent from its order's items."""
    orders = [_order(1, 10), _order(2, 10), _order(3, 10)]      # before the cursor the first run leaves (50)
    items = [_item(1, 1, 50), _item(2, 1, 50), _item(3, 2, 40), _item(4, 2, 40), _item(5, 3, 20)]
    with fake_with({"Order": orders, "OrderItem": items}) as fake:
        client = client_for(fake, batch_size=200)
        first, cursor = client.extract("order_items")
        fake.upsert("OrderItem", {**_item(1, 1, 100), "Quantity": 3})      # an item of order 1 changed
        fake.delete("OrderItem", "802FAKE00000003")                       # an item of order 2 deleted ...
        fake.upsert("Order", _order(2, 100))                              # ... which re-totals order 2
        second, next_cursor = client.extract("order_items", cursor)
    assert len(first) == 5
    assert sorted(second["Id"]) == ["802FAKE00000001", "802FAKE00000002", "802FAKE00000004"]   # order 3 untouched
    assert second.set_index("Id").loc["802FAKE00000001", "Quantity"] == "3"
    assert second["Id"].is_unique and next_cursor == int((T0 + timedelta(seconds=100)).timestamp())


def test_record_repeated_on_a_later_page_is_dropped_and_counted():
    accounts = [account(n, n) for n in range(250)]
    repeat = Fault(200, path=f"{QUERY}/01gFAKE00000001-200",
                   rewrite=lambda page, _: {**page, "records": [{"attributes": {}, **accounts[199]}, *page["records"]]})
    with fake_with({"Account": accounts}, faults=[repeat]) as fake:
        client = client_for(fake, batch_size=200)
        frame, _ = client.extract("accounts")
    assert len(frame) == 250 and frame["Id"].is_unique and client.duplicates_skipped == {"accounts": 1}


def test_5xx_and_429_are_recovered_by_the_session():
    faults = [Fault(503, times=2, path=QUERY), Fault(429, retry_after="0", path=f"{QUERY}/01gFAKE00000001-200")]
    with fake_with({"Account": [account(n, n) for n in range(300)]}, faults=faults) as fake:
        frame, _ = client_for(fake, batch_size=200).extract("accounts")
        statuses = len(fake.query_requests())
        assert fake._server.pending_faults() == 0
    assert len(frame) == 300 and statuses == 5   # 2 refused + first page, 1 refused + second page


def test_limit_info_is_kept_and_logged(caplog):
    caplog.set_level(logging.INFO, logger="integration_hub.connectors.salesforce")
    with fake_with({"Account": [account(n, n) for n in range(250)]}, api_usage=17) as fake:
        client = client_for(fake, batch_size=200)
        client.extract("accounts")
    assert client.limit_info == (19, 5000)
    assert "api-usage=19/5000" in caplog.text


def test_daily_limit_is_reported_clearly_and_not_retried():
    with fake_with({"Account": [account(1, 1)]}, api_limit=5000) as fake:
        fake.exhaust_daily_limit()
        client = client_for(fake)
        with pytest.raises(SalesforceLimitError) as caught:
            client.extract("accounts", 1_700_000_000)
        queries = fake.query_requests()
    assert str(caught.value) == (
        "Salesforce Account: HTTP 403 REQUEST_LIMIT_EXCEEDED: daily API request limit reached (api-usage=5000/5000); "
        "the sync stops; it resumes from its cursor after the limit resets (TotalRequests Limit exceeded.)")
    assert len(queries) == 1 and client.limit_info == (5000, 5000)


def test_daily_limit_reached_mid_sync_stops_without_a_cursor():
    with fake_with({"Account": [account(n, n) for n in range(450)]}, api_limit=5000, api_usage=4998) as fake:
        with pytest.raises(SalesforceLimitError, match="api-usage=5000/5000"):
            client_for(fake, batch_size=200).extract("accounts")
        assert len(fake.query_requests()) == 3


def test_expired_session_is_refreshed_once_then_the_call_succeeds():
    with fake_with({"Account": [account(n, n) for n in range(3)]}) as fake:
        client = client_for(fake, refresh_token=REFRESH)
        client.extract("accounts")
        fake.expire_sessions()
        frame, _ = client.extract("accounts")
        calls = [(r.method, r.path) for r in fake.requests]
        grants = [r.body.decode() for r in fake.requests if r.method == "POST"]
        tokens = list(fake.issued)
        auth = [r.headers["Authorization"] for r in fake.query_requests()]
    assert len(frame) == 3
    assert calls == [("POST", "/services/oauth2/token"), ("GET", QUERY), ("GET", QUERY),
                     ("POST", "/services/oauth2/token"), ("GET", QUERY)]
    assert all("grant_type=refresh_token" in g for g in grants)
    assert auth == [f"Bearer {tokens[0]}", f"Bearer {tokens[0]}", f"Bearer {tokens[1]}"]


def test_token_that_stays_invalid_is_reported_clearly():
    with fake_with({"Account": [account(1, 1)]}) as fake:
        fake.refuse_tokens = True
        with pytest.raises(SalesforceAuthError) as caught:
            client_for(fake).extract("accounts")
        calls = [(r.method, r.path) for r in fake.requests]
        tokens = list(fake.issued)
    assert calls == [("POST", "/services/oauth2/token"), ("GET", QUERY)] * 2   # refreshed once, no more
    assert "a freshly issued access token was refused (HTTP 401 INVALID_SESSION_ID" in str(caught.value)
    assert len(tokens) == 2 and not any(t in str(caught.value) for t in tokens)


def test_client_credentials_grant_and_a_refused_secret():
    with fake_with({"Account": [account(1, 1)]}) as fake:
        frame, _ = client_for(fake).extract("accounts")
        grant = fake.requests[0].body.decode()
        wrong = "wrong-client-secret-3141"
        with pytest.raises(SalesforceAuthError) as caught:
            client_for(fake, secret=wrong).extract("accounts")
    assert len(frame) == 1 and "grant_type=client_credentials" in grant and "refresh_token" not in grant
    assert str(caught.value) == ("Salesforce OAuth client_credentials grant failed: HTTP 400: "
                                 "invalid client credentials")


def test_malformed_query_names_object_status_and_error_code():
    error = [{"message": "unexpected token: FORM", "errorCode": "MALFORMED_QUERY", "fields": []}]
    with fake_with({"Order": []}, faults=[Fault(400, payload=error, path=QUERY)]) as fake:
        with pytest.raises(SalesforceAPIError) as caught:
            client_for(fake).extract("orders")
    assert (caught.value.sobject, caught.value.status, caught.value.error_code) == ("Order", 400, "MALFORMED_QUERY")
    assert str(caught.value) == "Salesforce Order: HTTP 400 MALFORMED_QUERY: unexpected token: FORM"


def test_malformed_json_is_a_clear_error():
    with fake_with({"Product2": []}, faults=[Fault(200, malformed=True, path=QUERY)]) as fake:
        with pytest.raises(SalesforceAPIError, match=r"^Salesforce Product2: HTTP 200: malformed JSON in the answer"):
            client_for(fake).extract("products")


def test_no_token_or_secret_in_the_call_log_logs_or_errors(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="r1")
    echo = [{"message": f"bad request from {SECRET}", "errorCode": "INVALID_FIELD", "fields": ["Foo"]}]
    with fake_with({"Contact": []}) as fake:
        client = client_for(fake, refresh_token=REFRESH, call_log=log)
        client.extract("contacts")
        fake.expire_sessions()
        client.extract("contacts")
        fake._server.inject(Fault(400, payload=echo, path=QUERY))
        with pytest.raises(SalesforceAPIError) as caught:
            client.extract("contacts")
        tokens = list(fake.issued)
    rows = log.calls().astype(str).to_numpy().ravel()
    log.dispose()
    secrets = [SECRET, REFRESH, *tokens]
    assert len(tokens) == 2 and len(rows) > 0
    assert not [s for s in secrets for cell in rows if s in cell]
    assert not [s for s in secrets if s in caplog.text or s in str(caught.value) or s in repr(client)]
    assert "INVALID_FIELD" in str(caught.value) and "(fields Foo)" in str(caught.value)


def test_resource_is_file_mode_unconfigured_refuses_half_a_setup_and_syncs_live(monkeypatch, tmp_path):
    import sqlalchemy as sa

    from integration_hub.connectors.request_budget import RequestBudget
    from integration_hub.defs.resources import SalesforceResource

    for name in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET",
                 "SALESFORCE_REFRESH_TOKEN", "SALESFORCE_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    assert SalesforceResource().client() is None
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", CLIENT_ID)
    with pytest.raises(ValueError, match="unset: SALESFORCE_INSTANCE_URL, SALESFORCE_CLIENT_SECRET"):
        SalesforceResource().client()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    calls: list[dict] = []
    with fake_with({"Contact": [{"Id": "003FAKE1", "LastName": "Lovelace", "SystemModstamp": stamp(1)}]}) as fake:
        monkeypatch.setenv("SALESFORCE_INSTANCE_URL", fake.base_url)
        monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", SECRET)
        monkeypatch.setenv("SALESFORCE_REFRESH_TOKEN", REFRESH)
        monkeypatch.setenv("SALESFORCE_API_VERSION", "v61.0")
        budget = RequestBudget(engine, "salesforce", 50)
        frame, _ = SalesforceResource().client(call_log=calls.append, budget=budget).extract("contacts")
        grant = fake.requests[0].body.decode()
        path = fake.query_requests()[0].path
    engine.dispose()
    assert frame["LastName"].tolist() == ["Lovelace"] and "grant_type=refresh_token" in grant
    assert path == "/services/data/v61.0/query" and len(calls) == 2 and all(c["system"] == "salesforce" for c in calls)
