from integration_hub.canonical.registry import CanonicalEntity, text, timestamp

ENTITY = CanonicalEntity(
    "fulfilment", "fulfilments",
    {
        "order_external_id": text(nullable=False),
        "location": text(),
        "status": text(nullable=False),
        "fulfilled_at": timestamp(),
        "carrier": text(),
        "tracking_number": text(),
    },
    required=("order_external_id", "status"),
    references={"order_external_id": "sales_order"},
    lines="fulfilment_line",
    description="A warehouse's fulfilment of a sales order (what left, from where); its lines are fulfilment_line.",
)
