from integration_hub.canonical.entities.customer import EMAIL
from integration_hub.canonical.registry import CanonicalEntity, Field, pattern, text, timestamp

ENTITY = CanonicalEntity(
    "employee", "employees",
    {
        "employee_number": Field("text", nullable=False, indexed=True),
        "first_name": text(),
        "last_name": text(nullable=False),
        "email": pattern(EMAIL),
        "department": text(),
        "job_title": text(),
        "manager_external_id": text(),       # loaded in the same batch, managers first
        "status": text(nullable=False),
        "hire_date": timestamp(),
        "termination_date": timestamp(),
        # SSN, bank account and salary stay encrypted in the hub; the ERP gets masks, never the values.
        "ssn_mask": text(),
        "bank_account_mask": text(),
    },
    required=("employee_number", "last_name", "status"),
    references={"manager_external_id": "employee"},
    description="A person employed, with their manager; sensitive fields reach the ERP only as masks.",
)
