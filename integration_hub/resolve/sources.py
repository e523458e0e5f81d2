"""Customer records of the sample company's exports, in the record model (see `demo.generate_company`)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from integration_hub.resolve.records import detect_roles, records_from

# system -> (export file under the source directory, id column, recency column)
CUSTOMER_EXPORTS = {
    "stripe": ("stripe/customers.csv", "id", "created"),
    "billing": ("billing/customers.csv", "customer_id", "created_at"),
    "crm": ("crm/accounts.csv", "Id", "LastModifiedDate"),
}


def customer_records(source_dir: str | Path, systems=tuple(CUSTOMER_EXPORTS)) -> pd.DataFrame:
    """Every customer record of the given systems' exports, roles detected from their headers."""
    frames = []
    for system in systems:
        path, id_column, updated_at = CUSTOMER_EXPORTS[system]
        raw = pd.read_csv(Path(source_dir) / path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frames.append(records_from(raw, detect_roles(raw.columns), system=system, id_column=id_column,
                                   updated_at=updated_at))
    return pd.concat(frames, ignore_index=True)
