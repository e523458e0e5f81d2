"""The record model entity resolution works on: one row per source record, one column per role.

A role says what a value means (a company name, a postal code, a date of birth), whatever the
source called its column. `records_from` turns any export into role columns plus `record_key`
(system + ":" + source id), `system` and `source_id`; `prepare` turns those into match-ready keys.
"""
from __future__ import annotations

import re

import pandas as pd

from integration_hub.resolve import keys
from integration_hub.standardize import dates

ROLES = ("company", "first_name", "last_name", "full_name", "email", "phone", "street_number", "street",
         "address_line2", "city", "region", "postal_code", "country", "date_of_birth", "national_id", "tax_id", "bank_account")
ID_COLUMNS = ("record_key", "system", "source_id")
UPDATED_AT = "updated_at"   # optional recency column of the record model, used by survivorship only

# Header names per role, compared in snake case ("ZIP Code" -> "zip_code", "BillingCity" -> "billing_city").
_HEADERS = {
    "company": ("company_name", "company", "account_name", "organization", "organisation", "organization_name",
                "business_name", "legal_name", "org_name", "business", "firm", "vendor_name", "supplier_name",
                "employer"),
    "first_name": ("first_name", "firstname", "given_name", "fname", "first", "forename"),
    "last_name": ("last_name", "lastname", "surname", "family_name", "lname", "last"),
    "full_name": ("full_name", "fullname", "contact_name", "person_name", "contact", "contact_person", "patient_name"),
    "email": ("email", "e_mail", "email_address", "e_mail_address", "emailaddress", "mail"),
    "phone": ("phone", "phone_number", "phonenumber", "telephone", "telephone_number", "tel", "mobile",
              "mobile_phone", "cell", "cell_phone", "phone1", "contact_number"),
    "street_number": ("street_number", "house_number", "house_no", "building_number", "street_no"),
    "street": ("street", "address_line1", "address_line_1", "address1", "address_1", "street_address", "line1",
               "line_1", "addr1", "street1", "address", "addr"),
    "address_line2": ("address_line2", "address_line_2", "address2", "address_2", "line2", "line_2", "addr2",
                      "street2", "suite", "unit", "apartment"),
    "city": ("city", "town", "locality", "municipality"),
    "region": ("state", "region", "province", "state_province", "state_or_province", "state_code", "province_code",
               "county"),
    "postal_code": ("postal_code", "postalcode", "zip", "zip_code", "zipcode", "postcode", "post_code", "postal"),
    "country": ("country", "country_code", "country_name", "nation"),
    "date_of_birth": ("date_of_birth", "dob", "birth_date", "birthdate", "birthday", "born_on"),
    "national_id": ("national_id", "ssn", "social_security_number", "social_security_no", "sin", "nin",
                    "national_insurance_number", "personal_id", "id_number"),
    "tax_id": ("tax_id", "ein", "fein", "tin", "vat", "vat_id", "vat_number", "tax_number", "taxpayer_id",
               "tax_identification_number", "abn", "siren", "ust_id"),
    "bank_account": ("bank_account", "bank_account_number", "iban"),
}
# A bare "Name" is a company in a CRM account export and a person in a patient list: it is read
# as full_name when the file carries person identifiers and no company column, else as company.
_AMBIGUOUS_NAMES = ("name", "customer_name", "client_name", "display_name", "customer", "client", "account")
_QUALIFIERS = ("billing", "bill_to", "mailing", "primary", "main", "contact", "customer", "client", "account",
               "company", "business", "address", "shipping", "ship_to", "home", "work", "personal", "default")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class RecordError(ValueError):
    """Input that cannot become records: an unknown role, a missing column, a duplicate id."""


def _snake(header: str) -> str:
    return _NON_ALNUM.sub("_", _CAMEL.sub("_", str(header)).lower()).strip("_")


def _unqualified(snaked: str) -> tuple[int, str] | None:
    """(qualifier rank, bare name) of "billing_city"-style headers; rank orders billing before shipping."""
    for rank, qualifier in enumerate(_QUALIFIERS):
        if snaked.startswith(qualifier + "_"):
            return rank, snaked[len(qualifier) + 1:]
    return None


