"""Acumatica creates that are not idempotent, and how to find what such a create made.

In the contract-based API a PUT without a record's number creates a new record whatever it
holds (Acumatica numbers payments, CR orders and contacts itself), and detail lines sent
without their id are added again (an order created with its Details). Such a create is sent
once, never replayed after the server may have acted on it, and is preceded by a look-up of
the record by the hub's key, so a create whose answer was lost is found by the next run
instead of being made twice.

The look-up filters on entity fields, the only ones `$filter` reaches: the key itself where it
is one (PaymentRef, ExternalRef). A contact keeps the hub's key in an attribute, a detail list
`$filter` cannot reach, so its look-up filters on the contact's business account, expands the
attributes and matches the key among those candidates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from integration_hub.erp.specs.documents import flatten

_ENTRY = re.compile(r"^(\w+)\[(\d+)\]\.")


@dataclass(frozen=True)
class Lookup:
    number: str                  # the field Acumatica fills on create: a document without it creates
    key: str                     # the document's field path holding the hub's key
    filters: tuple[str, ...]     # entity fields the look-up filters on, with the document's values

    @property
    def detail(self) -> tuple[str, int] | None:
        """The detail list and entry holding the key, when the key is not an entity field."""
        match = _ENTRY.match(self.key)
        return (match.group(1), int(match.group(2))) if match else None

    def keyed(self, document: dict) -> bool:
        return flatten(document).get(self.key) not in (None, "")

    def numbered(self, document: dict) -> bool:
        return document.get(self.number) not in (None, "")

    def params(self, document: dict, expand: tuple[str, ...] = ()) -> dict[str, str]:
        """$filter (and $expand) of the look-up for `document`; `expand`: detail lists wanted too."""
        conditions = [f"{name} eq '{quoted(document[name])}'" for name in self.filters
                      if document.get(name) not in (None, "")]
        details = (*([self.detail[0]] if self.detail else []), *expand)
        return {"$filter": " and ".join(conditions), **({"$expand": ",".join(details)} if details else {})}

    def matches(self, record: dict, document: dict) -> bool:
        """Whether `record` (as read, values wrapped) is `document`'s: the same key, or for a key in
        a detail list an entry holding every field of the document's entry."""
        if self.detail is None:
            return str(flatten(record, unwrap=True).get(self.key)) == str(flatten(document)[self.key])
        name, index = self.detail
        wanted = {path: str(value) for path, value in flatten(document[name][index]).items()}
        return any(all(str(flatten(entry, unwrap=True).get(path)) == value for path, value in wanted.items())
                   for entry in record.get(name) or [])


LOOKUPS = {
    "Payment": Lookup("ReferenceNbr", "PaymentRef", ("PaymentRef", "Type")),
    "SalesOrder": Lookup("OrderNbr", "ExternalRef", ("ExternalRef", "OrderType")),
    "Contact": Lookup("ContactID", "Attributes[0].Value", ("BusinessAccount",)),
}


def quoted(value: Any) -> str:
    """A value inside an OData string literal."""
    return str(value).replace("'", "''")
