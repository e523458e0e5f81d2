"""Fixtures of the command-line tests."""
import pytest

from integration_hub.cli import main


@pytest.fixture(scope="session")
def export(tmp_path_factory):
    """A generated company's exports (60 customers, seed 5), written once for all the CLI tests."""
    out = tmp_path_factory.mktemp("co")
    assert main(["generate", "--scale", "60", "--seed", "5", "--out", str(out)]) == 0
    return out
