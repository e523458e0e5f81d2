"""The Salesforce org and the Shopify store agree with billing, Stripe and their own truth."""

import re

import numpy as np
import pandas as pd
import pytest

from integration_hub.demo import generate_company
from integration_hub.demo.catalogue import match_key
from integration_hub_tests.demo.conftest import Company

FAULT_KINDS = {("crm/order_items.csv", "unknown_product"), ("shop/order_lines.csv", "unknown_product"),
               ("shop/refunds.csv", "refund_exceeds_order_total"), ("crm/orders.csv", "duplicate"),
               ("shop/orders.csv", "duplicate")}


@pytest.fixture(scope="module", params=["scale 200", "scale 30 seed 1", "scale 30 seed 2", "scale 30 seed 42"])
def company(request, tmp_path_factory) -> Company:
    """The shared small company, and tiny ones where every planted fault must still be there."""
    if request.param == "scale 200":
        return request.getfixturevalue("small")
    seed = int(request.param.rsplit(" ", 1)[1])
    root = tmp_path_factory.mktemp(f"company_30_{seed}")
    return Company(root, generate_company(root, scale=30, seed=seed))


def _minor(text: pd.Series) -> pd.Series:
    return (text.str.replace(r"[$€£,]", "", regex=True).astype(float) * 100).round().astype(np.int64)


def _invoices(company) -> pd.DataFrame:
    """Billing invoices by number (subtotal and tax are never the broken column), with their real customer."""
    inv = company.csv("billing/invoices.csv").drop_duplicates()
    inv = inv[inv["invoice_number"] != ""].set_index("invoice_number")
    truth = company.csv("truth/customer_truth.csv")
    billing = truth[truth["system"] == "billing"].set_index("source_id")["true_customer_id"]
    return inv.assign(subtotal_minor=_minor(inv["subtotal"]), tax_minor=_minor(inv["tax"]),
                      true_customer_id=inv["customer_id"].map(billing))


def _faults(company, file: str) -> set:
    faults = company.csv("truth/order_faults.csv")
    return set(faults.loc[faults["file"] == file, "source_id"])


def _owner(company, system: str) -> pd.Series:
    truth = company.csv("truth/customer_truth.csv")
    return truth[truth["system"] == system].set_index("source_id")["true_customer_id"]


def test_salesforce_orders_are_their_invoices_subtotals(company):
    orders = company.csv("crm/orders.csv").drop_duplicates().set_index("Id")
    items = company.csv("crm/order_items.csv")
    assert orders.index.is_unique and len(orders) > 0
    inv = _invoices(company).reindex(orders["Invoice_Number__c"])
    assert inv["subtotal_minor"].notna().all()
    total = _minor(orders["TotalAmount"])
    assert (total.to_numpy() == inv["subtotal_minor"].to_numpy()).all()
    assert (orders["CurrencyIsoCode"].to_numpy() == inv["currency"].to_numpy()).all()
    lines = _minor(items["TotalPrice"])
    assert (lines == (_minor(items["UnitPrice"]) * items["Quantity"].astype(float)).round().astype(np.int64)).all()
    assert (lines.groupby(items["OrderId"]).sum().reindex(orders.index).to_numpy() == total.to_numpy()).all()
    account_owner = _owner(company, "crm")
    assert (orders["AccountId"].map(account_owner).to_numpy() == inv["true_customer_id"].to_numpy()).all()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000", orders["CreatedDate"].iloc[0])


def test_shopify_orders_are_their_invoices(company):
    orders = company.csv("shop/orders.csv").drop_duplicates().set_index("id")
    lines = company.csv("shop/order_lines.csv")
    assert orders.index.is_unique and len(orders) > 0
    inv = _invoices(company).reindex(orders["invoiceNumber"])
    subtotal, tax, total = (_minor(orders[c]).to_numpy() for c in ("subtotal", "totalTax", "total"))
    assert (subtotal == inv["subtotal_minor"].to_numpy()).all() and (tax == inv["tax_minor"].to_numpy()).all()
    assert (total == subtotal + tax).all()
    assert (orders["currencyCode"].to_numpy() == inv["currency"].to_numpy()).all()
    paid = _minor(lines["discountedTotal"]).groupby(lines["orderId"]).sum().reindex(orders.index)
    assert (paid.to_numpy() == subtotal).all()
    listed = _minor(lines["originalUnitPrice"]) * lines["quantity"].astype(int)
    assert (listed >= _minor(lines["discountedTotal"])).all()
    assert (orders["customerId"].map(_owner(company, "shop")).to_numpy() == inv["true_customer_id"].to_numpy()).all()
    assert orders["name"].str.fullmatch(r"#\d{4,}").all() and orders.index.str.startswith("gid://shopify/Order/").all()


