"""Deterministic generator of a messy sample company, with the truth to test a pipeline against.

``generate_company(out_dir, scale=..., seed=...)`` writes, under ``out_dir``:

- ``stripe/``: customers, charges, refunds, payouts, balance_transactions (Stripe field names)
- ``billing/``: customers, invoices, credit_notes (amounts in major units as text)
- ``crm/accounts.csv``: Salesforce Account export
- ``bank/``: ``operating_usd.bai`` (BAI2), ``eur_account.xml`` (camt.053.001.02), ``gbp_account.sta`` (MT940)
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
- ``manifest.json``: seed, scale, generated_at, window, row counts per file

Conventions worth knowing: credit note totals are positive in the export (the canonical model
negates them); Stripe ``created`` is "YYYY-MM-DD HH:MM:SS" UTC except for ~1.5% of rows in unix
seconds; ``status`` of an invoice is as of 2025-12-31, so wires booked after that day are not on
the statements.
"""

from integration_hub.demo.company import generate_company

__all__ = ["generate_company"]
