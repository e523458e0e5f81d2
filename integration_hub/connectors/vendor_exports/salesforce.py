"""Salesforce's own exports: the weekly Data Export service and Data Loader extracts.

Layouts, as Salesforce documents them (Setup > Data Export, "Export Backup Data from Salesforce";
Data Loader Guide, "Exporting Data"; Bulk API 2.0, "Prepare CSV Files": the header row lists
the object's field API names):
- Data Export: a zip of one CSV per object named by its API name (Account.csv, Contact.csv,
  Opportunity.csv, Product2.csv, Order.csv, OrderItem.csv), a column per field of the object
  under its API name (far more fields than the hub declares: the rest are ignored downstream),
  date-times as 2025-03-01T12:00:00.000Z.
- Data Loader extract: the fields the user's query chose, headed by their API names in upper
  case (ID, NAME, PARENTID, SYSTEMMODSTAMP), in a file named as the user chose.

So the file is found under the hub's name for the entity (accounts.csv) or the object's API name
(Account.csv), in any letter case, and each header matching a declared column but for case is
renamed to the declared spelling. A declared field the file lacks stays missing, and the
entity's source_shape gate names it: in a Data Export that means the org has no such field (a
custom field such as Invoice_Number__c, or CurrencyIsoCode in a single-currency org), and the
declaration must say so rather than the hub invent a value.
"""
from __future__ import annotations

from pathlib import Path

from integration_hub.connectors.exports import UnreadableExport, read_export
from integration_hub.connectors.extractors import Extraction, refused_file
from integration_hub.connectors.salesforce import SOBJECTS
from integration_hub.connectors.vendor_exports.files import find_file, header_of
from integration_hub.mapping.systems import EntityDeclaration


def declared_spelling(header: list[str], declared: list[str]) -> dict[str, str]:
    """Header name -> declared name, for headers equal to a declared column but for letter case
    (a column already spelled as declared keeps its place; a second spelling of it is left alone)."""
    by_lower = {d.lower(): d for d in declared}
    present = set(header)
    renames = {}
    for name in header:
        target = by_lower.get(name.strip().lower())
        if target and name != target and target not in present and target not in renames.values():
            renames[name] = target
    return renames


def extract(folder: Path, entity: EntityDeclaration) -> Extraction | None:
    names = [entity.file] + ([f"{SOBJECTS[entity.name]}.csv"] if entity.name in SOBJECTS else [])
    path = find_file(folder, names)
    if path is None:
        return None
    renames = declared_spelling(header_of(path), [c.column for c in entity.columns])
    if path.name == entity.file and not renames:
        return None                       # the hub's own file, read as it is
    source_id = next((h for h, d in renames.items() if d == entity.source_id), entity.source_id)
    try:
        read = read_export(path, id_column=source_id)
    except UnreadableExport as exc:
        return refused_file(path, entity, exc.rule, str(exc))
    return Extraction(read.frame.rename(columns=renames), origin=str(path), rejected_rows=read.rejects,
                      encoding=read.encoding)