def test_most_invoices_have_exactly_one_order(small):
    numbers = pd.concat([small.csv("crm/orders.csv").drop_duplicates()["Invoice_Number__c"],
                         small.csv("shop/orders.csv").drop_duplicates()["invoiceNumber"]])
    assert numbers.is_unique
    invoices = small.csv("truth/invoice_payments.csv")
    assert 0.7 < numbers.isin(invoices["invoice_number"]).sum() / len(invoices) < 0.9


def test_order_truth_matches_the_files(company):
    truth = company.csv("truth/order_truth.csv")
    for system, file, id_col, lines_file, line_ref in (("crm", "crm/orders.csv", "Id", "crm/order_items.csv", "OrderId"),
                                                       ("shop", "shop/orders.csv", "id", "shop/order_lines.csv", "orderId")):
        mine = truth[truth["source_system"] == system].set_index("source_id")
        orders = company.csv(file).drop_duplicates().set_index(id_col)
        assert set(mine.index) == set(orders.index)
        counts = company.csv(lines_file)[line_ref].value_counts().reindex(mine.index)
        assert (counts.to_numpy() == mine["line_count"].astype(int).to_numpy()).all()
        inv = _invoices(company).reindex(mine["invoice_number"])
        assert (mine["true_customer_id"].to_numpy() == inv["true_customer_id"].to_numpy()).all()
        assert (mine["subtotal_minor"].astype(int).to_numpy() == inv["subtotal_minor"].to_numpy()).all()
        tax = mine["tax_minor"].astype(int)
        assert ((tax == 0).all() if system == "crm" else (tax.to_numpy() == inv["tax_minor"].to_numpy()).all())
        assert (mine["total_minor"].astype(int) == mine["subtotal_minor"].astype(int) + tax).all()


@pytest.mark.parametrize("fixture", ["small", "medium"])
def test_account_hierarchy_has_parents_in_the_file_and_no_cycle(request, fixture):
    company = request.getfixturevalue(fixture)
    accounts = company.csv("crm/accounts.csv").set_index("Id")
    parent = accounts["ParentId"]
    linked = parent[parent != ""]
    assert len(linked) > 0 and linked.isin(accounts.index).all()
    depth = {}
    for account in accounts.index:
        seen, node = set(), account
        while parent[node] != "":
            assert node not in seen, f"cycle through {account}"
            seen.add(node)
            node = parent[node]
        depth[account] = len(seen)
    assert max(depth.values()) == 2 and sum(d == 1 for d in depth.values()) > sum(d == 2 for d in depth.values())
    owner = _owner(company, "crm")
    pairs = set(zip(linked.index.map(owner), linked.map(owner)))
    truth = company.csv("truth/customer_parents.csv")
    assert pairs == set(zip(truth["true_customer_id"], truth["parent_true_customer_id"]))
    assert (truth["true_customer_id"] != truth["parent_true_customer_id"]).all()
    assert accounts["SystemModstamp"].ge(accounts["LastModifiedDate"]).all()


def test_sku_truth_resolves_every_item_of_both_systems(company):
    truth = company.csv("truth/item_truth.csv")
    products, variants = company.csv("crm/products.csv"), company.csv("shop/variants.csv")
    assert set(truth.loc[truth["source_system"] == "crm", "source_id"]) == set(products["Id"])
    assert set(truth.loc[truth["source_system"] == "shop", "source_id"]) == set(variants["id"])
    true_sku = truth.set_index("source_id")["true_sku"]
    spelled = pd.concat([products.set_index("Id")["ProductCode"], products.set_index("Id")["StockKeepingUnit"],
                         variants.set_index("id")["sku"]])
    spelled = spelled[spelled != ""]
    assert all(match_key(s) == match_key(true_sku[i]) for i, s in spelled.items())
    items = truth.drop_duplicates("true_item_id")
    assert items["true_sku"].map(match_key).is_unique and truth.groupby("true_item_id")["true_sku"].nunique().eq(1).all()
    in_both = truth.groupby("true_item_id")["source_system"].nunique() == 2
    assert in_both.any() and (~in_both).any()
    if company.manifest["scale"] >= 200:
        assert (spelled != true_sku[spelled.index].to_numpy()).mean() > 0.1  # spelled differently now and then
        assert spelled.str.islower().any() and spelled.str.contains(" ").any()


