"""TrytonTarget: canonical cash and order data into a real Tryton database, which applies its own rules.

Parties are upserted by code (= external_id); invoices are created and posted; payments are
posted as cash receipts, paying the open invoice a charge names (see payments.py); items are
products (catalogue.py), sales orders and their lines sales (orders.py). Entities the installed
Tryton modules have no model for (REFUSED) are refused whole, and so is a customer's parent
account: a party has none.
Whatever Tryton refuses (a closed or missing period, an invoice without lines or party, a
change to a posted document) is rejected with Tryton's own message, and nothing of it stays:
a record is created and posted in one transaction. Records go to Tryton in batches; when a
batch is refused, its records are retried one by one so each refusal is attributed to its record.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.base import APPLICATION_COLUMNS, LOAD_METADATA, ErpTarget, LoadOutcome
from integration_hub.erp.posting import PostingLog
from integration_hub.erp.rest_target import _line_order  # the REST targets' line order, so every target agrees
from integration_hub.erp.tryton import catalogue, orders, readback
from integration_hub.erp.tryton.books import Books, day, minor, tryton_message
from integration_hub.erp.tryton.payments import Payment, post_payments
from integration_hub.erp.tryton.runtime import connect, in_transaction, locate, run_queue

Result = tuple[bool, Any]  # (accepted, Tryton id) or (refused, Tryton's message)
# Records per Tryton create. One create of thousands of invoices makes Tryton's domain validation
# build an SQL expression deeper than SQLite allows ("Expression tree is too large").
BATCH_SIZE = 200
MODELS = {"invoice": "account.invoice", "payment": "account.move"}
LOADS = ("customer", "item", "invoice", "payment", "sales_order", "sales_order_line")
# Why the target takes no records of these entities.
REFUSED = {
    "contact": "a customer's contact person needs Tryton's party_relationship module, which the hub's Tryton "
               "database does not install",
    "opportunity": "opportunities are Tryton's sale_opportunity module, which the hub's Tryton database does not "
                   "install",
    "order_refund": "Tryton refunds an order by a return sale or a credit note, which the hub does not derive from a "
                    "refund amount; the refund's money loads as a payment of kind refund",
    "vendor": "suppliers are parties of Tryton's purchase module, which the hub's Tryton database does not install",
    "purchase_order": "purchase orders are Tryton's purchase module, which the hub's Tryton database does not install",
    "purchase_order_line": "purchase order lines are Tryton's purchase module, which the hub's Tryton database does "
                           "not install",
    "inventory_level": "Tryton derives stock from its own moves and inventories; the hub does not post a stock "
                       "inventory from a 3PL's snapshot yet",
    "fulfilment": "a Tryton customer shipment is created from its sale by Tryton itself; the hub does not post one",
    "fulfilment_line": "a Tryton customer shipment is created from its sale by Tryton itself; the hub does not post one",
    "shipment": "Tryton's carrier labels need its stock_package_shipping modules, which the hub's Tryton database "
                "does not install",
    "employee": "the hub does not load company.employee records into Tryton yet",
}
PARENT_REFUSAL = ("customer {id}: its parent account {parent} cannot be kept, as a Tryton party has no parent "
                  "(that needs the party_relationship module, which the hub's Tryton database does not install); "
                  "parent_external_id.supported_by_erp")


class TrytonTarget(ErpTarget):
    name = "tryton"

    def __init__(self, db_url_or_path: str | Path, postings: PostingLog) -> None:
        from trytond.exceptions import UserError

        self.database = locate(db_url_or_path)
        if self.database.sqlite_file is not None and not self.database.sqlite_file.exists():
            raise FileNotFoundError(f"no Tryton database at {self.database.sqlite_file}: run init_database first")
        self.books = Books(connect(self.database))
        self.postings = postings
        self._refusal = UserError

    # -- sending ----------------------------------------------------------------------------------
    def _attempt(self, action: Callable[[], Any]) -> Result:
        try:
            return True, action()
        except self._refusal as error:
            return False, tryton_message(error)

    def _create(self, model: str, items: dict[Any, dict], finish: str | None) -> dict[Any, Result]:
        """Create `items` (index -> values) in batches of BATCH_SIZE, each in one transaction that
        also runs `finish` (post, cancel) on them.

        A batch Tryton refuses leaves nothing behind (the transaction is rolled back) and is
        retried one record at a time, so each refusal is attributed to its record.
        """
        keys = list(items)
        results: dict[Any, Result] = {}
        for start in range(0, len(keys), BATCH_SIZE):
            results.update(self._create_batch(model, {k: items[k] for k in keys[start:start + BATCH_SIZE]}, finish))
        return results

    def _create_batch(self, model: str, items: dict[Any, dict], finish: str | None) -> dict[Any, Result]:
        if not items:
            return {}
        values = list(items.values())

        def work(pool) -> list[int]:
            Model = pool.get(model)
            records = Model.create(values)
            if finish:
                getattr(Model, finish)(records)
            return [r.id for r in records]

        books = self.books
        ok, answer = self._attempt(lambda: in_transaction(self.database, books.cfg.user, dict(books.cfg.context), work,
                                                          locks=books.posting_locks))
        if ok:
            return dict(zip(items, ((True, i) for i in answer)))
        if len(items) == 1:
            return {next(iter(items)): (False, answer)}
        results: dict[Any, Result] = {}
        for index, one in items.items():
            results.update(self._create_batch(model, {index: one}, finish))
        return results

    def _parties(self, rows: dict[Any, dict]) -> dict[Any, Result]:
        existing = self.books.party_ids(r["external_id"] for r in rows.values())
        results = self._create("party.party", {i: self.books.party_values(r) for i, r in rows.items()
                                               if r["external_id"] not in existing}, None)
        for index, row in rows.items():
            party = existing.get(row["external_id"])
            if party is not None:
                results[index] = self._attempt(lambda p=party, r=row: self._rewrite_party(p, r))
        return results

    def _customers(self, rows: dict[Any, dict]) -> dict[Any, Result]:
        parented = {i: r for i, r in rows.items() if isinstance(r["parent_external_id"], str)}
        results = {i: (False, PARENT_REFUSAL.format(id=r["external_id"], parent=r["parent_external_id"]))
                   for i, r in parented.items()}
        return {**results, **self._parties({i: r for i, r in rows.items() if i not in parented})}

    def _rewrite_party(self, party: int, row: dict) -> int:
        values = self.books.party_values(row)
        values.pop("code")  # the key, and read-only once the party exists
        old = self.books.search_read("party.contact_mechanism", [("party", "=", party)], [])
        addresses = self.books.search_read("party.address", [("party", "=", party)], [])
        (_, [address]), = values["addresses"]
        values["contact_mechanisms"].insert(0, ("delete", [m["id"] for m in old]))
        values["addresses"] = [("write", [addresses[0]["id"]], address)] if addresses else values["addresses"]
        self.books.call("party.party", "write", [party], values)
        return party

    def _documents(self, entity: str, rows: dict[Any, dict]) -> dict[Any, Result]:
        model = MODELS[entity]
        books = self.books
        field = "reference" if entity == "invoice" else "description"
        ids = [r["external_id"] for r in rows.values()]
        existing = {r[field]: r["id"] for r in books.search_read(model, [(field, "in", ids)], [field])}
        results: dict[Any, Result] = {}
        new: dict[Any, dict] = {}
        void: dict[Any, dict] = {}
        pays: list = []
        parties = books.party_ids(r["customer_external_id"] for r in rows.values())
        addresses = {a["party"]: a["id"] for a in reversed(books.search_read(
            "party.address", [("party", "in", list(parties.values()))], ["party"]))}
        charge_party = self._charge_parties(rows, parties) if entity == "payment" else {}
        for index, row in rows.items():
            party = parties.get(row["customer_external_id"])
            if party is None and entity == "payment" and row["kind"] == "refund":
                party = charge_party.get(row["payment_ref"])   # a refund names its charge, not its customer
            if row["external_id"] in existing:  # Tryton decides whether the posted document may change
                ok, answer = self._attempt(lambda i=existing[row["external_id"]], r=row, p=party: self._rewrite(
                    entity, i, r, p, addresses.get(p)))
                results[index] = (ok, answer if ok else f"Tryton refused to change {row['external_id']}: {answer}")
            elif entity == "payment":
                results.update(self._payment(index, row, party, pays))
            else:
                values = books.invoice_values(row, party, addresses.get(party))
                (void if row["status"] == "void" else new)[index] = values
        # Tryton numbers invoices in date order within each sequence: post the oldest first, across batches.
        new = dict(sorted(new.items(), key=lambda item: str(item[1].get("invoice_date"))))
        results.update(self._create(model, new, "post"))
        results.update(self._create(model, void, "cancel"))
        results.update(post_payments(self.database, books, pays))
        return results

    def _items(self, rows: dict[Any, dict]) -> dict[Any, Result]:
        books = self.books
        existing = catalogue.item_ids(books, (r["external_id"] for r in rows.values()))
        results: dict[Any, Result] = {}
        new: dict[Any, dict] = {}
        for index, row in rows.items():
            refusal = catalogue.refusal(row, books.company_currency)
            if refusal:
                results[index] = (False, refusal)
            elif row["external_id"] in existing:
                template, variant = catalogue.template_values(books, row), catalogue.variant_values(row)
                product = existing[row["external_id"]]
                ok, answer = self._attempt(lambda p=product, t=template, v=variant: self._in_tryton(
                    lambda pool: catalogue.rewrite_item(pool, p, t, v)))
                results[index] = (ok, answer if ok else f"Tryton refused to change {row['external_id']}: {answer}")
            else:
                new[index] = catalogue.new_item(books, row)
        results.update(self._create("product.template", new, None))
        return results

    def _in_tryton(self, work: Callable) -> Any:
        """`work(pool)` in one Tryton transaction as the hub's user."""
        return in_transaction(self.database, self.books.cfg.user, dict(self.books.cfg.context), work)

    def _sales(self, rows: dict[Any, dict]) -> dict[Any, Result]:
        books = self.books
        parties = books.party_ids(r["customer_external_id"] for r in rows.values())
        addresses = {a["party"]: a["id"] for a in reversed(books.search_read(
            "party.address", [("party", "in", list(parties.values()))], ["party"]))}
        existing = orders.sales(books, (r["external_id"] for r in rows.values()))
        results: dict[Any, Result] = {}
        new: dict[Any, dict] = {}
        for index, row in rows.items():
            party = parties.get(row["customer_external_id"])
            if party is None:
                results[index] = (False, (
                    f"sales_order {row['external_id']}: its customer {row['customer_external_id']} is not in tryton; "
                    "customer_external_id.exists_in_erp (the customer loads first)"))
            elif row["external_id"] in existing:
                header = orders.header_values(books, row, party, addresses.get(party))
                tax = orders.tax_line(books, row)
                sale = existing[row["external_id"]]["id"]
                ok, answer = self._attempt(lambda s=sale, h=header, t=tax: self._in_tryton(
                    lambda pool: orders.rewrite_header(pool, s, h, t, books.tax_product)))
                results[index] = (ok, answer if ok else f"Tryton refused to change {row['external_id']}: {answer}")
            else:
                new[index] = orders.new_sale(books, row, party, addresses.get(party))
        results.update(self._create("sale.sale", new, None))
        return results

    def _sale_lines(self, rows: dict[Any, dict], batch: pd.DataFrame) -> dict[Any, Result]:
        """`rows` are the new and changed lines; `batch` every usable line of the load, so each
        order with a new, changed or dropped line gets all of its lines (replace semantics, orders.py)."""
        books = self.books
        held = orders.sales(books, batch["order_external_id"])
        results: dict[Any, Result] = {}
        for index, row in rows.items():
            if row["order_external_id"] not in held:
                results[index] = (False, (
                    f"sales_order_line {row['external_id']}: its sales_order {row['order_external_id']} is not in "
                    "tryton; order_external_id.exists_in_erp (a line is written into its sales_order's document, "
                    "which loads first)"))
        sent = batch.groupby("order_external_id")["external_id"].agg(set)
        kept_in_tryton = orders.line_keys(books, [s["id"] for s in held.values()])
        changed = {r["order_external_id"] for r in rows.values()} | {
            order for order, sale in held.items() if kept_in_tryton.get(sale["id"], set()) - sent[order]}
        batch = batch[batch["order_external_id"].isin([o for o in held if o in changed])]
        products = catalogue.item_ids(books, batch["item_external_id"])
        for order, lines in batch.groupby("order_external_id", sort=False):
            lines = lines.iloc[sorted(range(len(lines)), key=lambda i: _line_order(lines["line_number"].iloc[i]))]
            kept: list[tuple[Any, dict]] = []
            for index, row in zip(lines.index, lines.to_dict("records")):
                product = products.get(row["item_external_id"])
                refusal = orders.line_refusal(row, held[order], product)
                if refusal is None:
                    kept.append((index, orders.line_values(books, row, product, len(kept) + 1)))
                elif index in rows:
                    results[index] = (False, refusal)
            sale = held[order]["id"]
            ok, answer = self._attempt(lambda s=sale, v=[values for _, values in kept]: self._in_tryton(
                lambda pool: orders.replace_lines(pool, s, v, books.tax_product)))
            for index, _ in kept:
                if index in rows:
                    results[index] = (True, answer[rows[index]["external_id"]]) if ok else \
                        (False, f"Tryton refused to change the lines of {order}: {answer}")
        return results

    def _charge_parties(self, rows: dict[Any, dict], parties: dict[str, int]) -> dict[str, int]:
        """The party of each charge the refunds among `rows` name: from a charge in this load, else
        from the receivable line of the charge's receipt already in Tryton."""
        found = {r["external_id"]: parties[r["customer_external_id"]] for r in rows.values()
                 if r["kind"] == "charge" and r["customer_external_id"] in parties}
        wanted = {r["payment_ref"] for r in rows.values() if r["kind"] == "refund" and isinstance(r["payment_ref"], str)}
        missing = sorted(wanted - set(found))
        if missing:
            for line in self.books.search_read("account.move.line", [
                    ("move.description", "in", missing), ("party", "!=", None)], ["move.description", "party"]):
                found.setdefault(line["move."]["description"], line["party"])
        return found

    def _rewrite(self, entity: str, record: int, row: dict, party, address) -> int:
        if entity == "invoice":
            values = self.books.invoice_values(row, party, address)
            for fixed in ("lines", "taxes", "type", "company", "reference"):
                values.pop(fixed, None)
        else:
            values = {"date": day(row["paid_at"])}
        self.books.call(MODELS[entity], "write", [record], values)
        return record

    def _payment(self, index, row: dict, party, pays: list) -> dict[Any, Result]:
        if row["status"] != "succeeded":
            return {index: (False, f"payment {row['external_id']}: status {row['status']!r}; only succeeded "
                                   "payments move money and are posted to Tryton")}
        invoice = self._open_invoice(row) if row["kind"] == "charge" else None
        pays.append(Payment(index, row, party, self.books.currency_id(row["currency"]),
                            invoice["id"] if invoice else None))
        return {}

    def _open_invoice(self, row: dict):
        ref = row["invoice_ref"]
        if ref is None or pd.isna(ref):
            return None
        found = self.books.search_read("account.invoice", [
            ("type", "=", "out"), ("description", "=", ref), ("state", "=", "posted"),
            ("currency.code", "=", row["currency"])], ["amount_to_pay"])
        return found[0] if len(found) == 1 and found[0]["amount_to_pay"] > 0 else None

    # -- ErpTarget --------------------------------------------------------------------------------
    @staticmethod
    def _check_loads(entity: str) -> None:
        if entity not in LOADS:
            why = REFUSED.get(entity, "Tryton holds no such records for the hub")
            raise ValueError(f"the Tryton target loads customers, items, invoices, payments, sales orders and their "
                             f"lines, not {entity!r}: {why}")

    def upsert(self, entity: str, records: pd.DataFrame, *, run_id: str, mapping_version: str) -> pd.DataFrame:
        self._check_loads(entity)
        out, todo = self.postings.screen(self.name, entity, records)
        rows = {i: r for i, r in zip(todo.index, records.loc[todo.index].to_dict("records"))}
        if entity == "sales_order_line":
            results = self._sale_lines(rows, records.loc[out.index[out["outcome"] != LoadOutcome.REJECTED.value]])
        else:
            handlers = {"customer": self._customers, "item": self._items, "sales_order": self._sales}
            results = handlers[entity](rows) if entity in handlers else self._documents(entity, rows)
        if entity == "payment":
            run_queue(self.database)  # Tryton marks paid invoices in a queued task
        accepted = []
        for index, (ok, answer) in results.items():
            action = todo.at[index, "action"]
            if ok:
                outcome = LoadOutcome.CREATED if action == "create" else LoadOutcome.UPDATED
                out.loc[index, ["outcome", "message"]] = [outcome.value, ""]
                accepted.append({**todo.loc[index, ["external_id", "fingerprint"]].to_dict(), "erp_id": str(answer)})
            else:
                out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, answer]
        accepted = pd.DataFrame(accepted, columns=["external_id", "fingerprint", "erp_id"])
        self.postings.record(self.name, entity, accepted, run_id=run_id, mapping_version=mapping_version)
        return out

    def read_back(self, entity: str, external_ids=None) -> pd.DataFrame:
        self._check_loads(entity)
        readers = {"customer": readback.customers, "item": readback.items, "invoice": readback.invoices,
                   "payment": readback.payments, "sales_order": readback.sales_orders,
                   "sales_order_line": readback.sales_order_lines}
        out = readers[entity](self.books)
        if external_ids is not None:
            out = out[out["external_id"].isin(set(map(str, external_ids)))]
        posted = self.postings.postings(self.name, entity, out["external_id"]).set_index("external_id")
        out = out.assign(mapping_version=out["external_id"].map(posted["mapping_version"]),
                         run_id=out["external_id"].map(posted["run_id"]),
                         loaded_at=pd.to_datetime(out["external_id"].map(posted["posted_at"]), utc=True))
        return out.loc[:, [*registry.get(entity).columns, *LOAD_METADATA]].reset_index(drop=True)

    def apply_payments(self, run_id: str) -> pd.DataFrame:
        """The applications Tryton made for payments posted in `run_id` (its payment wizard applies
        a charge to the invoice it names when the payment is posted)."""
        posted = self.postings.postings(self.name, "payment")
        ids = set(posted.loc[posted["run_id"] == run_id, "external_id"])
        moves, lines = readback.payment_moves(self.books)
        invoices = {i["id"]: i for i in self.books.search_read("account.invoice", [
            ("id", "in", [int(m["origin"].split(",")[1]) for m in moves
                          if m["description"] in ids and (m["origin"] or "").startswith("account.invoice,")])],
            ["reference", "payment_lines", "currency.code"])}
        rows = []
        for move in moves:
            invoice = invoices.get(int(move["origin"].split(",")[1])) if move["description"] in ids and \
                (move["origin"] or "").startswith("account.invoice,") else None
            if invoice is None:
                continue
            applied = sum(line["credit"] - line["debit"] for line in lines
                          if line["move"] == move["id"] and line["id"] in invoice["payment_lines"])
            rows.append({"payment_external_id": move["description"], "invoice_external_id": invoice["reference"],
                         "applied_minor": minor(applied, invoice["currency."]["code"])})
        return pd.DataFrame(rows, columns=list(APPLICATION_COLUMNS))

    def close(self) -> None:
        self.postings.close()

