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

Inventory levels (StockLevels) are made idempotent the other way round: a level is absolute,
Acumatica's stock the sum of released adjustments, so each send first reads what Acumatica
holds (InventorySummaryInquiry) and adjusts by the difference only. A level sent again after a
lost answer adjusts by what is still missing, nothing when the first adjustment was released.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import requests

from integration_hub.connectors.http import not_replayed
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
    "PurchaseOrder": Lookup("OrderNbr", "OrderNbr", ("OrderNbr", "Type")),
    "Shipment": Lookup("ShipmentNbr", "Description", ("Description", "Type")),
}


def quoted(value: Any) -> str:
    """A value inside an OData string literal."""
    return str(value).replace("'", "''")


@dataclass(frozen=True)
class Held:
    """What Acumatica holds of one item at one warehouse (in the tenant's base currency)."""

    quantity: float
    available: float
    value: float


ADJUSTMENTS = "InventoryAdjustment"


class StockLevels:
    """The inventory_level side of AcumaticaTarget (`_call`, `endpoint` and `base_currency` come from it)."""

    def _held_stock(self, item: str, warehouse: str) -> Held | str:
        """What Acumatica holds of `item` at `warehouse`, or Acumatica's refusal."""
        from integration_hub.erp.acumatica import error_message, wrap

        response = self._call("PUT", f"{self.endpoint}/InventorySummaryInquiry", params={"$expand": "Results"},
                              json=wrap({"InventoryID": item, "WarehouseID": warehouse}))
        if response.status_code != 200:
            return error_message(response)
        rows = [flatten(r, unwrap=True) for r in (response.json().get("Results") or [])]
        total = [sum(float(r.get(name) or 0) for r in rows) for name in ("QtyOnHand", "QtyAvailable",
                                                                         "EstimatedTotalCost")]
        return Held(*(round(v, 6) for v in total))

    def _adjust(self, spec, document: dict, erp_id: str | None):
        """Bring Acumatica's stock of the level's item at its warehouse to the level: one released
        adjustment by the difference (none when a posted level has nothing left to adjust)."""
        from integration_hub.erp.acumatica import Sent, _name, error_message, wrap

        name = f"{spec.record} {_name(document)}"
        document = dict(document)
        currency = document.pop("CurrencyID", None)
        line = dict(document["Details"][0])
        unit, value = line.pop("UnitCost", None), line.pop("ExtendedCost", None)
        if value is None and unit is not None:
            value = float(line["Qty"]) * float(unit)
        if value is not None and currency not in (None, self.base_currency):
            return Sent(False, message=(
                f"{name}: its cost is in {currency}, and Acumatica values stock in the tenant's base currency "
                f"{self.base_currency}; currency.is_base_currency"))
        held = self._held_stock(line["InventoryID"], line["WarehouseID"])
        if isinstance(held, str):
            return Sent(False, message=f"{name}: {held}")
        line["Qty"] = round(float(line["Qty"]) - held.quantity, 6)
        if value is not None:
            line["ExtendedCost"] = round(float(value) - held.value, 6)
        if erp_id and line["Qty"] == 0 and not line.get("ExtendedCost"):
            return Sent(True, erp_id)   # Acumatica holds the level already: no document that moves nothing
        url = f"{self.endpoint}/{ADJUSTMENTS}"
        try:
            with not_replayed():
                response = self._call("PUT", url, json=wrap({**document, "Details": [line]}))
        except requests.RequestException as error:
            return Sent(False, message=f"{name}: no answer from acumatica to an adjustment ({error}); not sent again: "
                                       "the next run adjusts from what Acumatica then holds")
        if response.status_code != 200:
            return Sent(False, message=f"{name}: {error_message(response)}")
        adjustment = str(response.json().get("id"))
        response = self._release(url, adjustment)
        if response.status_code not in (200, 204):
            return Sent(False, message=f"{name}: releasing the adjustment: {error_message(response)}")
        return Sent(True, adjustment)

    def _release(self, url: str, adjustment: str, waits: int = 50) -> requests.Response:
        """POST the release action; a long-running one answers 202 with a Location to poll until 204."""
        response = self._call("POST", f"{url}/ReleaseInventoryAdjustment", json={"entity": {"id": adjustment}})
        while response.status_code == 202 and response.headers.get("Location") and waits > 0:
            time.sleep(0.2)
            waits -= 1
            location = response.headers["Location"]
            response = self._call("GET", location if "://" in location else f"{self.endpoint.split('/entity/')[0]}"
                                                                              f"{location}")
        return response

    def _levels(self, adjustments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each level's latest released adjustment (flattened), with what Acumatica holds as Summary.*."""
        latest: dict[str, dict] = {}
        for record in adjustments:
            key = record.get("ExternalRef")
            if not key or record.get("Status") != "Released":
                continue
            order = (str(record.get("Date")), str(record.get("ReferenceNbr")))
            if key not in latest or order >= (str(latest[key].get("Date")), str(latest[key].get("ReferenceNbr"))):
                latest[key] = record
        stock: dict[tuple, Held] = {}
        out = []
        for record in latest.values():
            place = (record.get("Details[0].InventoryID"), record.get("Details[0].WarehouseID"))
            if place not in stock:
                held = self._held_stock(*place)
                if isinstance(held, str):
                    raise RuntimeError(f"reading the stock of {place[0]} at {place[1]}: {held}")
                stock[place] = held
            held = stock[place]
            out.append({**record, "Summary.QtyOnHand": held.quantity, "Summary.QtyAvailable": held.available,
                        "Summary.EstimatedTotalCost": held.value,
                        "Summary.EstimatedUnitCost": round(held.value / held.quantity, 6) if held.quantity else None,
                        "Summary.BaseCurrency": self.base_currency})
        return out
