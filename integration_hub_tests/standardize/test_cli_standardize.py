import csv

import pandas as pd
import pytest

from integration_hub.standardize._columns import detect_columns, snake
from integration_hub.standardize.cli_standardize import StandardizeError, standardize_file

HEADER = ["customer_id", "company_name", "contact_first_name", "contact_last_name", "email", "phone",
          "billing_street", "billing_city", "billing_state", "billing_postal_code", "billing_country", "currency"]
ROWS = [
    ["CUST-1", "ACME CORP", "JOHN", "MCDONALD", " John@Acme.COM ", "(415) 555-0132 x12",
     "123 north main street, suite #200", "SAN FRANCISCO", "calif.", "94105", "USA", "usd"],
    ["CUST-2", "globex gmbh", "jürgen", "müller", "bad@", "030 1234567", "Hauptstraße 5", "Berlin", "Bayern",
     "10115", "Deutschland", "EUR"],
    ["CUST-3", "", "", "", "N/A", "", "", "", "", "", "", ""],
    ["CUST-4", "Initech Ltd", "Peter", "Gibbons", "peter@initech.co.uk", "020 7946 0958", "10 downing street",
     "London", "", "sw1a2aa", "UK", "GBP"],
    ["CUST-5", "Acme, Inc.", "Mary", "O'Brien", "mary@acme.com", "617-555-0199", "1 Main St", "Boston", "MA",
     "2134", "", "USD"],
]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_standardizes_a_customer_export(tmp_path):
    src = write_csv(tmp_path / "customers.csv", HEADER, ROWS)
    summary = standardize_file(src, tmp_path / "out.csv", "customer")
    out = read(tmp_path / "out.csv")
    assert list(out.columns[:len(HEADER)]) == HEADER
    assert out[HEADER].values.tolist() == ROWS                # input columns unchanged
    first = out.iloc[0]
    assert first["std_company"] == "Acme Corp."
    assert first["std_company_key"] == "acme"
    assert (first["std_first_name"], first["std_last_name"]) == ("John", "McDonald")
    assert first["std_email"] == "john@acme.com"
    assert (first["std_phone"], first["std_phone_ext"]) == ("+14155550132", "12")
    assert first["std_street"] == "123 N Main St Ste 200"
    assert (first["std_city"], first["std_region"], first["std_postal_code"], first["std_country"]) == \
        ("San Francisco", "CA", "94105", "US")
    german = out.iloc[1]
    assert (german["std_phone"], german["std_region"], german["std_country"]) == ("+49301234567", "BY", "DE")
    assert german["std_email"] == ""
    assert out.iloc[3]["std_phone"] == "+442079460958"        # the row's own country reads the phone
    assert out.iloc[3]["std_postal_code"] == "SW1A 2AA"
    assert out.iloc[4]["std_postal_code"] == "02134"          # blank country: default US
    assert out.iloc[4]["std_country"] == ""                   # ... but no country is invented
    assert out.iloc[4]["std_company_key"] == out.iloc[0]["std_company_key"]
    assert (out.iloc[2][[c for c in out.columns if c.startswith("std_")]] == "").all()

    assert summary["rows"] == 5
    assert summary["detected"]["phone"] == "phone" and summary["detected"]["region"] == "billing_state"
    assert summary["columns"]["std_email"] == {"source": "email", "standardized": 3, "blank": 1, "invalid": 1}
    assert summary["columns"]["std_phone_ext"]["invalid"] == 0    # no extension is not an error
    assert summary["columns"]["std_country"] == {"source": "billing_country", "standardized": 3, "blank": 2,
                                                 "invalid": 0}


def test_blank_country_falls_back_to_the_country_free_form(tmp_path):
    src = write_csv(tmp_path / "c.csv", ["zip", "state", "country"],
                    [["ec1a1bb", "England", ""], ["2134", "mass.", ""], ["k1a0b1", "on", "Canada"]])
    standardize_file(src, tmp_path / "out.csv")
    out = read(tmp_path / "out.csv")
    assert out["std_postal_code"].tolist() == ["EC1A1BB", "02134", "K1A 0B1"]
    assert out["std_region"].tolist() == ["England", "MA", "ON"]


def test_chunked_run_gives_the_same_output(tmp_path):
    rows = [[f"{r[0]}-{i}"] + r[1:] for i in range(7) for r in ROWS]
    src = write_csv(tmp_path / "big.csv", HEADER, rows)
    calls = []
    one = standardize_file(src, tmp_path / "one.csv", chunksize=10_000)
    tiny = standardize_file(src, tmp_path / "tiny.csv", chunksize=3, progress=calls.append)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "tiny.csv").read_bytes()
    assert one["columns"] == tiny["columns"] and one["rows"] == tiny["rows"] == 35
    assert sum(calls) == 35 and len(calls) == 12
    assert not list(tmp_path.glob("*.partial"))


def test_product_entity_standardizes_skus(tmp_path):
    src = write_csv(tmp_path / "items.csv", ["Item Number", "Description", "Price"],
                    [["ab_00123", "Widget", "1.50"], [" AB-123 ", "Widget", "1.50"], ["", "Gadget", "2"]])
    summary = standardize_file(src, tmp_path / "out.csv", "product")
    out = read(tmp_path / "out.csv")
    assert out["std_sku"].tolist() == ["AB-00123", "AB-123", ""]
    assert out["std_sku_key"].tolist() == ["AB123", "AB123", ""]
    assert summary["detected"] == {"sku": "Item Number"}