def detect_roles(columns) -> dict[str, str]:
    """Role -> column for the roles recognizable from `columns` by header name.

    An exact header ("Zip", "E-mail", "State/Province") wins over a qualified one ("BillingPostalCode",
    "contact_first_name"); among qualified ones billing and mailing come before shipping. Each column
    serves one role."""
    columns = [str(c) for c in columns]
    snaked = {c: _snake(c) for c in columns}
    found: dict[str, str] = {}
    candidates: list[tuple[int, int, int, str, str]] = []   # (exactness, qualifier rank, position, role, column)
    for position, column in enumerate(columns):
        bare = snaked[column]
        for exact, (rank, name) in ((0, (0, bare)), (1, _unqualified(bare) or (0, ""))):
            for role, names in _HEADERS.items():
                if name and name in names:
                    candidates.append((exact, rank, position, role, column))
    taken: set[str] = set()
    for _, _, _, role, column in sorted(candidates):
        if role not in found and column not in taken:
            found[role] = column
            taken.add(column)
    ambiguous = next((c for c in columns if c not in taken and snaked[c] in _AMBIGUOUS_NAMES), None)
    if ambiguous is not None:
        personal = {"date_of_birth", "national_id"} & found.keys() or {"first_name", "last_name"} <= found.keys()
        role = "full_name" if personal and "company" not in found else "company"
        if role not in found:
            found[role] = ambiguous
    return {role: found[role] for role in ROLES if role in found}


def check_roles(roles: dict[str, str], columns) -> None:
    """Raise RecordError for a role this model does not know or a column the input lacks."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise RecordError(f"unknown role(s) {unknown}; valid roles: {', '.join(ROLES)}")
    missing = {role: column for role, column in roles.items() if column not in set(map(str, columns))}
    if missing:
        raise RecordError(f"column(s) not in the input: {missing}; columns present: {list(map(str, columns))}")


def records_from(frame: pd.DataFrame, roles: dict[str, str], *, system: str, id_column: str | None = None,
                 updated_at: str | None = None) -> pd.DataFrame:
    """The record model for `frame`: record_key, system, source_id, one column per role in `roles`
    (values as given) and, when `updated_at` names a column, its recency. Without `id_column` the
    source id is the 1-based row number. Raises RecordError naming the rows of a repeated id."""
    check_roles(roles, frame.columns)
    if id_column is not None and id_column not in frame.columns:
        raise RecordError(f"id column {id_column!r} not in the input; columns present: {list(frame.columns)}")
    if id_column is None:
        source_id = pd.Series(range(1, len(frame) + 1), index=frame.index).astype("string")
    else:
        source_id = frame[id_column].astype("string").str.strip()
        blank = source_id.isna() | source_id.eq("")
        if blank.any():
            raise RecordError(f"id column {id_column!r} is blank on data row(s) {_rows(blank)}")
        repeated = source_id.duplicated(keep=False)
        if repeated.any():
            raise RecordError(f"id column {id_column!r} repeats ids on data row(s) {_rows(repeated)}: "
                              f"{sorted(set(source_id[repeated]))[:5]}")
    out = pd.DataFrame({"record_key": system + ":" + source_id, "system": system, "source_id": source_id},
                       index=frame.index)
    for role, column in roles.items():
        out[role] = frame[column].astype("string")
    if updated_at is not None:
        out[UPDATED_AT] = dates.timestamp_utc(frame[updated_at])
    return out


def _rows(mask: pd.Series) -> list[int]:
    """1-based data rows where `mask` holds, from a 0-based integer index (the first ten)."""
    return [int(i) + 1 for i in mask.index[mask.to_numpy(dtype=bool)][:10]]


def prepare(frame: pd.DataFrame, roles: dict[str, str] | None = None, *, default_region: str = "US") -> pd.DataFrame:
    """Match-ready keys for each row of `frame` (see `keys` for each column), aligned on its index.

    `roles` maps role -> column of `frame`; by default every role column `frame` has (the record
    model). record_key, system and source_id are carried over when present. `default_region`
    reads phone numbers written without a country code where the record has no country."""
    if roles is None:
        roles = {role: role for role in ROLES if role in frame.columns}
    check_roles(roles, frame.columns)

    def col(role: str) -> pd.Series | None:
        return frame[roles[role]] if role in roles else None

    out = pd.DataFrame({c: frame[c] for c in ID_COLUMNS if c in frame.columns}, index=frame.index)
    country = keys.country_key(col("country"), frame.index)
    parts = [keys.name_keys(col("company"), col("first_name"), col("last_name"), col("full_name"), frame.index),
             keys.email_keys(col("email"), frame.index),
             keys.phone_keys(col("phone"), country, default_region, frame.index),
             keys.address_keys(col("street_number"), col("street"), col("address_line2"), col("city"),
                            col("postal_code"), country, frame.index),
             keys.identifier_keys(col("date_of_birth"), col("national_id"), col("tax_id"), frame.index,
                                  col("bank_account"))]
    out = pd.concat([out, *parts], axis=1)
    out["country"] = country
    return out
