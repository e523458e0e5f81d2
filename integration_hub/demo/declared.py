"""The export layout a phase 3/4 system declares: its file name and columns, read from the declaration.

A generated file is written in the columns the declaration reads (which are the columns its connector
returns, EXPORT_COLUMNS), so a column added to a declaration later is written too:
filled from what the generator knows under that name or a close one (a supplier's ``tax_id`` for a
column named ``tax_number``), blank when nothing fits. Columns the hub derives itself are left out:
``_extracted_at`` (stamped when a file is read) and ``<sensitive>_mask`` (made from the plaintext).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from integration_hub.mapping.systems import DEFS_DIR, DeclarationError, load_system

# A column the generator does not know by name, filled from the first known field whose name pattern it matches.
_ALIASES = (
    (r"tax|tin$|ein$|vat", "tax_id"),
    (r"iban|bank_account|account_number", "bank_account"),
    (r"routing|aba|sort_code|swift|bic", "bank_routing"),
    (r"street|line1|address1|^address$|address_line_1", "address_line1"),
    (r"line2|address2|address_line_2", "address_line2"),
    (r"city|town", "city"),
    (r"state|region|province", "region"),
    (r"postal|zip|postcode", "postal_code"),
    (r"country", "country"),
    (r"phone", "phone"),
    (r"total", "total"),
    (r"currency", "currency"),
)


@dataclass(frozen=True)
class Layout:
    system: str
    entity: str
    file: str                 # path under the company folder: <system>/<file>
    columns: tuple[str, ...]


@lru_cache(maxsize=None)
def _declared(system: str):
    """The system's declaration, read once per process (the connectors themselves are not imported:
    their HTTP stack would double the time the generator spends on phases 3 and 4)."""
    return load_system(DEFS_DIR / system)


def layout(system: str, entity: str) -> Layout:
    """Where and in which columns ``system``'s ``entity`` export is written: the columns the declaration
    cleans, then its sensitive columns (encrypted at extraction, so never cleaned), which together are the
    connector's EXPORT_COLUMNS."""
    found = [e for e in _declared(system).entities if e.name == entity]
    if not found:
        raise DeclarationError(f"{system} declares no entity {entity!r}")
    declared = found[0]
    derived = {f"{c}_mask" for c in declared.sensitive}
    columns = [c.column for c in declared.columns if not c.column.startswith("_") and c.column not in derived]
    columns += [c for c in declared.sensitive if c not in columns]
    return Layout(system, entity, f"{system}/{declared.file}", tuple(columns))


def columns_for(lay: Layout, values: dict, n: int) -> dict:
    """``values`` (known fields, each a sequence of n) in the layout's columns; unknown columns by alias or blank."""
    out = {}
    for column in lay.columns:
        source = values.get(column)
        if source is None:
            source = next((values[field] for pattern, field in _ALIASES
                           if field in values and re.search(pattern, column, re.IGNORECASE)), None)
        out[column] = list(source) if source is not None else [""] * n
    return out
