"""Shared fixtures: a generated sample company and its resolution (built once per test session)."""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.demo import generate_company
from integration_hub.resolve.engine import ResolverConfig, resolve
from integration_hub.resolve.records import ROLES
from integration_hub.resolve.sources import customer_records


@pytest.fixture(scope="session")
def company(tmp_path_factory):
    out = tmp_path_factory.mktemp("company")
    generate_company(out, scale=1500, seed=3)
    return out


@pytest.fixture(scope="session")
def resolved(company):
    records = customer_records(company)
    truth = pd.read_csv(company / "truth" / "customer_truth.csv", dtype=str, keep_default_na=False)
    return records, resolve(records, ResolverConfig()), truth


def make_records(rows: list[dict]) -> pd.DataFrame:
    """The record model from hand-written rows: each needs system and source_id; roles optional."""
    frame = pd.DataFrame(rows)
    for role in ROLES:
        if role not in frame.columns:
            frame[role] = pd.NA
    frame = frame.astype({role: "string" for role in ROLES})
    frame["source_id"] = frame["source_id"].astype("string")
    frame["record_key"] = frame["system"] + ":" + frame["source_id"]
    return frame


def cluster_of(resolution, key: str) -> str:
    crosswalk = resolution.crosswalk
    return crosswalk.loc[crosswalk["record_key"] == key, "master_id"].item()
