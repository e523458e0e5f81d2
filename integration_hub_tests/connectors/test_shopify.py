from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.fakes.shopify_fake import ShopifyFake
from integration_hub.connectors.http import build_session
from integration_hub.connectors.shopify import (
    ShopifyAPIError,
    ShopifyAuthError,
    ShopifyClient,
    ShopifyThrottledError,
)
from integration_hub.security.redact import redact_text

TOKEN = "shpat_hub_0123456789abcdef"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
GRAPHQL = "/admin/api/2025-01/graphql.json"

# Export layouts, copied on purpose rather than read from the module.
LAYOUT = {
    "customers": ["id", "firstName", "lastName", "email", "phone", "company", "address1", "address2", "city",
                  "provinceCode", "countryCode", "zip", "createdAt", "updatedAt"],
    "orders": ["id", "name", "email", "customerId", "createdAt", "updatedAt", "processedAt", "cancelledAt",
               "currencyCode", "subtotal", "totalTax", "total", "totalRefunded", "displayFinancialStatus",
               "invoiceNumber"],
    "order_lines": ["id", "orderId", "sku", "name", "quantity", "originalUnitPrice", "discountedTotal", "currencyCode",
                    "variantId"],
    "refunds": ["id", "orderId", "createdAt", "amount", "currencyCode", "note"],
    "variants": ["id", "productId", "productTitle", "title", "sku", "barcode", "price", "currencyCode", "createdAt",
                 "updatedAt"],
}


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: str, currency: str = "EUR") -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def customer(n: int, updated: float) -> dict:
    return {"id": f"gid://shopify/Customer/{n}", "firstName": "Ada", "lastName": f"L{n}", "email": f"c{n}@example.com",
            "phone": None, "createdAt": iso(0), "updatedAt": iso(updated),
            "defaultAddress": {"company": "Acme", "address1": f"{n} Main St", "address2": None, "city": "Austin",
                               "provinceCode": "TX", "countryCodeV2": "US", "zip": "78701"}}


def line(order: int, n: int) -> dict:
    return {"id": f"gid://shopify/LineItem/{order}{n:03d}", "sku": f"SKU-{n}", "name": f"Item {n}", "quantity": n + 1,
            "variant": {"id": f"gid://shopify/ProductVariant/{n}"}, "originalUnitPriceSet": money("19.90"),
            "discountedTotalSet": money("39.80")}


def order(n: int, updated: float, lines: int = 2, refunds: list | None = None, invoice: str | None = None) -> dict:
    attributes = [{"key": "gift", "value": "no"}] + ([{"key": "invoice_number", "value": invoice}] if invoice else [])
    return {"id": f"gid://shopify/Order/{n}", "name": f"#{1000 + n}", "email": "c@example.com",
            "customer": {"id": "gid://shopify/Customer/1"}, "createdAt": iso(0), "updatedAt": iso(updated),
            "processedAt": iso(0), "cancelledAt": None, "displayFinancialStatus": "PAID",
            "subtotalPriceSet": money("1234567.10"), "totalTaxSet": money("0.10"),
            "totalPriceSet": money("1234567.20"), "totalRefundedSet": money("0.00"), "customAttributes": attributes,
            "lineItems": [line(n, i) for i in range(lines)], "refunds": refunds or []}


class Sleeper:
    """Records each wait and really waits it (the fake's bucket refills in real time), scaled down."""

    def __init__(self, really: bool = True) -> None:
        self.waits: list[float] = []
        self.really = really

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.really:
            time.sleep(seconds)


def client_for(fake: ShopifyFake, token: str = TOKEN, *, sleep=None, call_log=None, **kwargs) -> ShopifyClient:
    session = build_session(system="shopify", backoff_factor=0, call_log=call_log)
    return ShopifyClient(fake.base_url, token, session=session, sleep=sleep or Sleeper(), **kwargs)


