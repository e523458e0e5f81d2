from __future__ import annotations

import base64
import io
import json

import pandas as pd
import pytest

from integration_hub.connectors.billing import BillingAPIError, BillingClient, flatten
from integration_hub.connectors.fakes import BillingFake, Fault
from integration_hub.connectors.fakes.billing_fake import objects_from_export
from integration_hub.connectors.http import RetriesExhaustedError, build_session

KEY = "test_cb_key_abc123"
T0 = 1_735_689_600  # 2025-01-01 00:00:00 UTC

EXPORT_LAYOUT = {
    "customers": ["customer_id", "company_name", "contact_first_name", "contact_last_name", "email", "phone",
                  "billing_street", "billing_city", "billing_state", "billing_postal_code", "billing_country",
                  "currency", "stripe_customer_id", "created_at"],
    "invoices": ["invoice_number", "customer_id", "issue_date", "due_date", "currency", "subtotal", "tax", "total",
                 "status", "po_number"],
    "credit_notes": ["credit_note_number", "invoice_number", "customer_id", "issue_date", "currency", "total",
                     "reason"],
}


def invoice(n: int, *, updated: int | None = None, currency: str = "USD", total: int = 123450,
            status: str = "paid") -> dict:
    return {
        "id": f"INV-{n:06d}", "customer_id": "CUST-000001", "date": T0 + n * 86400, "due_date": T0 + (n + 30) * 86400,
        "currency_code": currency, "sub_total": total - total // 10, "tax": total // 10, "total": total,
        "status": status, "po_number": None, "updated_at": updated if updated is not None else T0 + n,
    }


def client_for(fake: BillingFake, **kwargs) -> BillingClient:
    session = build_session(system="billing", backoff_factor=0, max_retries=kwargs.pop("max_retries", 5))
    return BillingClient(kwargs.pop("api_key", KEY), base_url=fake.base_url, session=session, **kwargs)


@pytest.mark.parametrize(("count", "page_size", "pages"), [(5, 2, 3), (4, 2, 2), (0, 10, 1)])
def test_offset_pagination_reaches_every_object_once(count, page_size, pages):
    with BillingFake({"invoices": [invoice(n) for n in range(count)]}, api_key=KEY) as fake:
        seen = [o["id"] for o in client_for(fake, page_size=page_size).iter_objects("invoices")]
        requests = list(fake.requests)
    assert seen == [f"INV-{n:06d}" for n in range(count)]
    assert len(requests) == pages
    # The opaque next_offset is handed back verbatim.
    assert [r.param("offset") for r in requests] == [None] + [json.dumps([str(page_size * i)]) for i in range(1, pages)]


def test_basic_auth_uses_the_key_as_user_with_empty_password():
    with BillingFake({"customers": []}, api_key=KEY) as fake:
        list(client_for(fake).iter_objects("customers"))
        header = fake.requests[0].headers["Authorization"]
    scheme, credential = header.split(" ")
    assert scheme == "Basic" and base64.b64decode(credential).decode() == f"{KEY}:"


def test_wrong_key_raises_401_in_the_documented_shape():
    with BillingFake({"invoices": [invoice(1)]}, api_key=KEY) as fake, pytest.raises(BillingAPIError) as caught:
        client_for(fake, api_key="wrong_key_777").extract("invoices")
    assert (caught.value.status, caught.value.api_error_code) == (401, "api_authentication_failed")
    assert "authentication failed" in str(caught.value) and "wrong_key_777" not in str(caught.value)


def test_error_fields_are_parsed():
    payload = {"message": "offset is invalid", "type": "invalid_request", "api_error_code": "param_wrong_value",
               "http_status_code": 400}
    with BillingFake({}, api_key=KEY, faults=[Fault(400, payload=payload)]) as fake:
        with pytest.raises(BillingAPIError) as caught:
            client_for(fake).extract("credit_notes")
    assert str(caught.value) == "billing API 400 invalid_request/param_wrong_value: offset is invalid"


def test_server_errors_are_retried_then_reported():
    with BillingFake({}, api_key=KEY, faults=[Fault(500, times=3)]) as fake, pytest.raises(RetriesExhaustedError):
        client_for(fake, max_retries=2).extract("invoices")
    with BillingFake({"invoices": [invoice(1)]}, api_key=KEY, faults=[Fault(502, times=2)]) as fake:
        frame, _ = client_for(fake).extract("invoices")
    assert frame["invoice_number"].tolist() == ["INV-000001"]


