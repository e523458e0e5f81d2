"""Export files as vendors really write them, turned into the frames a system's entities declare.

The hub's own export shape (the API's field names, one file per entity) is read as it is. A
vendor's own export tool writes something else: Salesforce's Data Export service and Data Loader
name files and columns by API name in their own spelling, Shopify's admin CSV exports use
display headers and put an order's lines on the order's rows. One adapter per vendor recognises
its layouts by file name and header and builds the declared columns from them, every value still
text, each row keeping its row number and the file it came from, so quarantine and lineage name
the real row. A system's `extractor` in system.yaml picks the adapter.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from integration_hub.connectors.extractors import Extraction
from integration_hub.connectors.vendor_exports import salesforce, shopify
from integration_hub.mapping.systems import DEFS_DIR, EntityDeclaration

ADAPTERS = {"salesforce": salesforce.extract, "shopify": shopify.extract}


@lru_cache
def _extractor(system: str) -> str | None:
    path = DEFS_DIR / system / "system.yaml"
    return yaml.safe_load(path.read_text()).get("extractor") if path.is_file() else None


def extract_vendor_export(source_dir: Path, entity: EntityDeclaration) -> Extraction | None:
    """The entity read from a vendor's own export layout, or None when the folder holds none
    (the hub's own file is then read as it is)."""
    adapter = ADAPTERS.get(_extractor(entity.system))
    return adapter(source_dir / entity.system, entity) if adapter else None
