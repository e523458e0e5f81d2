"""generate_company: the whole messy sample company, with its truth, from one seed."""

import json
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from integration_hub.demo import exports, mess, operations, orders, people, procurement, salesforce, shopify
from integration_hub.demo.balance import build_balance
from integration_hub.demo.catalogue import build_catalogue
from integration_hub.demo.bank_activity import build_bank_entries
from integration_hub.demo.bank_statements import write_statements
from integration_hub.demo.charges import build_charges, build_refunds
from integration_hub.demo.csvtext import iso_z_text as timestamp_iso, timestamp_text, write_csv
from integration_hub.demo.customers import build_customers
from integration_hub.demo.declared import layout
from integration_hub.demo.invoices import build_credit_notes, build_invoices
from integration_hub.demo.roster import build_roster
from integration_hub.demo.window import END, START

Progress = Callable[[str, int, int], None]
_STAGES = ("customers", "invoices", "payments", "balance", "stripe files", "billing files", "crm and shop", "bank",
           "operations and people", "truth")
# the phase 3/4 exports written, as system/entity
_PHASE34 = ("warehouse/inventory_levels", "warehouse/shipments", "warehouse/shipment_lines", "shipping/shipments",
            "procurement/suppliers", "procurement/purchase_orders", "procurement/purchase_order_lines", "hr/employees")
_GENERATED_BASE = np.datetime64("2026-01-02T06:00:00", "s")


