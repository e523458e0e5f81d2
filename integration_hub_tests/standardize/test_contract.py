"""The contract every cleaner keeps: same index, NA for blanks, string dtype, any input type."""
import numpy as np
import pandas as pd
import pytest

from integration_hub.standardize import addresses, emails, names, phones, sku, text

CLEANERS = {
    "clean_text": text.clean_text,
    "company_name": names.company_name,
    "company_match_key": names.company_match_key,
    "person_name": names.person_name,
    "phone_e164": phones.phone_e164,
    "phone_extension": phones.phone_extension,
    "email": emails.email,
    "country_iso2": addresses.country_iso2,
    "us_state": addresses.us_state,
    "region": addresses.region,
    "street": addresses.street,
    "city": addresses.city,
    "postal_code": lambda s: addresses.postal_code(s, "US"),
    "sku": sku.sku,
    "sku_match_key": sku.sku_match_key,
}
SPLITTERS = {
    "split_person_name": (names.split_person_name, ["first", "last"]),
    "split_street_number": (addresses.split_street_number, ["number", "street", "unit"]),
}
BLANKS = ["", "   ", "\t\n", "N/A", "n/a", "null", "NULL", "None", "-", "nan", None, np.nan, pd.NA]


@pytest.mark.parametrize("name", sorted(CLEANERS))
def test_blanks_become_na_on_the_same_index(name):
    s = pd.Series(BLANKS, index=[f"r{i}" for i in range(len(BLANKS))], dtype=object)
    out = CLEANERS[name](s)
    assert list(out.index) == list(s.index)
    assert out.isna().all(), out[out.notna()]
    assert out.dtype == "string"


@pytest.mark.parametrize("name", sorted(SPLITTERS))
def test_splitters_keep_index_and_give_na_for_blanks(name):
    fn, columns = SPLITTERS[name]
    s = pd.Series(BLANKS, index=range(100, 100 + len(BLANKS)), dtype=object)
    out = fn(s)
    assert list(out.columns) == columns
    assert list(out.index) == list(s.index)
    assert out.isna().all().all()


@pytest.mark.parametrize("name", sorted(CLEANERS))
def test_results_align_with_a_shuffled_duplicated_index(name):
    values = ["Acme Corp", "(415) 555-0132", "USA", None, "Acme Corp", "x@y.com"]
    s = pd.Series(values, index=[5, 3, 3, 9, 0, 7])
    out = CLEANERS[name](s)
    assert list(out.index) == [5, 3, 3, 9, 0, 7]
    assert out.iloc[0] is out.iloc[4] or out.iloc[0] == out.iloc[4]     # same input, same output
    assert pd.isna(out.iloc[3])
    assert out.name == s.name


@pytest.mark.parametrize("name", sorted(CLEANERS))
def test_empty_series(name):
    out = CLEANERS[name](pd.Series([], dtype="string"))
    assert len(out) == 0


def test_string_dtype_input_and_plain_list_are_accepted():
    assert phones.phone_e164(pd.Series(["415-555-0132"], dtype="string")).tolist() == ["+14155550132"]
    assert emails.email(["A@B.COM"]).tolist() == ["a@b.com"]


def test_numeric_columns_lose_the_float_artifact():
    s = pd.Series([4155550132.0, np.nan, 94105.0])
    assert phones.phone_e164(s).tolist()[:2] == ["+14155550132", pd.NA]
    assert addresses.postal_code(s, "US").tolist()[2] == "94105"


def test_per_row_context_aligns_by_index_label():
    s = pd.Series(["020 7946 0958", "(415) 555-0132", "020 7946 0958"], index=[7, 8, 9])
    regions = pd.Series(["US", "GB"], index=[8, 7])            # other order, label 9 missing
    assert phones.phone_e164(s, default_region=regions).tolist() == ["+442079460958", "+14155550132", pd.NA]


def test_context_with_duplicate_labels_that_do_not_match_is_refused():
    with pytest.raises(ValueError, match="cannot align"):
        phones.phone_e164(pd.Series(["1", "2"]), default_region=pd.Series(["US", "GB"], index=[5, 5]))
