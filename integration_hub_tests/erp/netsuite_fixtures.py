"""NetSuite target fixtures: the SuiteTalk REST fake and a target talking to it (import them into a test module)."""
from __future__ import annotations

import pytest

from integration_hub.connectors.fakes.netsuite_fake import NetSuiteFake
from integration_hub.connectors.http import build_session
from integration_hub.erp.netsuite import NetSuiteTarget
from integration_hub.erp.netsuite_auth import TokenCredentials

CREDS = TokenCredentials("1234567_SB1", "ck-abc", "cs-secret", "tk-def", "ts-secret")


@pytest.fixture
def fake():
    with NetSuiteFake(CREDS) as served:
        yield served


@pytest.fixture
def target(fake, postings):
    return NetSuiteTarget(CREDS, postings, base_url=fake.base_url, backoff=0,
                          session=build_session(system="netsuite", backoff_factor=0))
