from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.connectors.coupa import CoupaClient, CoupaCredentials, client_from_env
from integration_hub.connectors.fakes.coupa_fake import CoupaFake, supplier_record
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import build_session
from integration_hub.connectors.request_budget import RequestBudget
from integration_hub.connectors.vendor_rest import ConnectorAPIError, ConnectorAuthError

CLIENT_ID, SECRET = "coupa-hub-client", "coupa-hub-secret-93b1d0"
T0 = datetime(2026, 5, 1, tzinfo=UTC)
PACIFIC = timezone(timedelta(hours=-7))      # Coupa writes times in the instance's zone


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).astimezone(PACIFIC).isoformat()


def epoch(seconds: float) -> int:
    return int((T0 + timedelta(seconds=seconds)).timestamp())


def supplier(n: int, updated: float) -> dict:
    return {"id": n, "name": f"Supplier {n}", "number": f"S-{n:04d}", "status": "active",
            "payment-term": {"code": "Net 30"}, "primary-contact": {"email": f"ap{n}@supplier.test"},
            "created-at": iso(0), "updated-at": iso(updated)}


def purchase_order(n: int, updated: float, lines: int = 2) -> dict:
    return {"id": n, "po-number": f"PO{n}", "status": "issued", "version": 1, "currency": {"code": "EUR"},
            "total-with-estimated-tax": "129.36",
            "supplier": {"id": 7, "name": "Supplier 7"}, "created-at": iso(0), "updated-at": iso(updated),
            "order-lines": [{"id": n * 100 + i, "line-num": i + 1, "description": f"Widget {i}", "item": {"id": 55},
                             "source-part-num": f"W-{i}", "quantity": "3.0", "uom": {"code": "EA"},
                             "price": "19.90", "total": "59.70", "currency": {"code": "EUR"}, "received": "1.0",
                             "updated-at": iso(updated)} for i in range(lines)]}


def receipt(n: int, updated: float) -> dict:
    return {"id": n, "type": "ReceivingQuantityConsumption", "status": "created", "quantity": "2.0",
            "price": "19.90", "total": "39.80", "transaction-date": iso(updated), "item": {"id": 55},
            "order-line": {"id": 1000 + n, "order-header-id": 10}, "created-at": iso(0), "updated-at": iso(updated)}


def invoice(n: int, updated: float) -> dict:
    return {"id": n, "invoice-number": f"INV-{n}", "status": "approved", "supplier": {"id": 7},
            "currency": {"code": "EUR"}, "invoice-date": "2026-05-02", "gross-total": "71.04",
            "created-at": iso(0), "updated-at": iso(updated),
            "invoice-lines": [{"id": n * 10, "line-num": 1, "description": "Widget", "quantity": "3.0",
                               "price": "19.90", "total": "59.70", "order-line-id": 1000, "po-number": "PO1",
                               "updated-at": iso(updated)}]}


def fake_with(records: dict, **kwargs) -> CoupaFake:
    return CoupaFake(records, client_id=CLIENT_ID, client_secret=SECRET, **kwargs)


def client_for(fake: CoupaFake, *, secret: str = SECRET, budget=None, call_log=None, backoff: float = 0, **kwargs):
    session = build_session(system="coupa", backoff_factor=backoff, budget=budget, call_log=call_log)
    return CoupaClient(fake.base_url, CoupaCredentials(CLIENT_ID, secret), session=session, **kwargs)


def test_suppliers_page_by_offset_fifty_at_a_time_to_the_end():
    with fake_with({"suppliers": [supplier(n, n) for n in range(1, 121)]}) as fake:
        frame, cursor = client_for(fake).extract("suppliers")
        calls = fake.api_requests()
        grant = fake.grants[0]
    assert [(r.param("offset"), r.param("limit"), r.param("order_by"), r.param("dir")) for r in calls] == \
        [("0", "50", "id", "asc"), ("50", "50", "id", "asc"), ("100", "50", "id", "asc")]
    assert all(r.headers["Accept"] == "application/json" for r in calls)
    assert grant["grant_type"] == "client_credentials" and "core.supplier.read" in grant["scope"]
    assert len(frame) == 120 and frame["id"].is_unique and cursor == epoch(120)
    assert frame.iloc[0][["number", "payment_term", "email"]].tolist() == ["S-0001", "Net 30", "ap1@supplier.test"]


