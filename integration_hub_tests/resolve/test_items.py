import pandas as pd

from integration_hub.resolve.items import resolve_items, sku_key


def _items(rows):
    base = {"description": None, "item_type": "inventory", "active": "true", "created_at": pd.NaT}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_sku_spellings_that_differ_only_in_case_and_separators_are_one_item():
    assert sku_key(pd.Series(["AB-1001", "ab 1001", "AB1001", "ab_1001", " - "])).tolist()[:4] == ["AB1001"] * 4
    items = _items([
        {"external_id": "shop:v1", "source_system": "shop", "source_id": "v1", "sku": "ab 1001", "name": "Widget",
         "unit_price_minor": 1990, "currency": "USD"},
        {"external_id": "crm:p1", "source_system": "crm", "source_id": "p1", "sku": "AB-1001", "name": "Widget Pro",
         "unit_price_minor": None, "currency": None},
        {"external_id": "crm:p2", "source_system": "crm", "source_id": "p2", "sku": "AB-1002", "name": "Widget",
         "unit_price_minor": None, "currency": None},
    ])
    result = resolve_items(items, precedence=("crm", "shop"))
    cw = result.crosswalk.set_index("source_external_id")
    assert cw.loc["shop:v1", "master_id"] == cw.loc["crm:p1", "master_id"] != cw.loc["crm:p2", "master_id"]
    assert cw.groupby("master_id")["representative"].sum().eq(1).all()
    golden = result.golden.set_index("source_id")
    assert golden.loc["AB1001", "name"] == "Widget Pro"                      # the system of record's name
    assert golden.loc["AB1001", ["unit_price_minor", "currency"]].tolist() == [1990, "USD"]  # price with its currency
    assert len(result.golden) == 2                                           # same name, other SKU: not merged


def test_an_item_without_a_sku_is_never_merged():
    items = _items([{"external_id": f"crm:{i}", "source_system": "crm", "source_id": str(i), "sku": None,
                     "name": "Service", "unit_price_minor": None, "currency": None} for i in (1, 2)])
    assert resolve_items(items).crosswalk["master_id"].nunique() == 2
