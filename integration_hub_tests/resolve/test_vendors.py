"""Master vendors: suppliers resolved on names, addresses and keyed hashes of tax ids and bank accounts."""
import pandas as pd
import pytest

from integration_hub.canonical import registry
from integration_hub.governance.master_data import resolver_config
from integration_hub.resolve.continuity import keep_master_ids
from integration_hub.resolve.vendors import BANK_ACCOUNT_HASH, TAX_ID_HASH, resolve_vendors
from integration_hub.security.keyed_hash import keyed_hashes, normalized
from integration_hub.security.keys import Keyring

VENDOR = registry.get("vendor").schema
KEYRING = Keyring.generate("k-test")
ACME_TAX, ACME_BANK, OTHER_TAX = "31-1234567", "000987654321", "31-7654321"


def vendor(system: str, source_id: str, name: str, *, tax_id: str | None = None, bank: str | None = None,
           street: str | None = "100 Industrial Pkwy", city: str | None = "Dayton", postal: str | None = "45402",
           email: str | None = None, created: str = "2026-01-01T00:00:00Z") -> dict:
    return {"external_id": f"{system}:{source_id}", "source_system": system, "source_id": source_id, "name": name,
            "tax_id_mask": tax_id and "****" + normalized(tax_id)[-4:], "bank_account_mask": bank and "****" + bank[-4:],
            "email": email, "phone": None, "address_line1": street, "address_line2": None, "city": city,
            "region": "OH", "postal_code": postal, "country": "US", "currency": "USD", "payment_terms": "Net 30",
            "status": "active", "created_at": pd.Timestamp(created), "_tax_id": tax_id, "_bank": bank}


def frame(*rows: dict, keyring: Keyring = KEYRING) -> pd.DataFrame:
    """Canonical vendors with the keyed hashes the master asset computes; the plaintext is dropped."""
    out = pd.DataFrame(list(rows))
    out[TAX_ID_HASH] = keyed_hashes(out.pop("_tax_id"), "tax_id", keyring)
    out[BANK_ACCOUNT_HASH] = keyed_hashes(out.pop("_bank"), "bank_account", keyring)
    return out.astype({c: "string" for c in out.columns if c != "created_at"})


def masters_of(result) -> dict[str, str]:
    return dict(zip(result.crosswalk["source_external_id"], result.crosswalk["master_id"]))


def test_one_supplier_spelled_two_ways_with_one_tax_id_is_one_vendor():
    result = resolve_vendors(frame(
        vendor("procurement", "7", "Acme Industrial Supply, Inc.", tax_id=ACME_TAX, bank=ACME_BANK,
               email="ap@acme.example"),
        vendor("erp", "V-100", "ACME Industrial Supply", tax_id="311234567", street=None, city=None, postal=None),
        vendor("procurement", "8", "Northwind Traders", tax_id=OTHER_TAX, street="9 Harbor Rd", city="Toledo",
               postal="43604")), resolver_config("vendors"))
    masters = masters_of(result)
    assert masters["procurement:7"] == masters["erp:V-100"] != masters["procurement:8"]
    assert len(result.golden) == 2
    acme = result.golden.set_index("source_id").loc[masters["procurement:7"]]
    assert acme["external_id"] == "master:" + masters["procurement:7"]
    assert (acme["name"], acme["tax_id_mask"], acme["bank_account_mask"]) == \
        ("Acme Industrial Supply, Inc.", "****4567", "****4321")
    assert (acme["address_line1"], acme["city"], acme["postal_code"], acme["email"]) == \
        ("100 Industrial Pkwy", "Dayton", "45402", "ap@acme.example")
    VENDOR.validate(result.golden[list(VENDOR.columns)])       # golden records are canonical vendors
    crosswalk = result.crosswalk.set_index("source_external_id")
    assert crosswalk["representative"].groupby(crosswalk["master_id"]).sum().eq(1).all()
    assert "tax_id" in crosswalk.loc["procurement:7", "evidence"] + crosswalk.loc["erp:V-100", "evidence"]


def test_similar_names_with_different_tax_ids_stay_two_vendors():
    result = resolve_vendors(frame(
        vendor("procurement", "1", "Acme Industrial Supply Inc.", tax_id=ACME_TAX),
        vendor("erp", "V-2", "ACME Industrial Supply", tax_id=OTHER_TAX)))
    masters = masters_of(result)
    assert masters["procurement:1"] != masters["erp:V-2"]
    assert len(result.golden) == 2


def test_one_bank_account_joins_a_supplier_whose_name_is_written_differently():
    result = resolve_vendors(frame(
        vendor("procurement", "1", "Acme Industrial Supply Inc.", bank=ACME_BANK),
        vendor("erp", "V-2", "Acme Ind. Supply Co", bank=ACME_BANK)))
    assert len(set(masters_of(result).values())) == 1


def test_no_plaintext_tax_id_reaches_the_resolver():
    rows = frame(vendor("procurement", "1", "Acme", tax_id=ACME_TAX))
    rows[TAX_ID_HASH] = ACME_TAX
    with pytest.raises(ValueError, match="keyed hashes"):
        resolve_vendors(rows)