def test_each_planted_fault_is_present_and_recorded(company):
    faults = company.csv("truth/order_faults.csv")
    assert FAULT_KINDS <= set(zip(faults["file"], faults["fault"]))
    products = set(company.csv("crm/products.csv")["Id"])
    items = company.csv("crm/order_items.csv")
    unknown = ~items["Product2Id"].isin(products)
    assert set(items.loc[unknown, "Id"]) == _faults(company, "crm/order_items.csv")
    variants = company.csv("shop/variants.csv").set_index("id")
    lines = company.csv("shop/order_lines.csv")
    unknown = ~lines["variantId"].isin(variants.index)
    assert set(lines.loc[unknown, "id"]) == _faults(company, "shop/order_lines.csv")
    catalogue = set(company.csv("truth/item_truth.csv")["true_sku"].map(match_key))
    assert not lines.loc[unknown, "sku"].map(match_key).isin(catalogue).any()
    known = lines[~unknown]
    assert (known["sku"].to_numpy() == variants.loc[known["variantId"], "sku"].to_numpy()).all()
    orders = company.csv("shop/orders.csv").drop_duplicates().set_index("id")
    refunds = company.csv("shop/refunds.csv")
    over = _minor(refunds["amount"]).to_numpy() > _minor(orders.loc[refunds["orderId"], "total"]).to_numpy()
    assert set(refunds.loc[over, "id"]) == _faults(company, "shop/refunds.csv")
    for file, id_col in (("crm/orders.csv", "Id"), ("shop/orders.csv", "id")):
        data = company.csv(file)
        repeated = data[id_col][data[id_col].duplicated()]
        assert set(repeated) == _faults(company, file) and len(repeated) == len(set(repeated))
        assert data.duplicated().sum() == len(repeated)  # the whole row again, not just its id
    expected = company.json("truth/expected.json")["files"]
    for (file, kind), group in faults.groupby(["file", "fault"]):
        assert expected[file]["duplicate" if kind == "duplicate" else "bad"] == len(group)


def test_shop_refunds_mirror_stripe_refunds(medium):
    refunds = medium.csv("shop/refunds.csv")
    refunds = refunds[~refunds["id"].isin(_faults(medium, "shop/refunds.csv"))]
    orders = medium.csv("shop/orders.csv").drop_duplicates().set_index("id")
    payments = medium.csv("truth/invoice_payments.csv").set_index("invoice_number")
    charge = payments.loc[orders.loc[refunds["orderId"], "invoiceNumber"], "charge_id"].to_numpy()
    stripe = medium.csv("stripe/refunds.csv").drop_duplicates()
    stripe = stripe[stripe["amount"].str.fullmatch(r"\d+")]
    by_charge = stripe.groupby("charge_id")["amount"].agg(lambda a: set(a.astype(int)))
    amount = _minor(refunds["amount"]).to_numpy()
    mirrored = [a in by_charge.get(c, set()) for a, c in zip(amount, charge)]
    assert len(refunds) > 20 and np.mean(mirrored) > 0.95  # the rest: a Stripe amount broken on purpose
    refunded = _minor(refunds["amount"]).groupby(refunds["orderId"]).sum()
    assert (_minor(orders["totalRefunded"]).reindex(refunded.index).to_numpy() == refunded.to_numpy()).all()
    status = orders.loc[refunded.index, "displayFinancialStatus"]
    assert status.isin(["REFUNDED", "PARTIALLY_REFUNDED"]).all()


def test_shop_customers_are_the_consumers_of_stripe_and_billing(medium):
    truth = medium.csv("truth/customer_truth.csv")
    shop = truth[truth["system"] == "shop"]
    assert set(shop["source_id"]) == set(medium.csv("shop/customers.csv")["id"])
    consumers = set(truth.loc[(truth["system"] == "billing") & (truth["is_b2c"] == "true"), "true_customer_id"])
    assert set(shop["true_customer_id"]) == consumers and (shop["is_b2c"] == "true").all()
    customers = medium.csv("shop/customers.csv").merge(shop, left_on="id", right_on="source_id")
    stripe = medium.csv("stripe/customers.csv").merge(truth, left_on="id", right_on="source_id")
    stripe_email = stripe.groupby("true_customer_id")["email"].first()
    differs = customers["email"].to_numpy() != stripe_email.reindex(customers["true_customer_id"]).to_numpy()
    assert 0.05 < differs.mean() < 0.6  # the same people, not always spelled the same way
    assert medium.json("truth/expected.json")["files"]["shop/customers.csv"]["real_customers"] == len(consumers)


def test_contacts_and_opportunities_hang_off_accounts(small):
    accounts = set(small.csv("crm/accounts.csv")["Id"])
    contacts, opportunities = small.csv("crm/contacts.csv"), small.csv("crm/opportunities.csv")
    assert contacts["AccountId"].isin(accounts).all() and opportunities["AccountId"].isin(accounts).all()
    assert contacts["Id"].str.match(r"^003\w{15}$").all() and opportunities["Id"].str.match(r"^006\w{15}$").all()
    won = opportunities["StageName"] == "Closed Won"
    assert (opportunities.loc[won, "IsWon"] == "true").all() and (opportunities.loc[~won, "IsWon"] == "false").all()
    closed = opportunities["StageName"].str.startswith("Closed")
    assert (opportunities["IsClosed"] == np.where(closed, "true", "false")).all()
