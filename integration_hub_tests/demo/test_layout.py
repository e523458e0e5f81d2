"""The files, columns and counts the contract promises."""

import pandas as pd
import pytest

CONTRACT_COLUMNS = {
    "stripe/customers.csv": "id,email,name,phone,description,address_line1,address_line2,address_city,address_state,"
                            "address_postal_code,address_country,currency,created",
    "stripe/charges.csv": "id,amount,amount_refunded,currency,customer_id,created,status,description,"
                          "metadata_invoice_number,balance_transaction_id,payment_method_type",
    "stripe/refunds.csv": "id,charge_id,amount,currency,created,status,reason",
    "stripe/payouts.csv": "id,amount,currency,arrival_date,created,status,description",
    "stripe/balance_transactions.csv": "id,amount,fee,net,currency,type,source_id,created,available_on",
    "billing/customers.csv": "customer_id,company_name,contact_first_name,contact_last_name,email,phone,billing_street,"
                             "billing_city,billing_state,billing_postal_code,billing_country,currency,stripe_customer_id,"
                             "created_at",
    "billing/invoices.csv": "invoice_number,customer_id,issue_date,due_date,currency,subtotal,tax,total,status,po_number",
    "billing/credit_notes.csv": "credit_note_number,invoice_number,customer_id,issue_date,currency,total,reason",
    "crm/accounts.csv": "Id,Name,ParentId,Type,Industry,Phone,Website,BillingStreet,BillingCity,BillingState,"
                        "BillingPostalCode,BillingCountry,AnnualRevenue,CreatedDate,LastModifiedDate,SystemModstamp",
    "crm/contacts.csv": "Id,AccountId,FirstName,LastName,Email,Phone,Title,MailingStreet,MailingCity,MailingState,"
                        "MailingPostalCode,MailingCountry,CreatedDate,SystemModstamp",
    "crm/opportunities.csv": "Id,AccountId,Name,StageName,Amount,CurrencyIsoCode,CloseDate,Probability,IsWon,IsClosed,"
                             "CreatedDate,SystemModstamp",
    "crm/products.csv": "Id,Name,ProductCode,StockKeepingUnit,Family,Description,IsActive,CreatedDate,SystemModstamp",
    "crm/orders.csv": "Id,AccountId,OrderNumber,Status,EffectiveDate,TotalAmount,CurrencyIsoCode,Invoice_Number__c,"
                      "Description,CreatedDate,SystemModstamp",
    "crm/order_items.csv": "Id,OrderId,Product2Id,OrderItemNumber,Quantity,CurrencyIsoCode,UnitPrice,TotalPrice,Description,CreatedDate,"
                           "SystemModstamp",
    "shop/customers.csv": "id,firstName,lastName,email,phone,company,address1,address2,city,provinceCode,countryCode,zip,"
                          "createdAt,updatedAt",
    "shop/variants.csv": "id,productId,productTitle,title,sku,barcode,price,currencyCode,createdAt,updatedAt",
    "shop/orders.csv": "id,name,email,customerId,createdAt,updatedAt,processedAt,cancelledAt,currencyCode,subtotal,"
                       "totalTax,total,totalRefunded,displayFinancialStatus,invoiceNumber",
    "shop/order_lines.csv": "id,orderId,sku,name,quantity,originalUnitPrice,discountedTotal,currencyCode,variantId",
    "shop/refunds.csv": "id,orderId,createdAt,amount,currencyCode,note",
}
BANK_FILES = ("bank/operating_usd.bai", "bank/eur_account.xml", "bank/gbp_account.sta")
TRUTH_FILES = ("truth/customer_truth.csv", "truth/bad_rows.csv", "truth/expected.json", "truth/hard_negatives.csv",
               "truth/bank_entries.csv", "truth/invoice_payments.csv", "truth/item_truth.csv", "truth/order_truth.csv",
               "truth/order_faults.csv", "truth/customer_parents.csv",
               # phases 3 and 4 (test_operations_truth.py checks their exports' columns against the declarations)
               "truth/fulfilment_truth.csv", "truth/fulfilment_line_truth.csv", "truth/label_truth.csv",
               "truth/inventory_truth.csv", "truth/supplier_truth.csv", "truth/purchase_order_truth.csv",
               "truth/employee_truth.csv", "truth/planted_faults.csv", "truth/expected_quarantine.csv")


def phase34_files() -> set[str]:
    from integration_hub.demo.company import _PHASE34
    from integration_hub.demo.declared import layout

    return {layout(*key.split("/")).file for key in _PHASE34}


@pytest.mark.parametrize("name", sorted(CONTRACT_COLUMNS))
def test_every_export_has_exactly_the_contract_columns(small, name):
    assert list(small.csv(name).columns) == CONTRACT_COLUMNS[name].split(",")


def test_nothing_but_the_layout_is_written(small):
    written = {p.relative_to(small.root).as_posix() for p in small.root.rglob("*") if p.is_file()}
    assert written == set(CONTRACT_COLUMNS) | set(BANK_FILES) | set(TRUTH_FILES) | phase34_files() | {"manifest.json"}


def test_manifest_counts_are_the_data_rows(small):
    manifest = small.json("manifest.json")
    assert manifest["seed"] == 42 and manifest["scale"] == 200
    assert manifest["generated_at"].startswith("2026-01-02T")
    for name in CONTRACT_COLUMNS:
        assert manifest["files"][name] == len(small.csv(name)), name
    entries = small.csv("truth/bank_entries.csv")
    for name in BANK_FILES:
        assert manifest["files"][name] == (entries["file"] == name).sum() > 0


def test_expected_json_matches_the_files_and_bad_rows(small):
    expected = small.json("truth/expected.json")["files"]
    bad = small.csv("truth/bad_rows.csv")
    faults = small.csv("truth/order_faults.csv").rename(columns={"fault": "reason"})
    bad = pd.concat([bad, faults], ignore_index=True)  # the order files' planted faults count like bad rows
    for name in CONTRACT_COLUMNS:
        spec = expected[name]
        mine = bad[bad["file"] == name]
        assert spec["rows"] == len(small.csv(name))
        assert spec["duplicate"] == (mine["reason"] == "duplicate").sum()
        assert spec["bad"] == (mine["reason"] != "duplicate").sum()
        assert spec["clean"] == spec["rows"] - spec["bad"] - spec["duplicate"]


def test_scale_must_be_positive(tmp_path):
    from integration_hub.demo import generate_company

    with pytest.raises(ValueError, match="scale"):
        generate_company(tmp_path, scale=0)


def test_progress_reports_every_stage_in_order(tmp_path):
    from integration_hub.demo import generate_company

    calls = []
    generate_company(tmp_path, scale=20, seed=1, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert [c[1] for c in calls] == list(range(1, len(calls) + 1))
    assert all(c[2] == len(calls) for c in calls) and calls[0][0] == "customers" and calls[-1][0] == "truth"
