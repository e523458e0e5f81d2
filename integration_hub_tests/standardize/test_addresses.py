import pandas as pd
import pytest

from integration_hub.standardize.addresses import (city, country_iso2, postal_code, region, split_street_number,
                                                   street, us_state)


def one(fn, value, *args):
    out = fn(pd.Series([value]), *args).iloc[0]
    return None if pd.isna(out) else out


@pytest.mark.parametrize("raw, expected", [
    ("USA", "US"), ("U.S.", "US"), ("U.S.A.", "US"), ("United States", "US"), ("united states of america", "US"),
    ("US", "US"), ("us", "US"), ("Deutschland", "DE"), ("Germany", "DE"), ("DEU", "DE"),
    ("UK", "GB"), ("Great Britain", "GB"), ("England", "GB"), ("United Kingdom", "GB"), ("GB", "GB"),
    ("France", "FR"), ("España", "ES"), ("Österreich", "AT"), ("Schweiz", "CH"), ("Suisse", "CH"),
    ("Nederland", "NL"), ("Holland", "NL"), ("The Netherlands", "NL"), ("México", "MX"), ("Brasil", "BR"),
    ("Russia", "RU"), ("Russian Federation", "RU"), ("South Korea", "KR"), ("Korea, Republic of", "KR"),
    ("Viet Nam", "VN"), ("Vietnam", "VN"), ("Côte d'Ivoire", "CI"), ("Ivory Coast", "CI"),
    ("Türkiye", "TR"), ("Turkey", "TR"), ("Czech Republic", "CZ"), ("日本", "JP"), ("Ελλάδα", "GR"),
    ("NA", "NA"),                   # Namibia, not a blank
    ("CAN", "CA"), ("Canada", "CA"),
    ("Atlantis", None), ("XX", None), ("", None),
])
def test_country_iso2(raw, expected):
    assert one(country_iso2, raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("California", "CA"), ("calif.", "CA"), ("ca", "CA"), ("CA", "CA"), ("US-CA", "CA"),
    ("New York", "NY"), ("N.Y.", "NY"), ("new hampshire", "NH"), ("W. Va.", "WV"), ("West Virginia", "WV"),
    ("Washington", "WA"), ("Washington, D.C.", "DC"), ("District of Columbia", "DC"), ("Mass.", "MA"),
    ("Puerto Rico", "PR"), ("Guam", "GU"), ("AE", "AE"), ("Texas", "TX"),
    ("Ontario", None), ("Bavaria", None), ("XX", None), ("n/a", None),
])
def test_us_state(raw, expected):
    assert one(us_state, raw) == expected


@pytest.mark.parametrize("raw, country, expected", [
    ("Ontario", "CA", "ON"), ("québec", "Canada", "QC"), ("Bayern", "DE", "BY"), ("New South Wales", "AU", "NSW"),
    ("Texas", "US", "TX"), ("Nowhere", "US", None),
    ("Greater London", "GB", "Greater London"),     # not an ISO subdivision name: kept as cleaned text
    ("Some Region", None, "Some Region"),
])
def test_region(raw, country, expected):
    assert one(region, raw, country) == expected


