import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, Field, money, pattern, text, timestamp
from integration_hub.canonical.statement_status import STATEMENT_STATUSES

ENTITY = CanonicalEntity(
    "bank_transaction", "bank_transactions",
    {
        "account_mask": pattern(r"^\*+\w{1,4}$", nullable=False),
        "statement_id": text(nullable=False),
        "booking_date": timestamp(nullable=False),
        "value_date": timestamp(),
        "amount_minor": money(),
        "currency": CURRENCY,
        "type_code": text(),
        "reference": text(),
        "counterparty": text(),
        "description": text(),
        # The hub keeps it (lineage, go-live); ERP targets do not load it.
        "statement_status": Field("text", False, (pa.Check.isin(list(STATEMENT_STATUSES)),), hub_only=True),
    },
    required=("amount_minor", "booking_date"),
    total="amount_minor",
    description="A booked line of a bank statement.",
)
