"""Shopify admin CSV exports read as the shop entities: customers, variants, orders split into lines."""
import pytest

from integration_hub.connectors.exports import ORIGIN, ROW
from integration_hub.connectors.extractors import extract_export
from integration_hub.mapping.systems import load_systems
from integration_hub.standardize.frame import clean_frame

BOM = "\ufeff"


def entity(name):
    shop = next(s for s in load_systems() if s.name == "shop")
    return next(e for e in shop.entities if e.name == name)


def write(tmp_path, name, lines, *, bom=False):
    folder = tmp_path / "shop"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(((BOM if bom else "") + "\r\n".join(lines) + "\r\n").encode())
    return path


OLD_CUSTOMERS = [
    "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,"
    "Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt",
    "Jane,Doe,Jane@Example.com,,2 Main St,,Austin,Texas,TX,United States,US,'78701,'+15125550100,yes,32.29,1,"
    "\"vip, repeat\",,no",
    "Ola,Nordmann,,Nordmann AS,Storgata 1,,Oslo,,,Norway,NO,0150,,no,0.00,0,,,no"]
NEW_CUSTOMERS = [
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,"
    "Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,"
    "Total Spent,Total Orders,Note,Tax Exempt,Tags",
    "'7001,Jane,Doe,jane@example.com,yes,Doe Ltd,2 Main St,Suite 4,Austin,TX,US,'78701,'+15125550100,,no,"
    "32.29,1,,no,vip"]
PRODUCTS = [
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,"
    "Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,"
    "Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,"
    "Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,"
    "Image Alt Text,Gift Card,Status",
    "widget,Widget,\"<p>A widget, sturdy</p>\",Acme,,Hardware,,TRUE,Title,Default Title,,,,,ab 1001,100,shopify,"
    "5,deny,manual,19.90,,TRUE,TRUE,'0012345678905,https://cdn.example/w.png,1,,FALSE,active",
    "sprocket,Sprocket,,Acme,,Hardware,,TRUE,Color,Blue,Size,S,,,CD-2001,50,shopify,3,deny,manual,5.00,,TRUE,"
    "TRUE,,https://cdn.example/s.png,1,,FALSE,active",
    "sprocket,,,,,,,,,Red,,M,,,CD-2002,50,shopify,3,deny,manual,5.50,,TRUE,TRUE,,,,,,",
    "sprocket,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn.example/s2.png,2,,,"]          # a further image only
ORDERS_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,"
    "Lineitem taxable,Lineitem fulfillment status,Billing Name,Cancelled at,Refunded Amount,Vendor,Id,Tags,"
    "Lineitem discount")


def order_row(name, email, first, qty, item, price, sku, discount=""):
    head = (f"paid,2025-03-02 09:30:00 -0500,fulfilled,,yes,USD,{first[0]},{first[1]},{first[2]},{first[3]},,0.00,"
            "Standard") if first else ",,,,,,,,,,,,"
    tail = f",Jane Doe,,{first[4]},Acme,{first[5]},," if first else ",,,,Acme,,,"
    created = "2025-03-02 09:30:00 -0500" if first else ""
    return (f"{name},{email},{head},{created},{qty},{item},{price},,{sku},true,true,fulfilled"
            f"{tail}{discount}")


ORDERS = [ORDERS_HEADER,
          order_row("#1001", "jane@example.com", ("29.90", "4.00", "2.39", "36.29", "5.00", "5001"), "1", "Widget",
                    "19.90", "ab 1001"),
          order_row("#1001", "jane@example.com", None, "2", "Sprocket - Blue / S", "5.00", "CD-2001"),
          order_row("#1002", "nobody@example.com", ("10.00", "", "0.00", "10.00", "", "5002"), "2", "Sprocket", "5.50",
                    "CD-2002", discount="1.00")]