def test_customers_page_to_the_end_with_end_cursors():
    customers = [customer(n, n // 2) for n in range(120)]
    with ShopifyFake({"customers": customers}, access_token=TOKEN) as fake:
        frame, cursor = client_for(fake, page_sizes={"customers": 50}).extract("customers")
        bodies = [r.json() for r in fake.requests]
    assert list(frame.columns) == LAYOUT["customers"] and frame["id"].is_unique and len(frame) == 120
    assert [b["variables"]["first"] for b in bodies] == [50, 50, 50]
    assert [b["variables"]["after"] is None for b in bodies] == [True, False, False]
    assert "sortKey: UPDATED_AT" in bodies[0]["query"] and bodies[0]["variables"]["query"] is None
    assert all(r.headers["X-Shopify-Access-Token"] == TOKEN for r in fake.requests)
    assert frame.iloc[0][["company", "countryCode", "phone", "address2"]].tolist() == ["Acme", "US", "", ""]
    assert cursor == int((T0 + timedelta(seconds=59)).timestamp())


def test_resume_from_cursor_gets_changed_customers_once():
    with ShopifyFake({"customers": [customer(n, n * 10) for n in range(10)]}, access_token=TOKEN) as fake:
        client = client_for(fake, page_sizes={"customers": 3})
        first, cursor = client.extract("customers")
        fake.upsert("customers", {**customer(2, 200), "lastName": "Edited"}, customer(50, 90), customer(51, 300))
        second, next_cursor = client.extract("customers", cursor)
        filters = fake.requests[-1].json()["variables"]["query"]
    assert filters == f"updated_at:>='{iso(90)}'"
    # Inclusive: customer 9 (the cursor's own second) and the new one in that second, then the edits.
    assert second["id"].str.rsplit("/", n=1).str[-1].tolist() == ["50", "9", "2", "51"]
    assert second.set_index("lastName").index.tolist()[2] == "Edited"
    assert next_cursor == int((T0 + timedelta(seconds=300)).timestamp()) and len(first) == 10


def test_repeated_node_on_a_later_page_is_dropped_and_counted():
    def repeat(page, previous):
        nodes = page["data"]["customers"]["nodes"]
        page["data"]["customers"]["nodes"] = [previous["data"]["customers"]["nodes"][-1], *nodes]
        return page
    with ShopifyFake({"customers": [customer(n, n) for n in range(6)]}, access_token=TOKEN,
                     faults=[Fault(200, skip=1, rewrite=repeat)]) as fake:
        client = client_for(fake, page_sizes={"customers": 3})
        frame, _ = client.extract("customers")
    assert len(frame) == 6 and frame["id"].is_unique and client.duplicates_skipped == {"customers": 1}


def test_orders_keep_money_as_exact_decimal_text_and_read_the_invoice_attribute():
    with ShopifyFake({"orders": [order(1, 5, invoice="INV-000042"), order(2, 6)]}, access_token=TOKEN) as fake:
        frame, _ = client_for(fake).extract("orders")
    assert list(frame.columns) == LAYOUT["orders"]
    assert frame.iloc[0][["subtotal", "totalTax", "total", "totalRefunded", "currencyCode"]].tolist() == [
        "1234567.10", "0.10", "1234567.20", "0.00", "EUR"]
    assert frame["invoiceNumber"].tolist() == ["INV-000042", ""]
    assert frame.iloc[0][["customerId", "cancelledAt", "name"]].tolist() == ["gid://shopify/Customer/1", "", "#1001"]


def test_order_lines_beyond_the_first_nested_page_are_followed_per_order():
    with ShopifyFake({"orders": [order(1, 1, lines=60), order(2, 2, lines=3)]}, access_token=TOKEN) as fake:
        frame, cursor = client_for(fake).extract("order_lines")
        queries = fake.queries()
    assert list(frame.columns) == LAYOUT["order_lines"]
    assert len(frame) == 63 and frame["id"].is_unique
    assert (frame["orderId"] == "gid://shopify/Order/1").sum() == 60
    assert sum("order(id: $id)" in q for q in queries) == 1   # 25 nested, then the other 35 in one follow-up
    assert frame.iloc[1][["quantity", "originalUnitPrice", "discountedTotal", "currencyCode", "variantId"]].tolist() \
        == ["2", "19.90", "39.80", "EUR", "gid://shopify/ProductVariant/1"]
    assert cursor == int((T0 + timedelta(seconds=2)).timestamp())


def test_refunds_come_from_their_orders():
    refund = {"id": "gid://shopify/Refund/9", "createdAt": iso(30), "note": "damaged",
              "totalRefundedSet": money("12.30")}
    with ShopifyFake({"orders": [order(1, 1, refunds=[refund]), order(2, 2)]}, access_token=TOKEN) as fake:
        frame, _ = client_for(fake).extract("refunds")
    assert list(frame.columns) == LAYOUT["refunds"]
    assert frame.to_dict("records") == [{"id": "gid://shopify/Refund/9", "orderId": "gid://shopify/Order/1",
                                         "createdAt": iso(30), "amount": "12.30", "currencyCode": "EUR",
                                         "note": "damaged"}]


def test_variants_take_the_shop_currency_fetched_once():
    variant = {"id": "gid://shopify/ProductVariant/7", "title": "Blue / L", "sku": "TEE-BL-L", "barcode": None,
               "price": "25.00", "createdAt": iso(0), "updatedAt": iso(4),
               "product": {"id": "gid://shopify/Product/3", "title": "Tee"}}
    with ShopifyFake({"variants": [variant]}, access_token=TOKEN, currency="CAD") as fake:
        client = client_for(fake)
        frame, _ = client.extract("variants")
        client.extract("variants")
        queries = fake.queries()
    assert list(frame.columns) == LAYOUT["variants"]
    assert frame.iloc[0].tolist() == ["gid://shopify/ProductVariant/7", "gid://shopify/Product/3", "Tee", "Blue / L",
                                      "TEE-BL-L", "", "25.00", "CAD", iso(0), iso(4)]
    assert sum("shop {" in q for q in queries) == 1 and "sortKey: ID" in queries[0]


def test_client_waits_for_the_bucket_before_a_call_it_cannot_afford():
    # Pages of 50 cost 102 points; a 250-point bucket refilling 100 a second affords two in a row, not three.
    sleeper = Sleeper()
    with ShopifyFake({"customers": [customer(n, n) for n in range(150)]}, access_token=TOKEN,
                     maximum=250, restore_rate=100) as fake:
        frame, _ = client_for(fake, sleep=sleeper, page_sizes={"customers": 50}).extract("customers")
        throttled = fake.throttled
    assert len(frame) == 150 and throttled == 0
    assert len(sleeper.waits) == 1 and 0.3 < sleeper.waits[0] <= 0.56   # (102 - 46) / 100 at most


@pytest.mark.parametrize("status", [200, 429])
def test_throttled_answer_is_retried_after_the_refill(status):
    sleeper = Sleeper()
    with ShopifyFake({"customers": [customer(n, n) for n in range(5)]}, access_token=TOKEN, maximum=1000,
                     restore_rate=1000, throttle_status=status) as fake:
        fake.drain(0)
        frame, _ = client_for(fake, sleep=sleeper).extract("customers")
        throttled, served = fake.throttled, len(fake.requests)
    assert len(frame) == 5 and throttled == 1 and served == 2
    # What the THROTTLED answer's throttleStatus says is missing: 502 points at 1000 a second, less what refilled since.
    assert len(sleeper.waits) == 1 and 0.3 < sleeper.waits[0] <= 502 / 1000


def test_a_bucket_that_never_refills_gives_up_clearly():
    sleeper = Sleeper(really=False)
    with ShopifyFake({"customers": [customer(1, 1)]}, access_token=TOKEN, restore_rate=0.001) as fake:
        fake.drain(0)
        with pytest.raises(ShopifyThrottledError) as caught:
            client_for(fake, sleep=sleeper, max_attempts=3).extract("customers")
        served = len(fake.requests)
    assert served == 3 and sleeper.waits == [60.0, 60.0, 60.0]
    assert str(caught.value) == ("Shopify customers: HTTP 200 THROTTLED: still THROTTLED after 3 attempts; "
                                 "the sync stops and resumes from its cursor on the next run")


def test_429_and_5xx_without_a_graphql_answer_are_retried():
    sleeper = Sleeper(really=False)
    faults = [Fault(503, times=2), Fault(429, retry_after="0", skip=1)]
    with ShopifyFake({"customers": [customer(n, n) for n in range(4)]}, access_token=TOKEN, faults=faults) as fake:
        frame, _ = client_for(fake, sleep=sleeper, page_sizes={"customers": 2}).extract("customers")
        served = len(fake.requests)
    assert len(frame) == 4 and served == 5 and sleeper.waits == [0.5, 1.0, 0.0]


def test_max_cost_exceeded_is_an_error_naming_the_resource_and_not_retried():
    with ShopifyFake({"orders": [order(1, 1)]}, access_token=TOKEN, max_cost=100) as fake:
        with pytest.raises(ShopifyAPIError) as caught:
            client_for(fake).extract("orders")
        served = len(fake.requests)
    assert served == 1 and (caught.value.resource, caught.value.code) == ("orders", "MAX_COST_EXCEEDED")
    assert str(caught.value).startswith("Shopify orders: HTTP 200 MAX_COST_EXCEEDED: Query cost is 102, which exceeds")


def test_malformed_json_is_a_clear_error():
    with ShopifyFake({}, access_token=TOKEN, faults=[Fault(200, malformed=True)]) as fake:
        with pytest.raises(ShopifyAPIError, match=r"^Shopify customers: HTTP 200: malformed JSON in the answer$"):
            client_for(fake).extract("customers")


def test_invalid_token_is_a_clear_auth_error_without_retry_or_the_token():
    wrong = "shpat_wrong_token_99999999"
    with ShopifyFake({"customers": [customer(1, 1)]}, access_token=TOKEN) as fake:
        with pytest.raises(ShopifyAuthError) as caught:
            client_for(fake, token=wrong).extract("customers")
        served = len(fake.requests)
    assert served == 1
    assert "the access token was refused (HTTP 401: [API] Invalid API key or access token" in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in repr(client_for(fake, token=wrong))


def test_token_is_in_no_call_log_row_log_line_or_error(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="r1")
    echo = {"errors": [{"message": f"field 'x' is unknown (token {TOKEN})", "extensions": {"code": "BAD"}}]}
    with ShopifyFake({"customers": [customer(1, 1)]}, access_token=TOKEN,
                     faults=[Fault(200, skip=1, rewrite=lambda *_: echo)]) as fake:
        client = client_for(fake, call_log=log)
        client.extract("customers")
        with pytest.raises(ShopifyAPIError) as caught:
            client.extract("customers")
    cells = log.calls().astype(str).to_numpy().ravel()
    log.dispose()
    assert len(cells) > 0 and not [c for c in cells if TOKEN in c]
    assert TOKEN not in caplog.text and TOKEN not in str(caught.value) and "field 'x' is unknown" in str(caught.value)
    assert TOKEN not in redact_text(f"X-Shopify-Access-Token: {TOKEN}")


def test_resource_is_file_mode_unconfigured_refuses_half_a_setup_and_syncs_live(monkeypatch):
    from integration_hub.defs.resources import ShopifyResource

    for name in ("SHOPIFY_SHOP_URL", "SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    assert ShopifyResource().client() is None
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", TOKEN)
    with pytest.raises(ValueError, match="unset: SHOPIFY_SHOP_URL"):
        ShopifyResource().client()
    calls: list[dict] = []
    with ShopifyFake({"customers": [customer(1, 1)]}, access_token=TOKEN) as fake:
        monkeypatch.setenv("SHOPIFY_SHOP_URL", fake.base_url)
        monkeypatch.setenv("SHOPIFY_API_VERSION", "2025-04")
        frame, _ = ShopifyResource().client(call_log=calls.append).extract("customers")
        path = fake.requests[0].path
    assert len(frame) == 1 and path == "/admin/api/2025-04/graphql.json"
    assert [c["system"] for c in calls] == ["shopify"]