def test_orders_receipts_and_invoices_with_their_lines_keep_exact_amounts():
    records = {"purchase_orders": [purchase_order(n, n) for n in (1, 2)], "receiving_transactions": [receipt(1, 1)],
               "invoices": [invoice(1, 1)]}
    with fake_with(records) as fake:
        client = client_for(fake)
        orders, _ = client.extract("purchase_orders")
        lines, _ = client.extract("purchase_order_lines")
        receipts, _ = client.extract("receipts")
        invoice_lines, _ = client.extract("invoice_lines")
        invoices, _ = client.extract("invoices")
    assert orders[["po_number", "supplier_id", "currency", "total", "created_at"]].values.tolist() == \
        [["PO1", "7", "EUR", "129.36", iso(0)], ["PO2", "7", "EUR", "129.36", iso(0)]]
    assert lines[["id", "order_id", "line_num", "quantity", "price", "total"]].values.tolist()[:2] == \
        [["100", "1", "1", "3.0", "19.90", "59.70"], ["101", "1", "2", "3.0", "19.90", "59.70"]]
    assert receipts.iloc[0][["order_line_id", "order_id", "quantity", "total"]].tolist() == ["1001", "10", "2.0", "39.80"]
    assert invoices.iloc[0]["gross_total"] == "71.04"
    assert invoice_lines.iloc[0][["invoice_id", "order_line_id", "po_number"]].tolist() == ["1", "1000", "PO1"]


def test_resume_from_cursor_filters_on_updated_at_and_loses_none():
    with fake_with({"suppliers": [supplier(n, n * 10) for n in range(1, 61)]}) as fake:
        client = client_for(fake)
        first, cursor = client.extract("suppliers")
        fake.upsert("suppliers", {**supplier(5, 700), "name": "Renamed"}, supplier(99, 650))
        second, next_cursor = client.extract("suppliers", cursor)
        since = fake.api_requests()[-1].param("updated_at[gt_or_eq]")
    assert cursor == epoch(600) and since == "2026-05-01T00:10:00Z"
    assert second["id"].tolist() == ["5", "60", "99"] and second.iloc[0]["name"] == "Renamed"
    assert next_cursor == epoch(700) and set(first["id"]) | set(second["id"]) == {str(n) for n in (*range(1, 61), 99)}


def test_repeated_record_on_a_later_page_is_dropped_and_counted():
    repeat = Fault(200, path="/api/suppliers", skip=1, rewrite=lambda page, previous: [previous[-1], *page[:-1]])
    with fake_with({"suppliers": [supplier(n, n) for n in range(1, 101)]}, faults=[repeat]) as fake:
        client = client_for(fake)
        frame, _ = client.extract("suppliers")
    # The page that repeated a record lost one, yet a page of 50 arrived: reading goes on to the end.
    assert len(frame) == 99 and frame["id"].is_unique and client.duplicates_skipped == {"suppliers": 1}


def test_5xx_and_429_are_recovered():
    faults = [Fault(503, times=2, path="/api/invoices"), Fault(500, path="/api/invoices", skip=1)]
    with fake_with({"invoices": [invoice(n, n) for n in range(1, 121)]}, limit=2, window=0.3, faults=faults) as fake:
        frame, _ = client_for(fake, backoff=0.05).extract("invoices")
        throttled = fake.rate.refused
    assert len(frame) == 120 and throttled > 0


