"""Sample statements (published examples, see each file's header or the test citing it)."""
from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"


def sample_text(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line starting (after indentation) with `needle`,
    counted independently of the parsers so line assertions check them, not echo them."""
    hits = [number for number, line in enumerate(text.split("\n"), 1) if line.lstrip().startswith(needle)]
    return hits[occurrence - 1]


@pytest.fixture()
def write(tmp_path: Path):
    """Write text under tmp_path and return the path (tests never write into the repo)."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return _write
