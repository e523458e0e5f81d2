"""Which column of an export holds which kind of value, judged by its header.

Headers are compared in snake case ("BillingPostalCode" -> "billing_postal_code"). A header
matches a role when it is one of the role's names, or one of them behind a common qualifier
("billing_street", "contact_email", "address_city"); exact names win over qualified ones, and
each column serves one role.
"""
from __future__ import annotations

import re

ENTITY_ROLES = {
    "customer": ("first_name", "last_name", "contact_name", "company", "email", "phone", "street", "street2",
                 "city", "region", "postal_code", "country"),
    "product": ("sku",),
}
ENTITY_ROLES["vendor"] = ENTITY_ROLES["customer"]

_NAMES = {
    "first_name": ("first_name", "firstname", "given_name", "fname", "first"),
    "last_name": ("last_name", "lastname", "surname", "family_name", "lname", "last"),
    "contact_name": ("contact_name", "full_name", "contact", "person_name", "contact_person"),
    "company": ("company_name", "company", "account_name", "customer_name", "vendor_name", "supplier_name",
                "business_name", "organization", "organisation", "legal_name", "name", "account", "supplier",
                "vendor"),
    "email": ("email", "email_address", "e_mail", "mail"),
    "phone": ("phone", "phone_number", "telephone", "tel", "mobile", "cell", "phone1", "mobile_phone"),
    "street": ("street", "address_line1", "address_line_1", "address1", "street_address", "line1", "line_1",
               "address", "addr1", "street1"),
    "street2": ("address_line2", "address_line_2", "address2", "line2", "line_2", "addr2", "street2"),
    "city": ("city", "town", "locality"),
    "region": ("state", "region", "province", "state_province", "state_code", "state_or_province"),
    "postal_code": ("postal_code", "zip", "zip_code", "zipcode", "postcode", "post_code", "postal"),
    "country": ("country", "country_code", "country_name", "nation"),
    "sku": ("sku", "item_sku", "product_sku", "variant_sku", "item_number", "item_code", "item_no",
            "product_code", "part_number", "part_no", "article_number"),
}
_QUALIFIERS = ("billing", "shipping", "mailing", "contact", "customer", "vendor", "supplier", "account",
               "company", "address", "primary", "main", "business", "bill_to", "ship_to", "default", "work")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def snake(header: str) -> str:
    return _NON_ALNUM.sub("_", _CAMEL.sub("_", str(header)).lower()).strip("_")


def _qualified(header: str, name: str) -> bool:
    return any(header == f"{q}_{name}" for q in _QUALIFIERS)


def detect_columns(headers: list[str], entity: str) -> dict[str, str]:
    """Role -> header for every role of `entity` found among `headers`."""
    if entity not in ENTITY_ROLES:
        raise ValueError(f"unknown entity {entity!r}; known: {', '.join(sorted(ENTITY_ROLES))}")
    snaked = {h: snake(h) for h in headers}
    found: dict[str, str] = {}
    taken: set[str] = set()
    for exact in (True, False):
        for role in ENTITY_ROLES[entity]:
            if role in found:
                continue
            for name in _NAMES[role]:
                match = next((h for h in headers if h not in taken
                              and (snaked[h] == name if exact else _qualified(snaked[h], name))), None)
                if match is not None:
                    found[role] = match
                    taken.add(match)
                    break
    return found
