import pandera.pandas as pa

from integration_hub.canonical.registry import OPTIONAL_CURRENCY, CanonicalEntity, pattern, text, timestamp

E164 = r"^\+[1-9]\d{6,14}$"
EMAIL = r"^[^@\s]+@[^@\s]+$"

ENTITY = CanonicalEntity(
    "customer", "customers",
    {
        "name": text(pa.Check.str_length(min_value=1), nullable=False),
        "email": pattern(EMAIL),
        "phone": pattern(E164),
        "address_line1": text(),
        "address_line2": text(),
        "city": text(),
        "region": text(),
        "postal_code": text(),
        "country": pattern(r"^[A-Z]{2}$"),
        "currency": OPTIONAL_CURRENCY,
        "created_at": timestamp(),
        # The account this one belongs to (a subsidiary's parent); loaded in the same batch, parents first.
        "parent_external_id": text(),
    },
    required=("name",),
    references={"parent_external_id": "customer"},
    description="A customer account, with its parent in a hierarchy.",
)
