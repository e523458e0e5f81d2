import pandas as pd
import pytest

from integration_hub.resolve.records import RecordError, detect_roles, prepare, records_from


@pytest.mark.parametrize("headers, expected", [
    (["Company Name", "E-mail", "Phone Number", "Zip"],
     {"company": "Company Name", "email": "E-mail", "phone": "Phone Number", "postal_code": "Zip"}),
    (["Account Name", "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry"],
     {"company": "Account Name", "street": "BillingStreet", "city": "BillingCity", "region": "BillingState",
      "postal_code": "BillingPostalCode", "country": "BillingCountry"}),
    (["First Name", "Last Name", "DOB", "SSN", "ZIP Code", "State/Province"],
     {"first_name": "First Name", "last_name": "Last Name", "date_of_birth": "DOB", "national_id": "SSN",
      "postal_code": "ZIP Code", "region": "State/Province"}),
    (["Name", "Postcode", "Country", "EIN"], {"company": "Name", "postal_code": "Postcode", "country": "Country",
                                              "tax_id": "EIN"}),
    (["Name", "Date of Birth", "Email"], {"full_name": "Name", "date_of_birth": "Date of Birth", "email": "Email"}),
    (["contact_first_name", "contact_last_name", "company_name", "billing_street", "shipping_street"],
     {"first_name": "contact_first_name", "last_name": "contact_last_name", "company": "company_name",
      "street": "billing_street"}),
    (["id", "amount", "currency"], {}),
])
def test_detect_roles_from_common_headers(headers, expected):
    assert detect_roles(headers) == expected


def test_records_from_builds_keys_and_rejects_bad_input():
    raw = pd.DataFrame({"ID": ["a1", "a2"], "Company": ["Acme Inc", "Beta LLC"]})
    records = records_from(raw, {"company": "Company"}, system="crm", id_column="ID")
    assert records["record_key"].tolist() == ["crm:a1", "crm:a2"]
    assert records_from(raw, {"company": "Company"}, system="x")["source_id"].tolist() == ["1", "2"]
    with pytest.raises(RecordError, match="valid roles: company, first_name"):
        records_from(raw, {"firm": "Company"}, system="crm")
    with pytest.raises(RecordError, match="not in the input"):
        records_from(raw, {"email": "Email"}, system="crm")
    with pytest.raises(RecordError, match=r"repeats ids on data row\(s\) \[1, 2\]"):
        records_from(pd.DataFrame({"ID": ["x", "x"], "Company": ["A", "B"]}), {"company": "Company"},
                     system="crm", id_column="ID")


def test_prepare_folds_spellings_of_one_value_into_one_key():
    raw = pd.DataFrame({
        "company": ["Müller GmbH", "MULLER G.m.b.H.", "", "N/A"],
        "email": ["Jane.Doe+shop@Gmail.com ", "ap@mueller.de", "not an email", None],
        "phone": ["(415) 555-0132", "+49 30 1234567", "", "12"],
        "street": ["123 North Main Street, Suite #200", "Hauptstraße 5", None, "  "],
        "postal_code": ["94105-1234", "10115", "", None],
        "country": ["USA", "Deutschland", "", None],
    })
    p = prepare(raw, {c: c for c in raw.columns})
    assert p["org_key"].tolist()[:2] == ["muller", "muller"]
    assert p["org_key"].iloc[2:].isna().all() and p["name_key"].iloc[2:].isna().all()
    assert p["email"].iloc[0] == "jane.doe+shop@gmail.com" and p["email_user"].iloc[0] == "janedoe"
    assert bool(p["email_free"].iloc[0]) and not bool(p["email_free"].iloc[1])
    assert p["email"].iloc[2:].isna().all()
    assert p["phone"].tolist()[:2] == ["+14155550132", "+49301234567"] and p["phone"].iloc[2:].isna().all()
    assert p["street_number"].tolist()[:2] == ["123", "5"]
    assert p["street_key"].tolist()[:2] == ["n main st", "hauptstrasse"]
    assert p["unit_key"].iloc[0] == "200"
    assert p["postal_key"].tolist()[:2] == ["94105", "10115"]
    assert p["country"].tolist()[:2] == ["US", "DE"]


def test_prepare_splits_person_names_and_identifiers():
    raw = pd.DataFrame({"full_name": ["Dr. José García", "Smith, John"], "dob": ["1980-02-03", "03/14/1975"],
                        "ssn": ["123-45-6789", ""], "ein": ["12-3456789", None]})
    p = prepare(raw, {"full_name": "full_name", "date_of_birth": "dob", "national_id": "ssn", "tax_id": "ein"})
    assert p["first_key"].tolist() == ["jose", "john"] and p["last_key"].tolist() == ["garcia", "smith"]
    assert p["name_key"].tolist() == ["jose garcia", "john smith"]
    assert p["date_of_birth"].tolist() == ["1980-02-03", "1975-03-14"]
    assert p["national_id"].iloc[0] == "123456789" and pd.isna(p["national_id"].iloc[1])
    assert p["tax_id"].iloc[0] == "123456789"
