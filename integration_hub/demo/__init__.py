"""Deterministic generator of a messy sample company, with the truth to test a pipeline against.

``generate_company(out_dir, scale=..., seed=...)`` writes, under ``out_dir``:

- ``stripe/``: customers, charges, refunds, payouts, balance_transactions (Stripe field names)
- ``billing/``: customers, invoices, credit_notes (amounts in major units as text)
- ``crm/``: Salesforce Data Loader exports (SOQL field names): accounts (with ParentId: a hierarchy up to two
  levels deep, never a cycle), contacts, opportunities, products (Product2), orders (Order), order_items (OrderItem)
- ``shop/``: Shopify GraphQL Admin nodes, flattened: customers, variants, orders, order_lines, refunds
- ``bank/``: ``operating_usd.bai`` (BAI2), ``eur_account.xml`` (camt.053.001.02), ``gbp_account.sta`` (MT940)
- ``warehouse/``, ``shipping/``, ``procurement/``, ``hr/``: ShipBob stock, shipments and lines of the paid shop
  orders; EasyPost labels; Coupa suppliers, purchase orders and lines; BambooHR employees (columns from each
  system's declaration; SSNs, pay rates, tax ids and bank accounts only here)
- ``truth/``:
  - ``customer_truth.csv``: system, source_id, true_customer_id, is_b2c for every customer-like record
  - ``bad_rows.csv``: file, source_id, row_number (1-based data row), column, reason for every injected
    malformed row; duplicates have reason ``duplicate`` and point at the later copy
  - ``expected.json``: per file rows, bad, duplicate, clean (bank files: entries, balances, totals)
  - ``hard_negatives.csv``: pairs of DIFFERENT real customers that look alike
    (same_name_other_city, same_name_same_city, sibling)
  - ``bank_entries.csv``: every statement entry with its file line and what it truly settles
    (true_link: payout id or invoice number; expected_amount_minor differs when a wire came in short)
  - ``invoice_payments.csv``: how each invoice was settled (card charge id, wire, or unpaid)
  - phases 3 and 4: ``fulfilment_truth.csv``, ``fulfilment_line_truth.csv``, ``label_truth.csv``,
    ``inventory_truth.csv``, ``supplier_truth.csv``, ``purchase_order_truth.csv``, ``employee_truth.csv``,
    ``planted_faults.csv`` (unknown_order, stock_drift, duplicate_supplier, ...) and ``expected_quarantine.csv``
  - ``item_truth.csv``: source_system, source_id, true_item_id, true_sku for every Product2 and variant
  - ``order_truth.csv``: every order (source_system, source_id) with its real customer, invoice number, currency,
    subtotal/tax/total in minor units as the order records them (Salesforce orders carry no tax) and line count
  - ``order_faults.csv``: file, source_id, fault for every planted order fault (unknown_product,
    refund_exceeds_order_total, duplicate)
  - ``customer_parents.csv``: the account hierarchy as real customers (true_customer_id, parent, level)
- ``manifest.json``: seed, scale, generated_at, window, row counts per file

Conventions worth knowing: credit note totals are positive in the export (the canonical model
negates them); Stripe ``created`` is "YYYY-MM-DD HH:MM:SS" UTC except for ~1.5% of rows in unix
seconds; ``status`` of an invoice is as of 2025-12-31, so wires booked after that day are not on
the statements.

Orders: B2B customers with a CRM account order through Salesforce, consumers through Shopify; each
order is billed as exactly one invoice (Invoice_Number__c / invoiceNumber), its lines add up to
the invoice subtotal in the invoice currency, a Shopify order's tax is the invoice's, and every
Stripe refund of an ordered invoice is a Shopify refund of that order. Salesforce and Shopify
spell the catalogue's SKUs differently now and then (case, separators, leading zeros); upper case,
letters and digits only and no leading zeros in a digit run undo it.
customer_truth.csv also holds the Shopify customers (system ``shop``).
"""

from integration_hub.demo.company import generate_company

__all__ = ["generate_company"]