@pytest.mark.parametrize("raw, expected", [
    ("123 Main Street", "123 Main St"),
    ("123 Main St.", "123 Main St"),
    ("123 north main street, suite #200", "123 N Main St Ste 200"),
    ("1600 Pennsylvania Avenue NW", "1600 Pennsylvania Ave NW"),
    ("350 FIFTH AVENUE", "350 Fifth Ave"),
    ("742 evergreen terrace", "742 Evergreen Ter"),
    ("500 W. Madison Boulevard, Floor 3", "500 W Madison Blvd Fl 3"),
    ("123 Main Street South", "123 Main St S"),
    ("45 Oak Drive Apartment 4b", "45 Oak Dr Apt 4B"),
    ("45 Oak Drive Apt #4B", "45 Oak Dr Apt 4B"),
    ("45 Oak Drive #12", "45 Oak Dr #12"),
    ("9 Sunset Parkway Unit 5", "9 Sunset Pkwy Unit 5"),
    ("1 Highway Expressway", "1 Highway Expy"),
    ("123 E 1ST ST", "123 E 1st St"),
    ("221B Baker Street", "221B Baker St"),
    ("100 Avenue of the Americas", "100 Avenue of the Americas"),   # Avenue is not in suffix position
    ("12 Court Street", "12 Court St"),
    ("123 North St", "123 North St"),                               # North is the street name here
    ("123 N. Broadway", "123 N Broadway"),
    ("P.O. Box 123", "PO Box 123"),
    ("post office box 9", "PO Box 9"),
    ("Suite 300, 456 Elm Street", "456 Elm St Ste 300"),
    ("Suite 200", "Ste 200"),                                       # an address line 2
    ("One Microsoft Way", "One Microsoft Way"),
    ("Hauptstraße 5", "Hauptstraße 5"),
    ("  ", None),
])
def test_street(raw, expected):
    assert one(street, raw) == expected


@pytest.mark.parametrize("raw, number, name, unit", [
    ("123 Main Street", "123", "Main St", None),
    ("221B Baker Street", "221B", "Baker St", None),
    ("10-12 High St", "10-12", "High St", None),
    ("123 1/2 Elm Boulevard", "123 1/2", "Elm Blvd", None),
    ("123 north main street, suite #200", "123", "N Main St", "Ste 200"),
    ("Hauptstraße 5", "5", "Hauptstraße", None),
    ("Rue de Rivoli 10b", "10B", "Rue de Rivoli", None),
    ("P.O. Box 123", None, "PO Box 123", None),
    ("One Microsoft Way", None, "One Microsoft Way", None),
])
def test_split_street_number(raw, number, name, unit):
    row = split_street_number(pd.Series([raw])).iloc[0]
    assert [None if pd.isna(v) else v for v in row] == [number, name, unit]


@pytest.mark.parametrize("raw, country, expected", [
    ("94105", "US", "94105"), ("2134", "US", "02134"), ("02134-1234", "US", "02134-1234"),
    ("021341234", "USA", "02134-1234"), ("12345 6789", "United States", "12345-6789"), ("1234X", "US", None),
    ("123456", "US", None),
    ("sw1a1aa", "GB", "SW1A 1AA"), ("SW1A 1AA", "UK", "SW1A 1AA"), ("ec1a-1bb", "GB", "EC1A 1BB"),
    ("M1 1AE", "GB", "M1 1AE"),
    ("12345", "GB", None),
    ("k1a0b1", "CA", "K1A 0B1"), ("K1A 0B1", "Canada", "K1A 0B1"), ("D1A 0B1", "CA", None),
    ("75008", "FR", "75008"), (" 10115 ", "DE", "10115"), ("1012 ab", "NL", "1012 AB"),
    ("abc 12", None, "ABC 12"),
])
def test_postal_code(raw, country, expected):
    assert one(postal_code, raw, country) == expected


def test_postal_code_country_per_row():
    s = pd.Series(["2134", "sw1a1aa", "k1a0b1"], index=["a", "b", "c"])
    out = postal_code(s, pd.Series(["US", "GB", "CA"], index=["a", "b", "c"]))
    assert out.to_dict() == {"a": "02134", "b": "SW1A 1AA", "c": "K1A 0B1"}


@pytest.mark.parametrize("raw, expected", [
    ("NEW YORK", "New York"), ("san francisco", "San Francisco"), ("St. Louis", "St. Louis"),
    ("  los   angeles ", "Los Angeles"), ("MÜNCHEN", "München"), ("stratford upon avon", "Stratford upon Avon"),
])
def test_city(raw, expected):
    assert one(city, raw) == expected
