from integration_hub.canonical.entities.customer import E164, EMAIL
from integration_hub.canonical.registry import CanonicalEntity, pattern, text, timestamp

ENTITY = CanonicalEntity(
    "contact", "contacts",
    {
        "customer_external_id": text(nullable=False),
        "first_name": text(),
        "last_name": text(nullable=False),
        "email": pattern(EMAIL),
        "phone": pattern(E164),
        "title": text(),
        "created_at": timestamp(),
    },
    required=("customer_external_id", "last_name"),
    references={"customer_external_id": "customer"},
    description="A person at a customer account.",
)
