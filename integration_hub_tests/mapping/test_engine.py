import pandas as pd
import pytest

from integration_hub.mapping.engine import apply_spec
from integration_hub.mapping.spec import SpecError, parse_spec
from integration_hub.mapping.systems import load_systems

SPEC = """
spec: test.charges
version: 3
target: payment
fields:
  external_id: {from: id, transforms: [{prefix: "stripe:"}]}
  kind: {const: charge}
  amount_minor: {from: amount, blank: reject}
  status: {from: status, blank: {default: unknown}}
  invoice_ref: {from: [metadata_invoice_number, description], transforms: [invoice_number]}
  name:
    from: company
    fallback: {from: [first, last], conflict: join}
    blank: reject
"""


def frame(**columns):
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in columns.items()})


def test_fields_are_mapped_with_transforms_constants_and_defaults():
    spec = parse_spec(SPEC)
    data = frame(id=["ch_1", "ch_2"], amount=["100", "200"], status=["succeeded", None],
                 metadata_invoice_number=["INV-000123", None], description=[None, "Payment for INV-000456"],
                 company=["ABC Corp", None], first=[None, "Ana"], last=[None, "Silva"])
    result = apply_spec(spec, data)
    out = result.mapped
    assert out["external_id"].tolist() == ["stripe:ch_1", "stripe:ch_2"]
    assert out["kind"].tolist() == ["charge", "charge"]
    assert out["status"].tolist() == ["succeeded", "unknown"]
    assert out["invoice_ref"].tolist() == ["INV-000123", "INV-000456"]   # metadata wins, description is the fallback
    assert out["name"].tolist() == ["ABC Corp", "Ana Silva"]
    assert result.rejects.empty


def test_blank_required_field_rejects_with_rule_and_value():
    result = apply_spec(parse_spec(SPEC), frame(
        id=["ch_1"], amount=[" "], status=["ok"], metadata_invoice_number=[None], description=[None],
        company=[None], first=[None], last=[None]))
    rules = set(result.rejects["rule"])
    assert rules == {"amount_minor.required", "name.required"}
    assert set(result.rejects["row"]) == {0}


def test_must_agree_conflict_rejects_disagreeing_sources():
    spec = parse_spec("""
spec: t
version: 1
target: customer
fields:
  email: {from: [email_a, email_b], conflict: must_agree}
""")
    result = apply_spec(spec, frame(email_a=["a@x.com", "b@x.com", None], email_b=["a@x.com", "c@x.com", "d@x.com"]))
    assert result.mapped["email"].tolist()[2] == "d@x.com"
    assert result.rejects["row"].tolist() == [1]
    assert result.rejects["value"].iloc[0] == "b@x.com != c@x.com"


def test_missing_source_column_is_a_clear_error():
    with pytest.raises(KeyError, match="source columns missing.*'amount'"):
        apply_spec(parse_spec(SPEC), frame(id=["x"]))


@pytest.mark.parametrize("bad, message", [
    ("spec: t\nversion: 1\ntarget: x\nfields:\n  a: {}\n", "needs 'from'"),
    ("spec: t\nversion: 1\ntarget: x\nfields:\n  a: {from: b, blank: maybe}\n", "blank must be"),
    ("spec: t\nversion: 1\ntarget: x\nfields:\n  a: {from: [b, c], conflict: vote}\n", "conflict must be"),
    ("spec: t\ntarget: x\nfields: {}\n", "missing 'version'"),
])
def test_invalid_specs_are_refused(bad, message):
    with pytest.raises(SpecError, match=message):
        parse_spec(bad)


def test_version_tag_changes_with_the_spec_text():
    a, b = parse_spec(SPEC), parse_spec(SPEC.replace("unknown", "n/a"))
    assert a.version_tag.startswith("test.charges@v3#") and a.version_tag != b.version_tag


