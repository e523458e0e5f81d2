"""Acumatica target fixtures: the contract-based REST fake and a target talking to it (import them into a test module)."""
from __future__ import annotations

import pytest

from integration_hub.connectors.fakes.acumatica_fake import AcumaticaFake
from integration_hub.connectors.http import build_session
from integration_hub.erp.acumatica import AcumaticaTarget

USER, PASSWORD, COMPANY = "hub-api", "s3cret!", "Company"


@pytest.fixture
def fake():
    with AcumaticaFake(USER, PASSWORD, COMPANY) as served:
        yield served


@pytest.fixture
def target(fake, postings):
    return AcumaticaTarget(fake.base_url, USER, PASSWORD, COMPANY, postings,
                           session=build_session(system="acumatica", backoff_factor=0))