def test_contact_name_is_split_when_no_first_and_last_columns(tmp_path):
    src = write_csv(tmp_path / "v.csv", ["Vendor Name", "Contact Name", "Email"],
                    [["ACME SUPPLY CO", "smith, john", "AP@ACME.COM"]])
    standardize_file(src, tmp_path / "out.csv", "vendor")
    row = read(tmp_path / "out.csv").iloc[0]
    assert (row["std_company"], row["std_contact_name"], row["std_first_name"], row["std_last_name"]) == \
        ("Acme Supply Co.", "John Smith", "John", "Smith")


def test_header_only_file_gets_std_columns(tmp_path):
    src = write_csv(tmp_path / "empty.csv", ["email", "phone"], [])
    summary = standardize_file(src, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text().strip() == "email,phone,std_email,std_phone,std_phone_ext"
    assert summary["rows"] == 0 and summary["columns"]["std_email"]["standardized"] == 0


def test_utf8_bom_header_is_recognized(tmp_path):
    src = tmp_path / "bom.csv"
    src.write_bytes("\ufeffEmail,Phone\nA@B.COM,415-555-0132\n".encode())
    standardize_file(src, tmp_path / "out.csv")
    assert read(tmp_path / "out.csv")["std_email"].tolist() == ["a@b.com"]


def test_missing_file(tmp_path):
    with pytest.raises(StandardizeError, match="no such file"):
        standardize_file(tmp_path / "nope.csv", tmp_path / "out.csv")


def test_no_known_column(tmp_path):
    src = write_csv(tmp_path / "x.csv", ["foo", "bar"], [["1", "2"]])
    with pytest.raises(StandardizeError, match=r"no column this tool knows for entity 'customer'.*'foo', 'bar'"):
        standardize_file(src, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(StandardizeError, match="empty file"):
        standardize_file(tmp_path / "e.csv", tmp_path / "out.csv")


def test_not_utf8(tmp_path):
    (tmp_path / "l1.csv").write_bytes("email,city\na@b.com,M\xfcnchen\n".encode("latin-1"))
    with pytest.raises(StandardizeError, match="not UTF-8"):
        standardize_file(tmp_path / "l1.csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_malformed_row_names_the_line_and_leaves_no_output(tmp_path):
    lines = ["email,phone"] + [f"u{i}@x.com,415-555-01{i:02d}" for i in range(10)] + ["a@b.com,1,extra,fields"]
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(StandardizeError, match=r"bad.csv: malformed CSV.*line 12"):
        standardize_file(tmp_path / "bad.csv", tmp_path / "out.csv", chunksize=4)
    assert not (tmp_path / "out.csv").exists() and not list(tmp_path.glob("*.partial"))


def test_unknown_entity(tmp_path):
    src = write_csv(tmp_path / "c.csv", ["email"], [["a@b.com"]])
    with pytest.raises(StandardizeError, match="unknown entity 'planet'"):
        standardize_file(src, tmp_path / "out.csv", "planet")


def test_refuses_to_overwrite_its_own_columns(tmp_path):
    src = write_csv(tmp_path / "c.csv", ["email", "std_email"], [["a@b.com", "x"]])
    with pytest.raises(StandardizeError, match="already has output columns"):
        standardize_file(src, tmp_path / "out.csv")


@pytest.mark.parametrize("header, expected", [
    ("BillingPostalCode", "billing_postal_code"), ("Address Line 1", "address_line_1"), ("E-mail", "e_mail"),
    ("Id", "id"), ("address_line1", "address_line1"),
])
def test_snake(header, expected):
    assert snake(header) == expected


def test_detects_salesforce_and_stripe_headers():
    salesforce = detect_columns(["Id", "Name", "Phone", "Website", "BillingStreet", "BillingCity", "BillingState",
                                 "BillingPostalCode", "BillingCountry"], "customer")
    assert salesforce == {"company": "Name", "phone": "Phone", "street": "BillingStreet", "city": "BillingCity",
                          "region": "BillingState", "postal_code": "BillingPostalCode", "country": "BillingCountry"}
    stripe = detect_columns(["id", "email", "name", "phone", "description", "address_line1", "address_line2",
                             "address_city", "address_state", "address_postal_code", "address_country"], "customer")
    assert stripe["street"] == "address_line1" and stripe["street2"] == "address_line2"
    assert stripe["region"] == "address_state" and stripe["country"] == "address_country"
    assert stripe["company"] == "name"


def test_formula_cells_are_neutralized_in_the_output(tmp_path):
    rows = [["CUST-9", '=HYPERLINK("http://x","y")', "", "", "@SUM(A1)", "+49 30 1234567", "", "", "", "", "DE", "EUR"]]
    standardize_file(write_csv(tmp_path / "c.csv", HEADER, rows), tmp_path / "out.csv", "customer")
    out = read(tmp_path / "out.csv").iloc[0]
    assert out["company_name"] == '\'=HYPERLINK("http://x","y")' and out["email"] == "'@SUM(A1)"
    assert out["phone"] == "+49 30 1234567" and out["std_phone"] == "+49301234567"   # numbers stay numbers
    assert not any(str(v).startswith(("=", "@")) for v in out.to_numpy())