def test_keyed_hashes_need_the_key_and_bind_the_purpose():
    values = pd.Series([ACME_TAX, "311234567", None])
    hashed = keyed_hashes(values, "tax_id", KEYRING)
    assert hashed[0] == hashed[1] and pd.isna(hashed[2]) and hashed[0].startswith("hmac:v1:k-test:")
    assert ACME_TAX not in hashed[0] and "311234567" not in hashed[0]
    assert keyed_hashes(values, "bank_account", KEYRING)[0] != hashed[0]
    assert keyed_hashes(values, "tax_id", Keyring.generate("k-test"))[0] != hashed[0]   # another key, another hash


def test_master_vendor_ids_survive_a_run_that_sees_one_supplier_again():
    first = resolve_vendors(frame(
        vendor("procurement", "7", "Acme Industrial Supply, Inc.", tax_id=ACME_TAX),
        vendor("erp", "V-100", "ACME Industrial Supply", tax_id=ACME_TAX)))
    previous = first.crosswalk[["source_external_id", "master_id"]]
    again = resolve_vendors(frame(vendor("procurement", "7", "Acme Industrial Supply, Inc.", tax_id=ACME_TAX)))
    crosswalk, golden = keep_master_ids(again.crosswalk, again.golden, previous)
    assert crosswalk["master_id"].tolist() == [masters_of(first)["erp:V-100"]]
    assert golden["external_id"].tolist() == ["master:" + masters_of(first)["erp:V-100"]]


def test_no_vendors_no_masters():
    result = resolve_vendors(frame(vendor("procurement", "1", "Acme")).iloc[:0])
    assert result.golden.empty and result.crosswalk.empty


SUPPLIERS = [  # one supplier spelled two ways with one tax id, a look-alike with another tax id
    {"id": "7", "name": "Acme Industrial Supply, Inc.", "tax_id": ACME_TAX, "bank_account": ACME_BANK},
    {"id": "8", "name": "ACME INDUSTRIAL SUPPLY", "tax_id": "311234567", "bank_account": ""},
    {"id": "9", "name": "Acme Industrial Supplies Inc", "tax_id": OTHER_TAX, "bank_account": ""},
]


def test_master_vendors_asset_merges_on_the_keyed_tax_id_and_stores_no_plaintext(hub_env, tmp_path, monkeypatch):
    """Coupa export -> extracted (tax id and bank account encrypted) -> mapped -> master/vendors, twice:
    the second run keeps the master ids of the first."""
    import dagster as dg

    from integration_hub.defs.erp.assets import Feed
    from integration_hub.defs.factory import build_entity_defs
    from integration_hub.defs.master.assets import MASTER_VENDORS, VENDOR_CROSSWALK, build_vendor_master_defs
    from integration_hub.defs.resources import default_resources
    from integration_hub.governance.phases import load_phases
    from integration_hub_tests.defs.phase2_exports import _write

    sources = tmp_path / "sources"
    monkeypatch.setenv("IH_SOURCE_DIR", str(sources))
    base = {"number": "", "status": "active", "payment_term": "Net 30", "email": "", "address_line1": "100 Industrial Pkwy",
            "address_line2": "", "city": "Dayton", "region": "OH", "postal_code": "45402", "country": "US",
            "remit_to_code": "", "created_at": "2026-02-01T10:00:00Z", "updated_at": "2026-02-01T10:00:00Z"}
    _write(sources / "procurement" / "suppliers.csv", [{**base, **row} for row in SUPPLIERS])
    from integration_hub.mapping.systems import load_systems

    system = next(s for s in load_systems() if s.name == "procurement")
    entity = next(e for e in system.entities if e.name == "suppliers")
    assets = [*build_entity_defs(system, entity, load_phases()["operations"]),
              *build_vendor_master_defs([Feed(entity)])]

    def run():
        with dg.DagsterInstance.ephemeral() as instance:
            result = dg.materialize(assets, instance=instance, resources=default_resources(),
                                    selection=dg.AssetSelection.all())
        assert result.success
        return result.asset_value(MASTER_VENDORS), result.asset_value(VENDOR_CROSSWALK)

    golden, crosswalk = run()
    masters = dict(zip(crosswalk["source_id"], crosswalk["master_external_id"]))
    assert masters["7"] == masters["8"] != masters["9"]
    acme = golden.set_index("external_id").loc[masters["7"]]
    assert (acme["tax_id_mask"], acme["bank_account_mask"]) == ("****4567", "****4321")
    again_golden, again = run()
    assert dict(zip(again["source_id"], again["master_external_id"])) == masters
    written = " ".join(p.read_bytes().decode("latin-1") for p in hub_env.rglob("*") if p.is_file())
    for plain in (ACME_TAX, "311234567", "1234567", OTHER_TAX, ACME_BANK, "987654321"):
        assert plain not in written and plain not in golden.astype(str).to_string() + crosswalk.astype(str).to_string()
