"""NetSuite procure-to-ship against the SuiteTalk REST fake: vendors, purchase orders written
with their item lines, employees under their supervisors, stock levels and shipments as the
hub's custom records, and item fulfillments transformed from their sales orders."""
from __future__ import annotations

import json
import re
import time

import pandas as pd
import pytest

from integration_hub.connectors.fakes.netsuite_fake import NetSuiteFake
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import build_session
from integration_hub.erp.netsuite import NetSuiteTarget, encode_external_id
from integration_hub.erp.netsuite_auth import TokenCredentials
from integration_hub.erp.posting import PostingLog
from integration_hub_tests.erp import operations_batch as batch
from integration_hub_tests.erp.order_checks import assert_round_trip

CREDS = TokenCredentials("1234567_SB1", "ck-abc", "cs-secret", "tk-def", "ts-secret")
RECORD = "/services/rest/record/v1"


@pytest.fixture
def postings(tmp_path):
    log = PostingLog(f"sqlite:///{tmp_path / 'hub.db'}")
    yield log
    log.close()


@pytest.fixture
def fake():
    with NetSuiteFake(CREDS) as served:
        yield served


@pytest.fixture
def target(fake, postings):
    return NetSuiteTarget(CREDS, postings, base_url=fake.base_url, backoff=0,
                          session=build_session(system="netsuite", backoff_factor=0))


def stored(fake, record, external_id):
    return fake.by_external_id(record, encode_external_id(external_id))


def line_keys(document):
    return [line["custcol_hub_line_key"] for line in document["item"]["items"]]


def upsert(target, entity, frame, run="r2"):
    return target.upsert(entity, frame, run_id=run, mapping_version="v").set_index("external_id")


@pytest.mark.parametrize("entity", batch.NEW)
def test_every_entity_reads_back_as_it_was_sent(target, entity):
    outcomes = batch.load_all(target)
    assert all((o["outcome"] == "created").all() for o in outcomes.values()), outcomes
    assert_round_trip(target, entity, dict(batch.BATCH)[entity]())