def generate_company(out_dir: Path, *, scale: int = 2000, seed: int = 42, progress: Progress | None = None) -> dict:
    """Write the sample company under ``out_dir`` and return its manifest.

    ``scale`` is the number of real customers (about 20 transactions each). The same
    ``seed`` and ``scale`` give byte-identical files: dates come from a fixed 2025
    window and ``generated_at`` from the seed, never from the clock. ``progress`` is
    called as ``progress(stage, done, total)`` after each of the stages.
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive number of customers, got {scale}")
    out_dir = Path(out_dir)
    seeds = np.random.SeedSequence(seed)
    streams = [np.random.default_rng(s) for s in seeds.spawn(8)]
    # spawned after the first eight, so the older files keep their bytes: accounts, catalogue, orders
    sales = [np.random.default_rng(s) for s in seeds.spawn(3)]
    # and after those: warehouse and shipping, procurement, people
    later = [np.random.default_rng(s) for s in seeds.spawn(3)]
    step = _stepper(progress)

    roster, hard_negatives = build_roster(streams[0], scale)
    cust = build_customers(streams[1], roster, random.Random(int(streams[1].integers(2**62))))
    accounts = salesforce.extend_accounts(sales[0], roster, cust)
    counts = {name: write_csv(out_dir / name, columns) for name, columns in cust.exports.items()}
    cust.exports.clear()  # ~150k rows of Python strings no longer needed
    step()
    inv = build_invoices(streams[2], roster)
    cn = build_credit_notes(streams[2], inv)
    step()
    ch = build_charges(streams[3], roster, inv)
    re = build_refunds(streams[3], ch, cn)
    step()
    bt, po = build_balance(ch, re)
    sid = exports.assign_ids(streams[4], ch, re, po, bt)
    invoice_truth = _invoice_truth(inv, ch, sid.charge)
    refunded = ch.loc[re["charge"], "invoice_number"].to_numpy()
    invoice_refunds = pd.DataFrame({"invoice_number": refunded, "amount": re["amount"].to_numpy(),
                                    "created": re["created"].to_numpy(), "reason": re["reason"].to_numpy()})
    invoice_refunds = invoice_refunds[refunded != ""].reset_index(drop=True)
    step()

    rng, bad_rows = streams[5], []
    paid_with = exports.stripe_customer_of(rng, ch["owner"].to_numpy(), cust.stripe_ids, cust.stripe_owner)
    stripe_files = {"stripe/charges.csv": lambda: exports.charges_columns(rng, ch, sid, paid_with),
                    "stripe/refunds.csv": lambda: exports.refunds_columns(rng, re, sid),
                    "stripe/payouts.csv": lambda: exports.payouts_columns(rng, po, sid),
                    "stripe/balance_transactions.csv": lambda: exports.balance_columns(rng, bt, sid)}
    bad_rows += _write_messy(out_dir, streams[6], stripe_files, counts)
    del ch, re, bt, sid, paid_with, stripe_files  # the largest frames; the rest of the run is small
    step()
    billing_files = {"billing/invoices.csv": lambda: exports.invoices_columns(rng, inv, cust.billing_id),
                     "billing/credit_notes.csv": lambda: exports.credit_notes_columns(rng, cn, cust.billing_id)}
    bad_rows += _write_messy(out_dir, streams[6], billing_files, counts)
    step()

    sales_truth = _write_sales(out_dir, sales, scale, roster, inv, cust, accounts, invoice_refunds, counts)
    shop_sale = sales_truth.pop("_shop")
    step()

    entries = build_bank_entries(streams[7], roster, inv, po, scale)
    bank_truth, bank_expected = write_statements(out_dir, entries)
    counts.update({path: spec["entries"] for path, spec in bank_expected.items()})
    step()

    ops = _write_operations(out_dir, later, scale, inv, shop_sale, counts)
    step()

    customer_truth = pd.concat([cust.truth, sales_truth.pop("shop_customers")], ignore_index=True)
    _write_truth(out_dir, customer_truth, bad_rows, hard_negatives, bank_truth, invoice_truth,
                 {**sales_truth, **ops["truth"]})
    faults = [(file, source_id, None, "", fault) for file, source_id, fault in sales_truth["order_faults.csv"].itertuples(index=False)]
    expected = _expected(scale, counts, bad_rows + faults + ops["bad_rows"], customer_truth, bank_expected)
    expected.update(ops["expected"])
    (out_dir / "truth" / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    manifest = {"seed": seed, "scale": scale, "generated_at": _generated_at(seed),
                "window": {"start": str(START.astype("datetime64[D]")), "end": str((END - 1).astype("datetime64[D]"))},
                "files": dict(sorted(counts.items())), "total_rows": int(sum(counts.values()))}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    step()
    return manifest


def _write_messy(out_dir: Path, rng: np.random.Generator, files: dict, counts: dict) -> list[tuple]:
    """Build each file's columns only when it is written, inject its mess, write it; return the bad-row truth."""
    bad_rows = []
    for name, build in files.items():
        columns, truth_rows = mess.inject(rng, name, build())
        counts[name] = write_csv(out_dir / name, columns)
        bad_rows += truth_rows
    return bad_rows


def _stepper(progress: Progress | None) -> Callable[[], None]:
    done = iter(range(1, len(_STAGES) + 1))

    def step() -> None:
        k = next(done)
        if progress is not None:
            progress(_STAGES[k - 1], k, len(_STAGES))

    return step


def _generated_at(seed: int) -> str:
    """A reproducible timestamp just after the window, spread by the seed."""
    return str(_GENERATED_BASE + np.timedelta64(seed % 86_400, "s")) + "Z"


def _invoice_truth(inv: pd.DataFrame, ch: pd.DataFrame, charge_ids: pa.Array) -> pd.DataFrame:
    """How each invoice was settled: card (with the charge id) or wire, or not at all."""
    paid = ch[(ch["status"] == "succeeded") & (ch["invoice_number"] != "")]
    charge_of = pd.Series(charge_ids.take(pa.array(paid.index.to_numpy())).to_numpy(zero_copy_only=False),
                          index=paid["invoice_number"].to_numpy())
    settled = inv["status"] == "paid"
    return pd.DataFrame({
        "invoice_number": inv["invoice_number"], "status": inv["status"],
        "method": np.where(settled, inv["method"], ""), "charge_id": inv["invoice_number"].map(charge_of).fillna(""),
        "paid_at": np.where(settled, timestamp_text(inv["paid_at"].to_numpy()).to_numpy(zero_copy_only=False), ""),
        "total_minor": inv["total"], "currency": inv["currency"]})