def test_the_request_budget_keeps_the_sync_under_coupa_s_limit(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    budget = RequestBudget(engine, "coupa", 3)
    with fake_with({"suppliers": [supplier(n, n) for n in range(1, 9)]}, limit=3, window=1.0) as fake:
        frame, _ = client_for(fake, budget=budget, page_size=1).extract("suppliers")
        throttled, arrivals = fake.rate.refused, sorted(r.at for r in fake.api_requests())
    engine.dispose()
    assert len(frame) == 8 and throttled == 0 and arrivals[-1] - arrivals[0] >= 2.0


def test_an_expired_token_is_renewed_once():
    with fake_with({"suppliers": [supplier(1, 1)]}) as fake:
        client = client_for(fake)
        client.extract("suppliers")
        fake.expire_tokens()
        frame, _ = client.extract("suppliers")
        tokens = list(fake.issued)
    assert len(frame) == 1 and len(tokens) == 2


def test_refused_credentials_are_one_clear_line_without_secrets():
    with fake_with({"suppliers": [supplier(1, 1)]}) as fake:
        with pytest.raises(ConnectorAuthError) as refused:
            client_for(fake, secret="coupa-wrong-secret-0000").extract("suppliers")
        client = client_for(fake)
        client.extract("suppliers")
        fake._server.inject(Fault(401, times=2, path="/api/suppliers"))
        with pytest.raises(ConnectorAuthError) as again:
            client.extract("suppliers")
        tokens = list(fake.issued)
    assert str(refused.value) == ("Coupa OAuth client_credentials grant failed: HTTP 401: Client authentication "
                                  "failed; check IH_COUPA_CLIENT_ID and IH_COUPA_CLIENT_SECRET")
    assert "a freshly issued access token was refused (HTTP 401" in str(again.value)
    assert not [s for s in (SECRET, "coupa-wrong-secret-0000", *tokens) if s in str(refused.value) + str(again.value)]
    assert "\n" not in str(again.value)


def test_an_unusable_answer_is_a_clear_error():
    with fake_with({"suppliers": [supplier(1, 1)]}, faults=[Fault(200, malformed=True, path="/api/suppliers")]) as fake:
        with pytest.raises(ConnectorAPIError, match=r"^Coupa suppliers: HTTP 200: malformed JSON"):
            client_for(fake).extract("suppliers")


def test_credentials_come_from_the_environment_and_stay_out_of_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValueError, match=r"needs IH_COUPA_INSTANCE_URL, IH_COUPA_CLIENT_ID, IH_COUPA_CLIENT_SECRET; "
                                         r"unset: IH_COUPA_CLIENT_SECRET$"):
        client_from_env({"IH_COUPA_INSTANCE_URL": "https://acme.coupahost.com", "IH_COUPA_CLIENT_ID": CLIENT_ID})
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="r1")
    with fake_with({"suppliers": [supplier(1, 1)]}) as fake:
        env = {"IH_COUPA_INSTANCE_URL": fake.base_url, "IH_COUPA_CLIENT_ID": CLIENT_ID, "IH_COUPA_CLIENT_SECRET": SECRET,
               "IH_COUPA_SCOPES": "core.supplier.read"}
        client = client_from_env(env, call_log=log)
        frame, _ = client.extract("suppliers")
        tokens, scope = list(fake.issued), fake.grants[0]["scope"]
    calls = log.calls()
    rows = calls.astype(str).to_numpy().ravel()
    log.dispose()
    assert len(frame) == 1 and scope == "core.supplier.read" and calls["method"].tolist() == ["POST", "GET"]
    assert not [s for s in (SECRET, *tokens) for cell in [*rows, caplog.text, repr(client)] if s in cell]


TAX_ID, BANK_ACCOUNT = "31-1234567", "000987654321"


def test_a_supplier_brings_its_tax_id_primary_address_and_the_active_remit_to_bank_account():
    inactive = {"id": 1, "remit-to-code": "OLD", "active": False, "bank-account-number": "111122223333"}
    record = supplier_record(3, iso(1), tax_id=TAX_ID, bank_account=BANK_ACCOUNT)
    record["remit-to-addresses"].insert(0, inactive)
    with fake_with({"suppliers": [record, supplier_record(4, iso(2))]}) as fake:
        frame, _ = client_for(fake).extract("suppliers")
    first, bare = frame.iloc[0], frame.iloc[1]
    assert first[["tax_id", "remit_to_code", "bank_account"]].tolist() == [TAX_ID, "R3", BANK_ACCOUNT]
    assert first[["address_line1", "address_line2", "city", "region", "postal_code", "country"]].tolist() == \
        ["103 Industrial Pkwy", "", "Dayton", "OH", "45402", "US"]
    assert bare[["tax_id", "remit_to_code", "bank_account"]].tolist() == ["", "", ""]


