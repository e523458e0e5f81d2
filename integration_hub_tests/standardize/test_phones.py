import pandas as pd
import pytest

from integration_hub.standardize.phones import phone_e164, phone_extension


@pytest.mark.parametrize("raw, region, expected", [
    ("(415) 555-0132", "US", "+14155550132"),
    ("415.555.0132", "US", "+14155550132"),
    ("415-555-0132", "US", "+14155550132"),
    ("1-415-555-0132", "US", "+14155550132"),
    ("+1 415 555 0132", "US", "+14155550132"),
    ("+1 (650) 253-0000", "GB", "+16502530000"),      # written internationally: region ignored
    ("415-555-2671 x204", "US", "+14155552671"),      # extension dropped from the E.164 form
    ("1-800-FLOWERS", "US", "+18003569377"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("020 7946 0958", "United Kingdom", "+442079460958"),   # a country name works as region
    ("+44 (0)20 7946 0958", "US", "+442079460958"),
    ("0044 20 7946 0958", "US", "+442079460958"),     # European exit code from a US-default row
    ("447911123456", "US", "+447911123456"),          # country code without its "+"
    ("030 1234567", "DE", "+49301234567"),
    ("01 42 68 53 00", "FR", "+33142685300"),
    ("+81 3-1234-5678", "US", "+81312345678"),
    ("555-0100", "US", None),                         # too short
    ("(123) 456-7890", "US", None),                   # no such area code
    ("not a phone", "US", None),
    ("020 7946 0958", "US", None),                    # a UK national number is not a US one
    ("", "US", None),
])
def test_phone_e164(raw, region, expected):
    out = phone_e164(pd.Series([raw]), default_region=region).iloc[0]
    assert (pd.isna(out) if expected is None else out == expected)


def test_per_row_regions():
    s = pd.Series(["020 7946 0958", "(415) 555-0132", "030 1234567", "+33 1 42 68 53 00", "020 7946 0958"],
                  index=[10, 11, 12, 13, 14])
    regions = pd.Series(["GB", "US", "Deutschland", pd.NA, pd.NA], index=[10, 11, 12, 13, 14])
    out = phone_e164(s, default_region=regions)
    assert list(out.index) == [10, 11, 12, 13, 14]
    # a row without a region only parses numbers written internationally
    assert out.tolist() == ["+442079460958", "+14155550132", "+49301234567", "+33142685300", pd.NA]


def test_same_text_in_two_regions_is_cached_per_pair():
    s = pd.Series(["020 7946 0958"] * 4)
    out = phone_e164(s, default_region=pd.Series(["GB", "US", "GB", "US"]))
    assert out.tolist() == ["+442079460958", pd.NA, "+442079460958", pd.NA]


@pytest.mark.parametrize("raw, expected", [
    ("415-555-2671 x204", "204"),
    ("415-555-2671 ext. 204", "204"),
    ("415-555-2671 ext 204", "204"),
    ("415-555-2671 #204", "204"),
    ("(415) 555-2671 extension 7", "7"),
    ("+1 415 555 2671;ext=99", "99"),
    ("415-555-2671", None),
    ("garbage", None),
])
def test_phone_extension(raw, expected):
    out = phone_extension(pd.Series([raw])).iloc[0]
    assert (pd.isna(out) if expected is None else out == expected)