def test_column_lineage_names_every_source_including_fallbacks():
    lineage = parse_spec(SPEC).column_lineage()
    assert lineage["name"] == ["company", "first", "last"]
    assert lineage["kind"] == []


def test_every_shipped_system_declaration_loads_and_maps_into_its_canonical_entity():
    systems = {s.name: s for s in load_systems()}
    assert {"stripe", "billing", "bank", "crm"} <= set(systems)
    from integration_hub.canonical import registry
    for system in systems.values():
        for entity in system.entities:
            assert [f.target for f in entity.mapping.fields] == list(registry.get(entity.canonical).all_columns), entity.mapping.name
            declared = {c.column for c in entity.columns}
            assert set(entity.mapping.column_lineage().get("source_id", [])) <= declared
            for field in entity.mapping.fields:
                assert set(field.all_sources) <= declared, (entity.mapping.name, field.target)
            for check in entity.mapping.checks:
                assert set(check.columns) <= declared, (entity.mapping.name, check.rule)


CHECKED = """
spec: test.checked
version: 1
target: payment
fields:
  external_id: {from: id}
checks:
  - rule: charge.refunded_within_amount
    require: amount_refunded <= amount
  - {rule: charge.not_test_mode, require: "mode != 'test'"}
  - {rule: charge.small, require: amount < 1e6}
"""


def test_row_checks_reject_with_their_rule_and_the_values():
    data = pd.DataFrame({"id": ["ch_1", "ch_2", "ch_3", "ch_4", "ch_5"],
                         "amount": pd.array([1000, 1000, None, 2_000_000, 10], dtype="Int64"),
                         "amount_refunded": pd.array([1000, 1001, 5, None, 0], dtype="Int64"),
                         "mode": pd.array(["live", "live", "live", "live", "test"], dtype="string")},
                        index=[10, 11, 12, 13, 14])
    result = apply_spec(parse_spec(CHECKED), data)
    assert sorted(result.rejects[["row", "rule"]].values.tolist()) == [
        [11, "charge.refunded_within_amount"], [13, "charge.small"], [14, "charge.not_test_mode"]]
    first = result.rejects.iloc[0]
    assert (first["column_name"], first["value"]) == ("amount_refunded,amount", "amount_refunded=1001, amount=1000")
    assert len(result.mapped) == 5   # rejects are reported, the caller drops them


def test_row_check_columns_must_be_in_the_data():
    with pytest.raises(KeyError, match="source columns missing.*'amount_refunded'"):
        apply_spec(parse_spec(CHECKED), frame(id=["x"], amount=["1"], mode=["live"]))


@pytest.mark.parametrize("require", ["amount_refunded <= amount; import os", "__import__('os')", "a <= ",
                                     "a <> b", "a <= b <= c", "len(a) > 1", ""])
def test_row_checks_accept_only_one_comparison(require):
    with pytest.raises(SpecError, match="require"):
        parse_spec(f"spec: t\nversion: 1\ntarget: x\nfields:\n  a: {{from: a}}\n"
                   f"checks:\n  - {{rule: r, require: {require!r}}}\n")


def test_row_check_needs_a_rule_name():
    with pytest.raises(SpecError, match="rule"):
        parse_spec("spec: t\nversion: 1\ntarget: x\nfields:\n  a: {from: a}\nchecks:\n  - {require: a < b}\n")


def test_stripe_charge_refunded_above_its_amount_is_rejected():
    charges = next(e for s in load_systems() if s.name == "stripe" for e in s.entities if e.name == "charges")
    data = pd.DataFrame({c.column: pd.Series([None, None], dtype="string") for c in charges.columns})
    data["amount"] = pd.array([1000, 1000], dtype="Int64")
    data["amount_refunded"] = pd.array([1000, 1001], dtype="Int64")
    result = apply_spec(charges.mapping, data)
    assert result.rejects.loc[result.rejects["rule"] == "charge.refunded_within_amount", "row"].tolist() == [1]
