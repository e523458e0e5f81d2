from integration_hub.canonical.entities.customer import E164, EMAIL
from integration_hub.canonical.registry import OPTIONAL_CURRENCY, CanonicalEntity, pattern, text, timestamp

ENTITY = CanonicalEntity(
    "vendor", "vendors",
    {
        "name": text(nullable=False),
        # A tax id or bank account is never carried in plaintext: the hub keeps it encrypted (and a
        # keyed hash to compare) and the ERP gets the mask its vendor record shows.
        "tax_id_mask": text(),
        "bank_account_mask": text(),
        "email": pattern(EMAIL),
        "phone": pattern(E164),
        "address_line1": text(),
        "address_line2": text(),
        "city": text(),
        "region": text(),
        "postal_code": text(),
        "country": pattern(r"^[A-Z]{2}$"),
        "currency": OPTIONAL_CURRENCY,
        "payment_terms": text(),
        "status": text(),
        "created_at": timestamp(),
    },
    required=("name",),
    description="A supplier; suppliers resolve into master vendors.",
)