def test_tax_ids_and_bank_accounts_never_reach_the_call_log(tmp_path):
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="r1")
    with fake_with({"suppliers": [supplier_record(3, iso(1), tax_id=TAX_ID, bank_account=BANK_ACCOUNT)]}) as fake:
        frame, _ = client_for(fake, call_log=log).extract("suppliers")
    rows = log.calls().astype(str).to_numpy().ravel()
    log.dispose()
    assert frame.iloc[0]["tax_id"] == TAX_ID
    assert not [cell for cell in rows for s in (TAX_ID, BANK_ACCOUNT, "1234567", "987654321") if s in cell]


def test_the_declaration_encrypts_tax_id_and_bank_account_and_maps_only_their_masks():
    """Supplier and order columns are what the connector returns; the vendor carries masks and the
    address, the order header its total in minor units and its supplier by the vendor's external id."""
    from integration_hub.connectors.coupa import EXPORT_COLUMNS
    from integration_hub.mapping.systems import load_systems

    procurement = next(s for s in load_systems() if s.name == "procurement")
    entities = {e.name: e for e in procurement.entities}
    suppliers, orders = entities["suppliers"], entities["purchase_orders"]
    assert set(suppliers.sensitive) == {"tax_id", "bank_account"}
    declared = {c.column for c in suppliers.columns}
    assert {"tax_id_mask", "bank_account_mask"} <= declared and not declared & set(suppliers.sensitive)
    assert declared - {"tax_id_mask", "bank_account_mask"} <= set(EXPORT_COLUMNS["suppliers"])
    assert {c.column for c in orders.columns} <= set(EXPORT_COLUMNS["purchase_orders"])
    assert orders.canonical == "purchase_order"
    lineage = suppliers.mapping.column_lineage()
    assert lineage["tax_id_mask"] == ["tax_id_mask"] and lineage["bank_account_mask"] == ["bank_account_mask"]
    assert not [t for t, sources in lineage.items() if set(sources) & set(suppliers.sensitive)]
    assert orders.mapping.column_lineage()["total_minor"] == ["total"]
    assert orders.mapping.column_lineage()["vendor_external_id"] == ["supplier_id"]


def test_an_order_header_maps_to_a_purchase_order_naming_its_vendor_with_the_total_in_minor_units():
    """What extract("purchase_orders") returns, cleaned and mapped: the canonical purchase_order."""
    import pandas as pd

    from integration_hub.canonical import registry
    from integration_hub.mapping.engine import apply_spec
    from integration_hub.mapping.systems import load_systems
    from integration_hub.standardize.frame import ROW, clean_frame

    with fake_with({"purchase_orders": [purchase_order(10, 5)]}) as fake:
        orders, _ = client_for(fake).extract("purchase_orders")
    entity = next(e for s in load_systems() if s.name == "procurement" for e in s.entities if e.name == "purchase_orders")
    cleaned = clean_frame(orders.assign(**{ROW: range(1, len(orders) + 1)}), entity)
    assert cleaned.rejects.empty
    mapped = apply_spec(entity.mapping, cleaned.cleaned)
    assert mapped.rejects.empty
    order = registry.get("purchase_order").schema.validate(mapped.mapped).iloc[0]
    assert (order["external_id"], order["po_number"], order["vendor_external_id"], order["status"]) == \
        ("procurement:10", "PO10", "procurement:7", "issued")
    assert (order["total_minor"], order["currency"]) == (12936, "EUR")
    assert order["order_date"] == pd.Timestamp(T0)
