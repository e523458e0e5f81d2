"""Amounts are read by the source's declared decimal mark, or only when they have one reading; never guessed."""
import pandas as pd
import pytest

from integration_hub.standardize.money import major_units, minor_units, minor_units_from_minor


def _one(text, currency, decimal=None):
    parsed = major_units(pd.Series([text]), pd.Series([currency]), decimal=decimal)
    assert str(parsed.values.dtype) == "Int64"
    value, reason = parsed.values.iloc[0], parsed.reasons.iloc[0]
    return (None if pd.isna(value) else int(value)), (None if pd.isna(reason) else reason)


@pytest.mark.parametrize("text, currency, expected", [
    ("1,234.50", "USD", 123450),
    ("1.234,50", "EUR", 123450),
    ("1 234,50", "EUR", 123450),
    ("1\u00a0234,50", "EUR", 123450),          # no-break space, as French exports write it
    ("1\u202f234,50", "EUR", 123450),          # narrow no-break space
    ("1'234.50", "CHF", 123450),
    ("1,00", "EUR", 100),                      # grouping needs three digits: only the decimal comma fits
    ("1234.500", "USD", 123450),
    ("1 234", "EUR", 123400),                  # spaces group in every locale: one reading
    ("(12.30)", "USD", -1230),
    ("12.30-", "USD", -1230),
    ("-$12.30", "USD", -1230),
    ("$12.00", "USD", 1200),
    ("$12.00", "CAD", 1200),                   # "$" belongs to every dollar currency
    ("12,00 €", "EUR", 1200),
    ("USD 12.00", "USD", 1200),
    ("£1,234.50", "GBP", 123450),
    ("1234.00", "JPY", 1234),                  # zero decimals lose nothing
    ("9999999999999.99", "USD", 10**15 - 1),
])
def test_unambiguous_amounts_are_read(text, currency, expected):
    assert _one(text, currency) == (expected, None)


@pytest.mark.parametrize("text, currency, reason", [
    ("1,000", "USD", "amount_ambiguous"),
    ("1.000", "EUR", "amount_ambiguous"),
    ("12.345", "USD", "amount_ambiguous"),
    ("1.234", "KWD", "amount_ambiguous"),
    ("1e3", "USD", "amount_exponent"),
    ("1E20", "USD", "amount_exponent"),
    ("$1,234.50", "GBP", "currency_symbol_mismatch"),
    ("€5.00", "USD", "currency_symbol_mismatch"),
    ("USD 12.00", "EUR", "currency_symbol_mismatch"),
    ("1234.5", "JPY", "amount_precision"),
    ("99999999999999999999.00", "USD", "amount_out_of_range"),
    ("92233720368547758.08", "USD", "amount_out_of_range"),
    ("12.00", None, "currency_unknown"),
])
def test_amounts_that_cannot_be_read_safely_name_the_reason(text, currency, reason):
    assert _one(text, currency) == (None, reason)


@pytest.mark.parametrize("text, decimal, expected", [
    ("1.000,00", ",", (100000, None)),
    ("1.000", ",", (100000, None)),
    ("1,000", ".", (100000, None)),
    ("1,00", ",", (100, None)),
    ("1.000,00", ".", (None, "amount_format_mismatch")),
    ("1,00", ".", (None, "amount_format_mismatch")),
    ("1,234.50", ",", (None, "amount_format_mismatch")),
    ("12.345", ".", (None, "amount_precision")),
    ("1e3", ",", (None, "amount_exponent")),
])
def test_a_declared_decimal_mark_is_applied_strictly(text, decimal, expected):
    assert _one(text, "EUR", decimal) == expected


@pytest.mark.parametrize("text", ["12.5x", "1.2.3", "abc", "#VALUE!", "--12", "(12.00)-", "12 EURO", "1,2O0"])
def test_malformed_amounts_are_invalid_without_a_special_reason(text):
    assert _one(text, "USD") == (None, None)


def test_unknown_decimal_declaration_is_refused():
    with pytest.raises(ValueError, match="decimal"):
        major_units(pd.Series(["1"]), "USD", decimal=";")


def test_minor_units_stay_exact_integers_up_to_the_bound_and_are_refused_beyond():
    parsed = minor_units(pd.Series(["999999999999999", "1250", "1000000000000000", "-9223372036854775809",
                                    "0000000000000000001250", "1e3"]))
    assert str(parsed.values.dtype) == "Int64"
    assert parsed.values.iloc[0] == 10**15 - 1 and parsed.values.iloc[1] == 1250 and parsed.values.iloc[4] == 1250
    assert parsed.values.iloc[[2, 3, 5]].isna().all()
    assert parsed.reasons.tolist()[1:] == [pd.NA, "amount_out_of_range", "amount_out_of_range", pd.NA,
                                           "amount_exponent"]


def test_minor_units_value_api_keeps_the_bound_extremes():
    out = minor_units_from_minor(pd.Series([str(10**15 - 1), str(-(10**15 - 1)), "12"]))
    assert out.tolist() == [10**15 - 1, -(10**15 - 1), 12]
