"""Damaged files fail with StatementFormatError and nothing else (seeded mutations of the samples)."""
from __future__ import annotations

import random

import pytest

from integration_hub.connectors.bank import StatementFormatError, parse_statement
from integration_hub_tests.connectors.bank.conftest import SAMPLES
from integration_hub_tests.connectors.bank.test_detect import CASES


def _mutate(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    kind = rng.choice(["byte", "cut", "truncate", "duplicate_line"])
    position = rng.randrange(len(damaged))
    if kind == "byte":
        damaged[position] = rng.choice(b"0123456789,./:?-<>DCRXN \n")
    elif kind == "cut":
        del damaged[position:position + rng.randint(1, 40)]
    elif kind == "truncate":
        del damaged[position:]
    else:
        lines = bytes(damaged).split(b"\n")
        lines.insert(rng.randrange(len(lines)), rng.choice(lines))
        damaged = bytearray(b"\n".join(lines))
    return bytes(damaged)


@pytest.mark.parametrize("name", [name for name, _ in CASES])
def test_damaged_samples_fail_only_with_statement_format_error(name: str, tmp_path) -> None:
    rng = random.Random(name)
    original = (SAMPLES / name).read_bytes()
    path = tmp_path / "damaged"
    failures = 0
    for _ in range(60):
        path.write_bytes(_mutate(rng, original))
        try:
            parse_statement(path)
        except StatementFormatError as exc:
            failures += 1
            assert exc.line >= 1
    assert failures > 0  # the mutations do break files, so the loop tested the error path
