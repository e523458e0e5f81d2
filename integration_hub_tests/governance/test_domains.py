"""Data domains: owners that are data owners, systems of record survivorship follows, what a change touches."""
from __future__ import annotations

import json

import pytest
import yaml

from integration_hub.governance import master_data
from integration_hub.governance.access import load_policy
from integration_hub.governance.domains import DOMAINS_FILE, domains_touching, load_domains
from integration_hub.resolve.engine import resolve
from integration_hub_tests.resolve.conftest import make_records


def test_shipped_domains_name_their_owners_and_entities():
    domains = load_domains()
    assert {name: d.owner for name, d in domains.items()} == {
        "customers": "maria", "items": "maria", "vendors": "victor", "chart_of_accounts": "grace"}
    assert domains["customers"].entities == ("customer", "contact")
    assert domains["items"].entities == ("item",) and domains["vendors"].entities == ("vendor",)
    assert domains["chart_of_accounts"].rule_files == ("integration_hub/erp/tryton/bootstrap.py",)
    policy = load_policy()
    assert all("data_owner" in policy.accounts[d.owner].roles for d in domains.values())


def test_systems_of_record_are_those_survivorship_reads():
    domains = load_domains()
    config = master_data.resolver_config("customers")
    assert all(config.systems_of_record[field] == systems
               for field, systems in domains["customers"].systems_of_record.items())
    assert domains["vendors"].systems_of_record["identity"] == ("procurement",)
    assert domains["items"].systems_of_record == {"*": master_data.item_precedence()}


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("owner, why", [
    ("dana", "'dana' must be an active data_owner"),
    ("mallory", "'mallory' is not an account in"),
])
def test_an_owner_must_be_a_data_owner(tmp_path, owner, why):
    raw = yaml.safe_load(DOMAINS_FILE.read_text())
    raw["vendors"]["owner"] = owner
    path = _write(tmp_path, "domains.yaml", raw)
    with pytest.raises(ValueError) as error:
        load_domains(path)
    assert f"{path}: vendors.owner: " in str(error.value) and why in str(error.value)


def test_a_system_of_record_must_be_a_declared_system(tmp_path):
    raw = yaml.safe_load(master_data.MASTER_DATA_FILE.read_text())
    raw["customers"]["systems_of_record"]["email"] = ["billing", "salesforce"]
    path = _write(tmp_path, "master_data.yaml", raw)
    with pytest.raises(ValueError, match=r"customers\.systems_of_record\.email: not declared systems: "
                                         r"\['salesforce'\]") as error:
        load_domains(master_data_path=path)
    assert str(path) in str(error.value)


def test_an_unknown_entity_or_missing_rule_file_is_named(tmp_path):
    raw = yaml.safe_load(DOMAINS_FILE.read_text())
    raw["items"]["entities"] = ["item", "sku"]
    with pytest.raises(ValueError, match=r"items\.entities: not canonical entities: \['sku'\]"):
        load_domains(_write(tmp_path, "a.yaml", raw))
    raw["items"]["entities"] = ["item"]
    raw["items"]["rule_files"] = ["integration_hub/governance/items.yaml"]
    with pytest.raises(ValueError, match=r"items\.rule_files: no such file"):
        load_domains(_write(tmp_path, "b.yaml", raw))


@pytest.mark.parametrize("entities, files, touched", [
    (set(), {"integration_hub/defs/crm/accounts.mapping.yaml"}, ["customers"]),
    (set(), {"integration_hub/defs/crm/contacts.mapping.yaml"}, ["customers"]),
    (set(), {"integration_hub/defs/procurement/suppliers.mapping.yaml"}, ["vendors"]),
    (set(), {"integration_hub/erp/specs/acumatica/stock_item.yaml"}, ["items"]),
    (set(), {"integration_hub/erp/tryton/bootstrap.py"}, ["chart_of_accounts"]),
    (set(), {"integration_hub/governance/master_data.yaml"}, ["customers", "items", "vendors"]),
    ({"item"}, {"integration_hub/defs/bank/transactions.mapping.yaml"}, ["items"]),
    (set(), {"integration_hub/defs/bank/transactions.mapping.yaml", "integration_hub/defs/gone.mapping.yaml"}, []),
])
def test_domains_touching(entities, files, touched):
    assert [d.name for d in domains_touching(entities, files)] == touched


def _customer_records():
    common = {"email": "ap@fabrikam.com", "country": "US", "phone": "+1 415 555 0111", "street": "9 Pine St",
              "city": "San Francisco", "postal_code": "94104"}
    return make_records([{**common, "system": "crm", "source_id": "c1", "company": "Fabrikam Inc."},
                         {**common, "system": "billing", "source_id": "b1", "company": "Fabrikam Incorporated"},
                         {**common, "system": "stripe", "source_id": "s1", "company": "Fabrikam, Inc."}])


def test_survivorship_follows_the_declared_system_of_record(tmp_path):
    def golden_name(path):
        golden = resolve(_customer_records(), master_data.resolver_config("customers", path)).golden
        assert len(golden) == 1
        return golden.iloc[0]["company"], json.loads(golden.iloc[0]["field_sources"])["company"]["record"]

    assert load_domains()["customers"].systems_of_record["name"][0] == "crm"
    assert golden_name(master_data.MASTER_DATA_FILE) == ("Fabrikam Inc.", "crm:c1")
    raw = yaml.safe_load(master_data.MASTER_DATA_FILE.read_text())
    raw["customers"]["systems_of_record"]["name"] = ["billing", "crm", "stripe"]
    path = _write(tmp_path, "master_data.yaml", raw)
    assert load_domains(master_data_path=path)["customers"].systems_of_record["name"] == ("billing", "crm", "stripe")
    assert golden_name(path) == ("Fabrikam Incorporated", "billing:b1")
