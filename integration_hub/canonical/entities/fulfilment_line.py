import pandera.pandas as pa

from integration_hub.canonical.registry import CanonicalEntity, number, text

ENTITY = CanonicalEntity(
    "fulfilment_line", "fulfilment_lines",
    {
        "fulfilment_external_id": text(nullable=False),
        "line_number": text(nullable=False),
        "item_external_id": text(nullable=False),
        "quantity": number(pa.Check.gt(0), nullable=False),
    },
    required=("fulfilment_external_id", "item_external_id", "quantity"),
    references={"fulfilment_external_id": "fulfilment", "item_external_id": "item"},
    parent="fulfilment_external_id",
    description="One item and quantity shipped in a fulfilment.",
)
