"""A purchase order's vendor (procurement:<supplier id>) re-keyed to its master vendor, as customers are."""
import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.references import master_keys, reference_rejects, to_masters
from integration_hub.resolve.vendors import TAX_ID_HASH, resolve_vendors
from integration_hub.security.keyed_hash import keyed_hashes
from integration_hub.security.keys import Keyring


def test_purchase_orders_of_one_supplier_spelled_two_ways_name_one_master_vendor():
    keyring = Keyring.generate("k1")
    vendors = pd.DataFrame({
        "external_id": ["procurement:7", "procurement:8"], "source_system": "procurement", "source_id": ["7", "8"],
        "name": ["Acme Industrial Supply, Inc.", "ACME Industrial Supply"], "tax_id_mask": "****4567",
        "bank_account_mask": None, "email": None, "phone": None, "address_line1": None, "address_line2": None,
        "city": None, "region": None, "postal_code": None, "country": "US", "currency": None,
        "payment_terms": None, "status": "active", "created_at": pd.Timestamp("2026-01-01", tz="UTC")})
    vendors[TAX_ID_HASH] = keyed_hashes(pd.Series(["31-1234567", "311234567"]), "tax_id", keyring)
    master = resolve_vendors(vendors.astype({c: "string" for c in vendors.columns if c != "created_at"}))
    keys = master_keys(pd.DataFrame(columns=["source_external_id", "master_external_id"]), master.crosswalk)
    orders = pd.DataFrame({"external_id": ["procurement:10", "procurement:11", "procurement:12"],
                           "vendor_external_id": ["procurement:7", "procurement:8", "procurement:99"]})
    declared = registry.get("purchase_order")
    keyed = to_masters(orders, keys, [c for c, e in declared.references.items() if e == "vendor"])
    golden = master.golden["external_id"].tolist()
    assert len(golden) == 1 and keyed["vendor_external_id"].tolist()[:2] == golden * 2
    reasons = reference_rejects(keyed, declared, {"vendor_external_id": set(golden)})
    assert reasons.tolist() == ["", "", "vendor_external_id.exists_in_erp"]
