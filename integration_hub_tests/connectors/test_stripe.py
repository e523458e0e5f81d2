from __future__ import annotations

import io

import pandas as pd
import pytest

from integration_hub.connectors.fakes import Fault, StripeFake
from integration_hub.connectors.fakes.stripe_fake import objects_from_export
from integration_hub.connectors.http import build_session
from integration_hub.connectors.stripe import StripeAPIError, StripeClient, flatten

KEY = "sk_test_hub_0123456789"
T0 = 1_735_689_600  # 2025-01-01 00:00:00 UTC

# Column lists copied from the contracts' sample company layout, on purpose not from the module.
EXPORT_LAYOUT = {
    "customers": ["id", "email", "name", "phone", "description", "address_line1", "address_line2", "address_city",
                  "address_state", "address_postal_code", "address_country", "currency", "created"],
    "charges": ["id", "amount", "amount_refunded", "currency", "customer_id", "created", "status", "description",
                "metadata_invoice_number", "balance_transaction_id", "payment_method_type"],
    "refunds": ["id", "charge_id", "amount", "currency", "created", "status", "reason"],
    "payouts": ["id", "amount", "currency", "arrival_date", "created", "status", "description"],
    "balance_transactions": ["id", "amount", "fee", "net", "currency", "type", "source_id", "created", "available_on"],
}


def charge(n: int, created: int) -> dict:
    return {
        "id": f"ch_{n:04d}", "amount": 1000 + n, "amount_refunded": 0, "currency": "usd", "customer": f"cus_{n % 3}",
        "created": created, "status": "succeeded", "description": None, "metadata": {"invoice_number": f"INV-{n:06d}"},
        "balance_transaction": f"txn_{n:04d}", "payment_method_details": {"type": "card"},
    }


def client_for(fake: StripeFake, **kwargs) -> StripeClient:
    session = build_session(system="stripe", backoff_factor=0)
    return StripeClient(kwargs.pop("api_key", KEY), base_url=fake.base_url, session=session, **kwargs)


