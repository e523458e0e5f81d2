"""Live Stripe runs that see a customer in one run and its charges in a later one lose nothing."""
from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.connectors.fakes.stripe_fake import StripeFake
from integration_hub.erp.ledger import SqlLedger
from integration_hub_tests.defs.conftest import checks_by_name, run_phase
from integration_hub_tests.defs.test_live_sources import BASE, charge, customer


def _loaded_charges() -> set[str]:
    payments = SqlLedger(settings().erp_url).read_back("payment")
    return set(payments.loc[payments["source_id"].str.startswith("ch_"), "source_id"])


def _held(store: HubStore, rule: str) -> set[str]:
    quarantine = store.quarantined(system="stripe", entity="charges", stage="loaded")
    return set(quarantine.loc[quarantine["rule"] == rule, "source_id"])


def test_charges_of_customers_loaded_by_an_earlier_run_load(company, instance, monkeypatch):
    with StripeFake({"customers": [customer(i) for i in range(5)], "charges": [], "refunds": []}) as fake:
        monkeypatch.setenv("STRIPE_API_KEY", fake.api_key)
        monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
        assert run_phase(instance).success
        # The next run re-reads only the newest customer (cus_0004); its charges name all five.
        fake.add("charges", *[charge(i, BASE + 1000 + i) for i in range(10)])
        second = run_phase(instance)
        assert second.success, [k for k, v in checks_by_name(second).items() if not v]
    assert _loaded_charges() == {f"ch_{i:05d}" for i in range(10)}
    assert not _held(HubStore(settings().hub_db_url), "customer_external_id.exists_in_erp")


def test_the_cursor_never_passes_a_charge_held_for_a_customer_not_yet_in_the_erp(company, instance, monkeypatch):
    orphan = {**charge(7, BASE + 2000), "id": "ch_early", "customer": "cus_0099"}
    with StripeFake({"customers": [customer(i) for i in range(5)], "refunds": [],
                     "charges": [charge(1, BASE + 1000), orphan, charge(2, BASE + 3000)]}) as fake:
        monkeypatch.setenv("STRIPE_API_KEY", fake.api_key)
        monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
        run_phase(instance)
        store = HubStore(settings().hub_db_url)
        assert _held(store, "customer_external_id.exists_in_erp") == {"ch_early"}
        assert store.get_cursor("stripe", "charges") == str(BASE + 2000)   # not BASE + 3000
        # The customer arrives later; the held charge is fetched again and loads.
        fake.add("customers", {**customer(99), "created": BASE + 5000})
        run_phase(instance)
        assert store.get_cursor("stripe", "charges") == str(BASE + 3000)
    assert {"ch_00001", "ch_early", "ch_00002"} <= _loaded_charges()
