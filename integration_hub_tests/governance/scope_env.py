"""A copy of the system declarations and an empty hub store, for scope-lock and change-control tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from integration_hub.mapping.systems import DEFS_DIR


def copy_systems(target: Path) -> Path:
    """Every system folder (system.yaml and its specs) copied under `target`."""
    for declaration in sorted(DEFS_DIR.glob("*/system.yaml")):
        shutil.copytree(declaration.parent, target / declaration.parent.name)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def systems(tmp_path, monkeypatch) -> Path:
    folder = copy_systems(tmp_path / "defs")
    monkeypatch.setenv("IH_SYSTEMS_DIR", str(folder))
    return folder


@pytest.fixture
def store(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"