@pytest.mark.parametrize(("count", "page_size", "pages"), [(25, 10, 3), (30, 10, 3), (3, 100, 1), (0, 5, 1)])
def test_pagination_reaches_every_object_exactly_once(count, page_size, pages):
    charges = [charge(n, T0 + n // 2) for n in range(count)]  # pairs share a second: order ties on id
    with StripeFake({"charges": charges}, api_key=KEY) as fake:
        seen = [o["id"] for o in client_for(fake, page_size=page_size).iter_objects("charges")]
        requests = list(fake.requests)
    assert sorted(seen) == sorted(c["id"] for c in charges) and len(seen) == len(set(seen))
    assert len(requests) == pages
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" and r.param("limit") == str(page_size) for r in requests)
    # Each page resumes after the last object of the one before.
    assert [r.param("starting_after") for r in requests] == [None] + [seen[i * page_size - 1] for i in range(1, pages)]


def test_resume_from_cursor_fetches_only_newer_objects():
    with StripeFake({"charges": [charge(n, T0 + n) for n in range(12)]}, api_key=KEY) as fake:
        client = client_for(fake, page_size=5)
        first, cursor = client.extract("charges", None)
        assert len(first) == 12 and cursor == T0 + 11
        fake.add("charges", charge(100, T0 + 11), charge(101, T0 + 50))  # one in the cursor's own second
        second, next_cursor = client.extract("charges", cursor)
        assert fake.requests[-1].param("created[gte]") == str(cursor)
    assert next_cursor == T0 + 50
    # gte is inclusive: the last object of the previous run comes back and is de-duplicated by id.
    assert set(second["id"]) == {"ch_0011", "ch_0100", "ch_0101"}
    assert set(second["id"]) - set(first["id"]) == {"ch_0100", "ch_0101"}


def test_cursor_is_kept_when_nothing_is_new():
    with StripeFake({"charges": [charge(1, T0)]}, api_key=KEY) as fake:
        frame, cursor = client_for(fake).extract("charges", T0 + 10)
    assert frame.empty and list(frame.columns) == EXPORT_LAYOUT["charges"] and cursor == T0 + 10


def test_429_with_retry_after_is_recovered():
    with StripeFake({"charges": [charge(n, T0 + n) for n in range(4)]}, api_key=KEY,
                    faults=[Fault(429, retry_after="1", payload={"error": {"type": "rate_limit_error"}})]) as fake:
        frame, _ = client_for(fake, page_size=2).extract("charges")
        gap = fake.requests[1].at - fake.requests[0].at
        assert len(fake.requests) == 3  # the refused first page, then two pages
    assert len(frame) == 4 and gap >= 0.9


def test_wrong_key_raises_401_naming_the_error_type_without_the_key():
    wrong = "sk_test_wrong_key_9999"
    with StripeFake({"charges": [charge(1, T0)]}, api_key=KEY) as fake, pytest.raises(StripeAPIError) as caught:
        list(client_for(fake, api_key=wrong).iter_objects("charges"))
    error = caught.value
    assert (error.status, error.type, error.code) == (401, "invalid_request_error", "api_key_invalid")
    assert "invalid_request_error" in str(error) and "Invalid API Key" in str(error)
    assert wrong not in str(error) and "9999" not in str(error) and KEY not in str(error)
    assert "sk_test" not in repr(client_for(fake, api_key=wrong))


def test_error_shape_is_parsed_into_status_type_code_param():
    error = {"error": {"type": "invalid_request_error", "code": "parameter_unknown", "param": "created[gte]",
                       "message": "Received unknown parameter"}}
    with StripeFake({}, api_key=KEY, faults=[Fault(400, payload=error)]) as fake:
        with pytest.raises(StripeAPIError) as caught:
            client_for(fake).extract("refunds", T0)
    assert (caught.value.status, caught.value.type, caught.value.code, caught.value.param) == (
        400, "invalid_request_error", "parameter_unknown", "created[gte]")
    assert str(caught.value) == (
        "Stripe API 400 invalid_request_error/parameter_unknown: Received unknown parameter (param created[gte])")


def test_unknown_resource_is_refused_before_any_call():
    with StripeFake({}, api_key=KEY) as fake:
        with pytest.raises(ValueError, match="invoices"):
            list(client_for(fake).iter_objects("invoices"))
        assert fake.requests == []


def test_flatten_gives_export_columns_as_strings():
    customer = {
        "id": "cus_1", "object": "customer", "email": "a@b.co", "name": "Ada", "phone": None, "description": "VIP",
        "address": {"line1": "1 Main St", "line2": None, "city": "Austin", "state": "TX", "postal_code": "78701",
        "country": "US"}, "currency": "usd", "created": T0 + 3661, "metadata": {},
    }
    expanded = {**charge(7, T0), "customer": {"id": "cus_1", "object": "customer"}}
    refund = {"id": "re_1", "charge": "ch_0007", "amount": 500, "currency": "usd", "created": T0, "status": "succeeded",
              "reason": "requested_by_customer"}
    txn = {"id": "txn_1", "amount": 1007, "fee": 59, "net": 948, "currency": "usd", "type": "charge",
           "source": "ch_0007", "created": T0, "available_on": T0 + 86400 * 2}
    customers = flatten("customers", [customer, {"id": "cus_2", "address": None, "created": T0}])
    charges, refunds = flatten("charges", [expanded]), flatten("refunds", [refund])
    txns = flatten("balance_transactions", [txn])
    payouts = flatten("payouts", [])
    for resource, frame in [("customers", customers), ("charges", charges), ("refunds", refunds),
                            ("balance_transactions", txns), ("payouts", payouts)]:
        assert list(frame.columns) == EXPORT_LAYOUT[resource]
        assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
    assert customers.iloc[0][["address_line1", "address_city", "address_country", "created"]].tolist() == [
        "1 Main St", "Austin", "US", "2025-01-01 01:01:01"]
    assert customers.iloc[0][["phone", "address_line2"]].tolist() == ["", ""]
    assert set(customers.iloc[1].drop(["id", "created"])) == {""}
    assert charges.iloc[0][["customer_id", "metadata_invoice_number", "payment_method_type", "amount"]].tolist() == [
        "cus_1", "INV-000007", "card", "1007"]
    assert refunds.iloc[0]["charge_id"] == "ch_0007" and txns.iloc[0][["source_id", "available_on"]].tolist() == [
        "ch_0007", "2025-01-03 00:00:00"]


EXPORT_CSV = """id,amount,currency,arrival_date,created,status,description
po_2,250000,usd,2025-01-04 00:00:00,2025-01-02 10:00:00,paid,STRIPE PAYOUT
po_1,99,eur,2025-01-03 00:00:00,2025-01-01 09:30:00,in_transit,
"""


def test_export_rows_round_trip_through_the_fake_over_https(server_tls, ca_bundle):
    export = pd.read_csv(io.StringIO(EXPORT_CSV), dtype=str, keep_default_na=False)
    objects = {"payouts": objects_from_export("payouts", export)}
    with StripeFake(objects, api_key=KEY, tls=server_tls) as fake:
        assert fake.base_url.startswith("https://127.0.0.1:")
        session = build_session(system="stripe", ca_bundle=ca_bundle)
        frame, cursor = StripeClient(KEY, base_url=fake.base_url, session=session).extract("payouts")
    pd.testing.assert_frame_equal(frame, export)
    assert cursor == T0 + 86400 + 36000


def test_objects_from_export_names_the_bad_row():
    export = pd.read_csv(io.StringIO(EXPORT_CSV.replace("250000", "\"2,500.00\"")), dtype=str, keep_default_na=False)
    with pytest.raises(ValueError, match=r"payouts row 1 \(po_2\): column amount"):
        objects_from_export("payouts", export)
