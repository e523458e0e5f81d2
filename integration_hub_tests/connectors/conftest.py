"""TLS material for the local HTTPS fakes: one throwaway CA per test session (trustme)."""
from __future__ import annotations

import ssl

import pytest
import trustme


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture()
def server_tls(test_ca: trustme.CA) -> ssl.SSLContext:
    """Server-side context for 127.0.0.1/localhost, certificate issued by `test_ca`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    test_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context
