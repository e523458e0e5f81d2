"""Choosing the ERP target from configuration."""
from __future__ import annotations

import pytest

from integration_hub.erp.acumatica import AcumaticaTarget
from integration_hub.erp.factory import KINDS, make_target
from integration_hub.erp.ledger import SqlLedger
from integration_hub.erp.netsuite import NetSuiteTarget

NETSUITE_ENV = {"NETSUITE_ACCOUNT_ID": "1234567_SB1", "NETSUITE_CONSUMER_KEY": "ck", "NETSUITE_CONSUMER_SECRET": "cs",
                "NETSUITE_TOKEN_ID": "tk", "NETSUITE_TOKEN_SECRET": "ts"}
ACUMATICA_ENV = {"ACUMATICA_URL": "https://erp.example.com", "ACUMATICA_USER": "u", "ACUMATICA_PASSWORD": "p",
                 "ACUMATICA_COMPANY": "Company"}


@pytest.fixture
def env(hub_env, monkeypatch):
    for name in ("IH_ERP_TARGET", "IH_ERP_CONCURRENCY", *NETSUITE_ENV, *ACUMATICA_ENV, "ACUMATICA_ENDPOINT_VERSION"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_ledger_is_the_default(env, hub_env):
    target = make_target()
    assert isinstance(target, SqlLedger) and str(hub_env) in target.url
    target.close()


def test_unknown_kind_lists_the_valid_ones(env):
    env.setenv("IH_ERP_TARGET", "sap")
    with pytest.raises(ValueError, match="unknown ERP target 'sap'.*ledger, netsuite, acumatica, tryton"):
        make_target()
    assert KINDS == ("ledger", "netsuite", "acumatica", "tryton")


def test_netsuite_from_the_environment(env, hub_env):
    for name, value in NETSUITE_ENV.items():
        env.setenv(name, value)
    env.setenv("IH_ERP_TARGET", "NetSuite")
    env.setenv("IH_ERP_CONCURRENCY", "3")
    target = make_target()
    assert isinstance(target, NetSuiteTarget)
    assert target.base_url == "https://1234567-sb1.suitetalk.api.netsuite.com" and target.concurrency == 3
    assert target.credentials.realm == "1234567_SB1"
    assert (hub_env / "hub.db").exists()  # the posting record lives in the hub store
    target.close()
    assert make_target("netsuite", "http://127.0.0.1:9").base_url == "http://127.0.0.1:9"


def test_missing_credentials_are_named(env):
    with pytest.raises(RuntimeError, match="NETSUITE_ACCOUNT_ID"):
        make_target("netsuite")
    with pytest.raises(RuntimeError, match="ACUMATICA_URL"):
        make_target("acumatica")


def test_acumatica_url_from_ih_erp_url_or_its_own_variable(env):
    for name, value in ACUMATICA_ENV.items():
        env.setenv(name, value)
    target = make_target("acumatica")
    assert isinstance(target, AcumaticaTarget) and target.endpoint == "https://erp.example.com/entity/Default/23.200.001"
    env.setenv("IH_ERP_URL", "https://other.example.com/")
    assert make_target("acumatica").base_url == "https://other.example.com"


def test_bad_concurrency_is_refused(env):
    for name, value in NETSUITE_ENV.items():
        env.setenv(name, value)
    env.setenv("IH_ERP_CONCURRENCY", "0")
    with pytest.raises(ValueError, match="IH_ERP_CONCURRENCY"):
        make_target("netsuite")


def test_tryton_needs_an_initialized_database(env, hub_env):
    pytest.importorskip("trytond")
    with pytest.raises(FileNotFoundError, match="init_database"):
        make_target("tryton")
