import pandas as pd
import pandera.pandas as pa
import pytest

from integration_hub.canonical import registry
from integration_hub.canonical.registry import CanonicalEntity, _in_load_order, money, text


def test_every_entity_loads_after_the_entities_it_refers_to():
    order = list(registry.all_entities())
    for name, declared in registry.all_entities().items():
        for dep in declared.depends_on:
            assert order.index(dep) < order.index(name), (name, dep)
    assert order.index("invoice") < order.index("payment")        # a charge names its invoice by number


def test_the_mapped_gate_is_built_from_the_declaration():
    order = registry.get("sales_order")
    assert order.lines == "sales_order_line" and registry.get("sales_order_line").parent == "order_external_id"
    good = pd.DataFrame({"external_id": ["crm:1"], "source_system": ["crm"], "source_id": ["1"],
                         "order_number": ["00001"], "customer_external_id": ["crm:a"],
                         "order_date": [pd.Timestamp("2025-01-02", tz="UTC")], "status": ["Activated"],
                         "currency": ["EUR"], "subtotal_minor": [1000], "tax_minor": [200], "total_minor": [1200],
                         "invoice_ref": [None]})
    order.schema.validate(good)
    with pytest.raises(pa.errors.SchemaError, match="subtotal_minor \\+ tax_minor"):
        order.schema.validate(good.assign(total_minor=[1100]))
    with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors), match="unexpected"):
        order.schema.validate(good.assign(unexpected=[1]))              # strict: nothing undeclared


def test_hub_only_columns_are_validated_but_not_loaded():
    bank = registry.get("bank_transaction")
    assert "statement_status" in bank.all_columns and "statement_status" not in bank.columns
    assert "statement_status" in bank.schema.columns


def test_column_kinds_follow_the_fields():
    line = registry.get("sales_order_line")
    assert line.numbers == ("quantity",) and set(line.money) == {"unit_price_minor", "amount_minor"}
    assert registry.get("item").nullable_money == ("unit_price_minor",)
    assert registry.get("contact").currency_required is False


def test_a_reference_cycle_or_an_undeclared_entity_is_refused():
    a = CanonicalEntity("a", "as", {"b_external_id": text()}, references={"b_external_id": "b"})
    b = CanonicalEntity("b", "bs", {"a_external_id": text()}, references={"a_external_id": "a"})
    with pytest.raises(ValueError, match="cycle"):
        _in_load_order({"a": a, "b": b})
    with pytest.raises(ValueError, match="not declared"):
        _in_load_order({"a": a})
    with pytest.raises(ValueError, match="not among its fields"):
        CanonicalEntity("c", "cs", {"amount_minor": money()}, required=("missing",))
    with pytest.raises(ValueError, match="unknown entity 'order'"):
        registry.get("order")


def test_phase_three_and_four_entities_load_in_dependency_order():
    order = list(registry.all_entities())
    for before, after in [("vendor", "purchase_order"), ("purchase_order", "purchase_order_line"),
                          ("item", "inventory_level"), ("sales_order", "fulfilment"),
                          ("fulfilment", "fulfilment_line"), ("sales_order", "shipment")]:
        assert order.index(before) < order.index(after), (before, after)
    assert registry.get("employee").self_reference == "manager_external_id"     # managers before their reports
    assert registry.get("purchase_order").lines == "purchase_order_line"


def test_no_canonical_entity_carries_a_sensitive_value_in_plaintext():
    """SSNs, bank accounts, tax ids and salaries stay encrypted in the hub: the ERP gets masks only."""
    sensitive = ("ssn", "bank_account", "tax_id", "salary", "pay_rate", "iban", "routing")
    for name, declared in registry.all_entities().items():
        for column in declared.all_columns:
            if any(word in column for word in sensitive):
                assert column.endswith("_mask"), (name, column)


def test_a_purchase_order_line_received_more_than_nothing_and_ordered_something():
    line = registry.get("purchase_order_line")
    good = pd.DataFrame({"external_id": ["coupa:1-1"], "source_system": ["coupa"], "source_id": ["1-1"],
                         "po_external_id": ["coupa:1"], "line_number": ["1"], "item_external_id": [None],
                         "description": ["Freight"], "quantity": [2.0], "quantity_received": [0.0],
                         "unit_price_minor": [500], "amount_minor": [1000], "currency": ["USD"]})
    line.schema.validate(good)
    with pytest.raises(pa.errors.SchemaError, match="quantity_received"):
        line.schema.validate(good.assign(quantity_received=[-1.0]))