def test_resume_from_cursor_is_inclusive():
    invoices = [invoice(n, updated=T0 + 10 * n) for n in range(5)]
    with BillingFake({"invoices": invoices}, api_key=KEY) as fake:
        client = client_for(fake)
        _, cursor = client.extract("invoices")
        fake.objects["invoices"].append(invoice(9, updated=T0 + 40))  # same second as the cursor
        frame, next_cursor = client.extract("invoices", cursor)
        assert fake.requests[-1].param("updated_at[after]") == str(cursor - 1)
    assert cursor == next_cursor == T0 + 40
    assert set(frame["invoice_number"]) == {"INV-000004", "INV-000009"}


def test_flatten_converts_minor_units_dates_and_statuses():
    invoices = [invoice(1), invoice(2, currency="JPY", total=98000, status="payment_due"),
                invoice(3, currency="KWD", total=1234567, status="voided"),
                {**invoice(4, total=5), "po_number": "PO-9"}]
    frame = flatten("invoices", invoices)
    assert list(frame.columns) == EXPORT_LAYOUT["invoices"]
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
    assert frame["total"].tolist() == ["1234.50", "98000", "1234.567", "0.05"]
    assert frame["tax"].tolist() == ["123.45", "9800", "123.456", "0.00"]
    assert frame["status"].tolist() == ["paid", "open", "void", "paid"]
    assert frame.loc[0, ["issue_date", "due_date"]].tolist() == ["2025-01-02", "2025-02-01"]
    assert frame["po_number"].tolist() == ["", "", "", "PO-9"]


def test_flatten_customers_and_credit_notes():
    customer = {"id": "CUST-000001", "company": "Acme GmbH", "first_name": "Ada", "last_name": "Li",
                "email": "a@acme.de", "phone": "+49 30 1234",
                "billing_address": {"line1": "Hauptstr. 1", "line2": "2. OG", "city": "Berlin",
                "zip": "10115", "country": "DE"}, "preferred_currency_code": "EUR",
                "cf_stripe_customer_id": "cus_1", "created_at": T0 + 59}
    note = {"id": "CN-000001", "reference_invoice_id": "INV-000001", "customer_id": "CUST-000001", "date": T0,
            "currency_code": "EUR", "total": 1999, "reason_code": "product_unsatisfactory"}
    customers, notes = flatten("customers", [customer]), flatten("credit_notes", [note])
    assert list(customers.columns) == EXPORT_LAYOUT["customers"]
    assert list(notes.columns) == EXPORT_LAYOUT["credit_notes"]
    checked = ["billing_street", "billing_postal_code", "stripe_customer_id", "created_at"]
    assert customers.iloc[0][checked].tolist() == ["Hauptstr. 1, 2. OG", "10115", "cus_1", "2025-01-01 00:00:59"]
    assert notes.iloc[0][["invoice_number", "issue_date", "total"]].tolist() == ["INV-000001", "2025-01-01", "19.99"]


EXPORT_CSV = """invoice_number,customer_id,issue_date,due_date,currency,subtotal,tax,total,status,po_number
INV-000001,CUST-000001,2025-01-01,2025-01-31,USD,1000.00,190.00,1190.00,open,PO-1
INV-000002,CUST-000002,2025-01-02,,JPY,5000,500,5500,void,
INV-000003,CUST-000001,2025-01-03,2025-02-02,EUR,10.10,0.00,10.10,paid,
"""


def test_export_rows_round_trip_through_the_fake():
    export = pd.read_csv(io.StringIO(EXPORT_CSV), dtype=str, keep_default_na=False)
    with BillingFake({"invoices": objects_from_export("invoices", export)}, api_key=KEY) as fake:
        frame, cursor = client_for(fake, page_size=2).extract("invoices")
    pd.testing.assert_frame_equal(frame, export)
    assert cursor == T0 + 2 * 86400


def test_objects_from_export_refuses_fractions_of_a_minor_unit():
    export = pd.read_csv(io.StringIO(EXPORT_CSV.replace("5500", "5500.5")), dtype=str, keep_default_na=False)
    with pytest.raises(ValueError, match="invoices row 2: column total: 5500.5 has more decimals than JPY allows"):
        objects_from_export("invoices", export)