def test_an_older_customers_export_is_keyed_by_email(tmp_path):
    write(tmp_path, "customers_export.csv", OLD_CUSTOMERS, bom=True)
    extraction = extract_export(tmp_path, entity("customers"))
    frame = extraction.frame
    assert frame["id"].tolist() == ["jane@example.com", ""]
    jane = frame.iloc[0]
    assert (jane["email"], jane["zip"], jane["phone"], jane["provinceCode"]) == (
        "Jane@Example.com", "78701", "+15125550100", "TX")
    assert frame[ROW].tolist() == [1, 2] and frame[ORIGIN].iloc[0].endswith("shop/customers_export.csv")
    cleaned = clean_frame(frame, entity("customers"))
    assert cleaned.rejects[["row", "rule"]].values.tolist() == [[1, "id.required"]]     # no email, no key


def test_a_newer_customers_export_keeps_the_customer_id_and_default_address(tmp_path):
    write(tmp_path, "customers_export_1.csv", NEW_CUSTOMERS)
    frame = extract_export(tmp_path, entity("customers")).frame
    row = frame.iloc[0]
    assert (row["id"], row["company"], row["address2"], row["countryCode"], row["zip"], row["phone"]) == (
        "7001", "Doe Ltd", "Suite 4", "US", "78701", "+15125550100")
    assert clean_frame(frame, entity("customers")).rejects.empty


def test_a_products_export_gives_one_variant_per_variant_row(tmp_path):
    write(tmp_path, "products_export_1.csv", PRODUCTS, bom=True)
    write(tmp_path, "orders_export_1.csv", ORDERS)
    frame = extract_export(tmp_path, entity("variants")).frame
    assert frame[["id", "productTitle", "title", "sku", "price", "currencyCode"]].values.tolist() == [
        ["sku:ab 1001", "Widget", "Default Title", "ab 1001", "19.90", "USD"],
        ["sku:CD-2001", "Sprocket", "Blue / S", "CD-2001", "5.00", "USD"],
        ["sku:CD-2002", "Sprocket", "Red / M", "CD-2002", "5.50", "USD"]]      # the continuation row keeps its title
    assert frame["barcode"].iloc[0] == "0012345678905" and frame[ROW].tolist() == [1, 2, 3]
    assert clean_frame(frame, entity("variants")).rejects.empty


def test_the_orders_export_splits_into_orders_and_lines_with_shipping_in_the_subtotal(tmp_path):
    write(tmp_path, "customers_export.csv", NEW_CUSTOMERS)
    write(tmp_path, "orders_export.csv", ORDERS, bom=True)
    orders = extract_export(tmp_path, entity("orders")).frame
    assert orders[["id", "name", "customerId", "subtotal", "totalTax", "total", "totalRefunded"]].values.tolist() == [
        ["5001", "#1001", "7001", "33.90", "2.39", "36.29", "5.00"],        # 29.90 + 4.00 shipping
        ["5002", "#1002", "nobody@example.com", "10.00", "0.00", "10.00", ""]]   # unknown: the email is the key
    assert orders[ROW].tolist() == [1, 3]
    lines = extract_export(tmp_path, entity("order_lines")).frame
    assert lines[["id", "orderId", "variantId", "quantity", "currencyCode", "discountedTotal"]].values.tolist() == [
        ["5001-1", "5001", "sku:ab 1001", "1", "USD", "19.90"],
        ["5001-2", "5001", "sku:CD-2001", "2", "USD", "10.00"],
        ["5002-1", "5002", "sku:CD-2002", "2", "USD", "10.00"]]             # 2 x 5.50 - 1.00 discount
    assert lines[ROW].tolist() == [1, 2, 3]
    assert clean_frame(orders, entity("orders")).rejects.empty
    assert clean_frame(lines, entity("order_lines")).rejects.empty


