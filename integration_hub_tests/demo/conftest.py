"""Generated companies shared by the demo tests (each generated once per session)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from integration_hub.demo import generate_company


class Company:
    """A generated company folder with small helpers to read it as the pipeline would."""

    def __init__(self, root: Path, manifest: dict):
        self.root = root
        self.manifest = manifest

    def csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.root / name, dtype=str, keep_default_na=False)

    def json(self, name: str) -> dict:
        return json.loads((self.root / name).read_text())


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Company:
    root = tmp_path_factory.mktemp("company_200")
    return Company(root, generate_company(root, scale=200, seed=42))


@pytest.fixture(scope="session")
def medium(tmp_path_factory) -> Company:
    root = tmp_path_factory.mktemp("company_3000")
    return Company(root, generate_company(root, scale=3000, seed=7))
