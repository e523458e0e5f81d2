"""Cleaning by declaration: refused amounts and dates are quarantined under a rule naming why, never guessed."""
import shutil

import pandas as pd
import pytest

from integration_hub.connectors.exports import stamp
from integration_hub.mapping.systems import DEFS_DIR, DeclarationError, load_system, load_systems
from integration_hub.standardize.frame import clean_frame, cleaned_schema

INVOICE_COLUMNS = ["invoice_number", "customer_id", "issue_date", "due_date", "currency", "subtotal", "tax", "total",
                   "status", "po_number"]
GOOD = {"invoice_number": "INV-1", "customer_id": "C1", "issue_date": "2025-01-03", "due_date": "", "currency": "GBP",
        "subtotal": "1,000.00", "tax": "0.00", "total": "1,000.00", "status": "open", "po_number": ""}


def _entity(system, name, defs_dir=DEFS_DIR):
    declared = next(s for s in load_systems(defs_dir) if s.name == system)
    return next(e for e in declared.entities if e.name == name)


def _invoices(*changes):
    rows = [GOOD] + [{**GOOD, "invoice_number": f"INV-{i + 2}", **c} for i, c in enumerate(changes)]
    return stamp(pd.DataFrame(rows, columns=INVOICE_COLUMNS), origin="test")


def _rules(result):
    return dict(zip(result.rejects["row"], result.rejects["rule"]))


def test_invoice_amounts_and_dates_that_would_be_guessed_are_quarantined():
    result = clean_frame(_invoices(
        {"total": "1e20"},
        {"total": "$1,234.50"},
        {"total": "1.000,00"},                       # billing declares a decimal point
        {"issue_date": "01/02/2025"},
        {"total": "99999999999999999999.00"},
        {"total": "12.345"},
    ), _entity("billing", "invoices"))
    assert _rules(result) == {1: "total.amount_exponent", 2: "total.currency_symbol_mismatch",
                              3: "total.amount_format_mismatch", 4: "issue_date.date_ambiguous",
                              5: "total.amount_out_of_range", 6: "total.amount_precision"}
    assert result.cleaned["total"].tolist() == [100000]
    assert str(result.cleaned["total"].dtype) == "Int64"


def test_a_malformed_amount_keeps_the_rule_name():
    result = clean_frame(_invoices({"total": "12.5x"}), _entity("billing", "invoices"))
    assert _rules(result) == {1: "total.major_units"}


def test_minor_units_up_to_15_digits_load_exactly_and_beyond_are_quarantined():
    columns = ["id", "amount", "amount_refunded", "currency", "customer_id", "created", "status", "description",
               "metadata_invoice_number", "balance_transaction_id", "payment_method_type"]
    good = ["ch_1", "999999999999999", "0", "usd", "c", "2025-01-03 10:00:00", "succeeded", "", "", "", "card"]
    big = ["ch_2", "1000000000000000"] + good[2:]
    entity = _entity("stripe", "charges")
    result = clean_frame(stamp(pd.DataFrame([good, big], columns=columns), origin="test"), entity)
    assert result.cleaned["amount"].tolist() == [999999999999999]
    assert str(result.cleaned["amount"].dtype) == "Int64"
    assert _rules(result) == {1: "amount.amount_out_of_range"}
    validated = cleaned_schema(entity).validate(result.cleaned)
    assert validated["amount"].tolist() == [999999999999999]


@pytest.fixture
def billing_copy(tmp_path):
    folder = tmp_path / "billing"
    shutil.copytree(DEFS_DIR / "billing", folder)
    return folder


def _declare(folder, old, new):
    path = folder / "system.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_system_formats_apply_to_every_column_unless_the_column_declares_its_own(billing_copy):
    _declare(billing_copy, 'decimal: "."', 'decimal: ","\n  dayfirst: true')
    _declare(billing_copy, "tax: {rule: major_units, currency: currency, required: true}",
             'tax: {rule: major_units, currency: currency, required: true, decimal: "."}')
    result = clean_frame(_invoices({"subtotal": "1.000,00", "tax": "1,000.00", "total": "2.000,00",
                                    "issue_date": "01/02/2025"}),
                         _entity("billing", "invoices", billing_copy.parent))
    row = result.cleaned.loc[1]
    assert (row["subtotal"], row["tax"], row["total"]) == (100000, 100000, 200000)
    assert row["issue_date"].isoformat() == "2025-02-01T00:00:00+00:00"
    # The first row's "1,000.00" contradicts the decimal comma; its tax column declares a point of its own.
    assert set(zip(result.rejects["row"], result.rejects["rule"])) == {(0, "subtotal.amount_format_mismatch"),
                                                                       (0, "total.amount_format_mismatch")}


@pytest.mark.parametrize("old, new, message", [
    ('decimal: "."', 'decimal: ";"', "decimal"),
    ('decimal: "."', 'decimal: "."\n  dayfirst: maybe', "dayfirst"),
    ('decimal: "."', 'decimal: "."\n  locale: de_DE', "locale"),
    ("total: {rule: major_units, currency: currency, required: true}",
     'total: {rule: major_units, currency: currency, required: true, decimal: "x"}', "decimal"),
])
def test_bad_format_declarations_are_refused_at_load(billing_copy, old, new, message):
    _declare(billing_copy, old, new)
    with pytest.raises(DeclarationError, match=message):
        load_system(billing_copy)