def _write_sales(out_dir: Path, sales: list, scale: int, roster: pd.DataFrame, inv: pd.DataFrame, cust,
                 accounts: salesforce.Accounts, invoice_refunds: pd.DataFrame, counts: dict) -> dict:
    """The Salesforce org and the Shopify store on one catalogue, their orders billed as the invoices.

    Returns the truth frames: item_truth, order_truth, order_faults, customer_parents and the
    shop customers' rows of customer_truth (key ``shop_customers``)."""
    crm_rng, cat_rng, shop_rng = sales
    r = random.Random(int(crm_rng.integers(2**62)))
    files = {"crm/contacts.csv": salesforce.contacts_columns(crm_rng, r, roster, accounts),
             "crm/opportunities.csv": salesforce.opportunities_columns(crm_rng, roster, accounts)}
    catalogue = build_catalogue(cat_rng, scale)
    n_faults = orders.fault_count(scale)
    crm_pool = catalogue[catalogue["channel"].isin(["both", "crm"])].reset_index(drop=True)
    shop_pool = catalogue[catalogue["channel"].isin(["both", "shop"])].reset_index(drop=True)
    channel = orders.pick_invoices(cat_rng, roster, inv)
    crm_book = orders.build_lines(cat_rng, inv, np.flatnonzero(channel == "crm"), len(crm_pool), "crm")
    shop_book = orders.build_lines(cat_rng, inv, np.flatnonzero(channel == "shop"), len(shop_pool), "shop")
    products = salesforce.products(crm_rng, r, crm_pool, n_faults)
    sf = salesforce.orders(crm_rng, inv, roster, accounts, crm_book, products, n_faults)
    files.update({"crm/products.csv": products.columns, "crm/orders.csv": sf.orders, "crm/order_items.csv": sf.lines})

    rs = random.Random(int(shop_rng.integers(2**62)))
    shop_customers = shopify.customer_records(shop_rng, roster)
    customer_cols = shopify.customers_columns(rs, roster, shop_customers)
    variants = shopify.variants(shop_rng, rs, shop_pool)
    shop = shopify.orders(shop_rng, rs, inv, roster, shop_customers, customer_cols["email"], shop_book, variants,
                          invoice_refunds, n_faults)
    customer_cols["updatedAt"] = timestamp_iso(shop.customer_updated)
    files.update({"shop/customers.csv": customer_cols, "shop/variants.csv": variants.columns, "shop/orders.csv": shop.orders,
                  "shop/order_lines.csv": shop.lines, "shop/refunds.csv": shop.refunds})
    for name, columns in files.items():
        counts[name] = write_csv(out_dir / name, columns)
    true_id = roster["true_customer_id"].to_numpy()
    return {"_shop": (catalogue, shop.truth, shop.lines, variants.truth), "item_truth.csv": pd.concat([products.truth, variants.truth], ignore_index=True),
            "order_truth.csv": pd.concat([sf.truth, shop.truth], ignore_index=True),
            "order_faults.csv": pd.DataFrame(sf.faults + shop.faults, columns=["file", "source_id", "fault"]),
            "customer_parents.csv": accounts.hierarchy,
            "shop_customers": pd.DataFrame({"system": "shop", "source_id": shop_customers.ids,
                                            "true_customer_id": true_id[shop_customers.owner], "is_b2c": True})}