def test_tax_included_prices_keep_subtotal_plus_tax_equal_to_total(tmp_path):
    write(tmp_path, "orders_export.csv", [ORDERS_HEADER, order_row(
        "#2001", "a@example.com", ("50.00", "5.00", "9.17", "55.00", "", "6001"), "1", "Widget", "50.00", "W")])
    order = extract_export(tmp_path, entity("orders")).frame.iloc[0]
    assert (order["subtotal"], order["totalTax"], order["total"]) == ("45.83", "9.17", "55.00")


def test_a_line_whose_order_row_is_missing_is_quarantined_not_given_to_another_order(tmp_path):
    broken_first_row = order_row("#1002", "b@example.com", ("10.00", "", "0.00", "10.00", "", "5002"), "1", "X",
                                 "10.00", "X") + ",extra,fields"
    path = write(tmp_path, "orders_export.csv", [
        *ORDERS[:3], broken_first_row,
        order_row("", "", None, "1", "Y", "1.00", "Y"),          # blank Name after the set-aside row
        order_row("#1003", "c@example.com", None, "1", "Z", "1.00", "Z")])      # no #1003 order row at all
    extraction = extract_export(tmp_path, entity("order_lines"))
    assert extraction.frame["orderId"].tolist() == ["5001", "5001"]
    rejects = extraction.quarantine()
    assert rejects[["row_number", "rule"]].values.tolist() == [
        [3, "row.field_count"], [4, "order_line.order_unknown"], [5, "order_line.order_unknown"]]
    assert all(r["file"] == str(path) for r in rejects["record"])
    orders = extract_export(tmp_path, entity("orders"))
    assert orders.frame["id"].tolist() == ["5001"] and orders.rejected_rows["row_number"].tolist() == [3]


def test_an_order_figure_that_is_not_a_number_is_refused_by_the_money_rule(tmp_path):
    write(tmp_path, "orders_export.csv", [ORDERS_HEADER, order_row(
        "#3001", "a@example.com", ("29.90", "abc", "0.00", "29.90", "", "7001"), "1", "W", "29.90", "W")])
    orders = extract_export(tmp_path, entity("orders")).frame
    rejects = clean_frame(orders, entity("orders")).rejects
    assert rejects[["rule", "value"]].values.tolist() == [["subtotal.major_units", "29.90 + abc"]]


def test_refunds_beside_an_orders_export_are_none(tmp_path):
    write(tmp_path, "orders_export.csv", ORDERS)
    extraction = extract_export(tmp_path, entity("refunds"))
    assert extraction.frame.empty and {c.column for c in entity("refunds").columns} <= set(extraction.frame.columns)
    assert extraction.origin.endswith("orders_export.csv")


def test_a_file_named_as_an_export_but_in_another_layout_is_refused_whole(tmp_path):
    write(tmp_path, "orders_export.csv", ["order,amount", "1,2.00"])
    extraction = extract_export(tmp_path, entity("orders"))
    assert extraction.frame.empty
    assert [(f.rule, "Lineitem quantity" in f.reason) for f in extraction.rejected_files] == [("file.header", True)]


def test_the_hubs_own_file_is_still_read_as_it_is(tmp_path):
    write(tmp_path, "customers.csv", ["id,firstName,lastName,email,countryCode,phone,company,address1,address2,city,"
                                      "provinceCode,zip,createdAt,updatedAt",
                                      "gid://shopify/Customer/1,Jane,Doe,jane@example.com,US,,,,,,,,,"])
    write(tmp_path, "customers_export.csv", OLD_CUSTOMERS)
    extraction = extract_export(tmp_path, entity("customers"))
    assert extraction.frame["id"].tolist() == ["gid://shopify/Customer/1"]
    assert extraction.origin.endswith("shop/customers.csv")


def test_two_exports_of_one_kind_are_not_guessed_between(tmp_path):
    write(tmp_path, "customers_export_1.csv", NEW_CUSTOMERS)
    write(tmp_path, "customers_export_2.csv", NEW_CUSTOMERS)
    with pytest.raises(ValueError, match="several Shopify customers_export files"):
        extract_export(tmp_path, entity("customers"))
