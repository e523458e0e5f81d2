"""Fixtures for pipeline tests: a generated company and an isolated hub environment per test."""
from __future__ import annotations

import shutil

import dagster as dg
import pytest

SCALE = 150


@pytest.fixture(scope="session")
def company_template(tmp_path_factory):
    """One generated sample company per test session; tests copy it before changing anything."""
    from integration_hub.demo import generate_company

    out = tmp_path_factory.mktemp("company") / "sample"
    generate_company(out, scale=SCALE, seed=7)
    return out


@pytest.fixture
def company(company_template, hub_env):
    """The generated company copied into this test's $IH_DATA_DIR/sample."""
    target = hub_env / "sample"
    shutil.copytree(company_template, target)
    return target


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def run_phase(instance, job="cash_phase", run_config=None):
    from integration_hub.definitions import build_definitions

    defs = build_definitions()
    return defs.resolve_job_def(job).execute_in_process(instance=instance, raise_on_error=False,
                                                        run_config=run_config or {})


def run_systems(instance, job: str):
    """A phase job's system stages only (extracted, cleaned, mapped): what its sources give, without
    the ERP load, which a phase refuses before the phases it depends on have loaded."""
    from integration_hub.definitions import build_definitions
    from integration_hub.governance.phases import load_phases

    defs = build_definitions()
    systems = load_phases()[job.removesuffix("_phase")].systems
    keys = dg.AssetSelection.groups(*systems).resolve(defs.resolve_asset_graph())
    return defs.resolve_job_def(job).execute_in_process(instance=instance, raise_on_error=False,
                                                        asset_selection=list(keys))


def checks_by_name(result) -> dict[tuple[str, str], bool]:
    return {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}


def metadata(result, node: str) -> dict:
    materializations = result.asset_materializations_for_node(node)
    assert materializations, f"{node} was not materialized"
    return {k: getattr(v, "value", v) for k, v in materializations[-1].metadata.items()}