def _write_operations(out_dir: Path, rngs: list, scale: int, inv: pd.DataFrame, shop_sale: tuple,
                      counts: dict) -> dict:
    """Phases 3 and 4 on the shop's orders: warehouse, labels, procurement and people, with their truth.

    Returns the truth frames (``truth``), the planted bad rows (``bad_rows``, as bad_rows.csv has them)
    and the keys it adds to expected.json (``expected``)."""
    ship_rng, buy_rng, hr_rng = rngs
    catalogue, shop_truth, shop_lines, variant_truth = shop_sale
    layouts = {key: layout(*key.split("/")) for key in _PHASE34}
    stock = operations.stocked_items(ship_rng, catalogue)
    shipped = operations.ship(ship_rng, stock, shop_truth, shop_lines, variant_truth, inv, layouts)
    bought = procurement.build(buy_rng, scale, stock, shipped.moved, layouts)
    stocked = operations.inventory(ship_rng, stock, shipped.moved, bought.received, bought.awaiting,
                                   orders.fault_count(scale), layouts["warehouse/inventory_levels"])
    staff, staff_truth, staff_faults, staff_summary = people.build(hr_rng, layouts["hr/employees"])
    files = {**shipped.files, **bought.files, layouts["warehouse/inventory_levels"].file: stocked.columns,
             layouts["hr/employees"].file: staff}
    for name, columns in files.items():
        counts[name] = write_csv(out_dir / name, columns)
    faults = shipped.faults + bought.faults + stocked.faults + staff_faults
    quarantine = shipped.quarantine + bought.quarantine + stocked.quarantine
    truth = {**shipped.truth, "inventory_truth.csv": stocked.truth, **bought.truth, "employee_truth.csv": staff_truth,
             "planted_faults.csv": pd.DataFrame(faults, columns=["file", "source_id", "fault", "detail"]),
             "expected_quarantine.csv": pd.DataFrame(quarantine, columns=["system", "entity", "file", "source_id",
                                                                          "row_number", "stage", "rule"])}
    by_kind: dict = {}
    for file, source_id, fault, _ in faults:
        by_kind.setdefault(fault, []).append({"file": file, "source_id": source_id})
    expected_quarantine: dict = {}
    for system, entity, _, source_id, _, stage, rule in quarantine:
        expected_quarantine.setdefault(f"{system}/{entity}", []).append(
            {"source_id": source_id, "stage": stage, "rule": rule})
    inventory = stocked.truth
    expected = {"operations": {**shipped.summary, **bought.summary, "inventory_levels": len(inventory),
                               "units_on_hand": int(inventory["quantity_on_hand"].sum()),
                               "stock_value_minor": int((inventory["quantity_on_hand"]
                                                         * inventory["unit_cost_minor"]).sum())},
                "people": staff_summary, "planted_faults": by_kind, "expected_quarantine": expected_quarantine}
    bad = shipped.bad_rows + bought.bad_rows + stocked.bad_rows
    return {"truth": truth, "bad_rows": bad, "expected": expected}


def _write_truth(out_dir: Path, customers: pd.DataFrame, bad_rows: list, hard_negatives: pd.DataFrame,
                 bank: pd.DataFrame, invoices: pd.DataFrame, sales: dict) -> None:
    truth = out_dir / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    bad = pd.DataFrame(bad_rows, columns=["file", "source_id", "row_number", "column", "reason"])
    frames = {"customer_truth.csv": customers, "bad_rows.csv": bad, "hard_negatives.csv": hard_negatives,
              "bank_entries.csv": bank, "invoice_payments.csv": invoices, **sales}
    for name, frame in frames.items():
        write_csv(truth / name, {c: frame[c].to_numpy() for c in frame.columns})


def _expected(scale: int, counts: dict, bad_rows: list, customers: pd.DataFrame, bank: dict) -> dict:
    files = {}
    for name, rows in counts.items():
        if name in bank:
            files[name] = {"rows": rows, **bank[name]}
            continue
        bad = sum(1 for r in bad_rows if r[0] == name and r[4] != "duplicate")
        dup = sum(1 for r in bad_rows if r[0] == name and r[4] == "duplicate")
        files[name] = {"rows": rows, "bad": bad, "duplicate": dup, "clean": rows - bad - dup}
    systems = {"stripe/customers.csv": "stripe", "billing/customers.csv": "billing", "crm/accounts.csv": "crm",
               "shop/customers.csv": "shop"}
    for name, system in systems.items():
        files[name]["real_customers"] = int(customers.loc[customers["system"] == system, "true_customer_id"].nunique())
    return {"scale": scale, "real_customers": scale, "files": files}
