"""What the order-to-cash round trip must show on every REST ERP target."""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub_tests.erp import orders_batch

# The ERP stamps its own creation time; the hub's created_at is not a field it accepts.
ERP_OWN = ("created_at",)


def load_all(target, run: str = "run-1") -> dict[str, pd.DataFrame]:
    """Every entity of the batch in load order, each order with its lines as load_entity gives them."""
    batch = dict(orders_batch.BATCH)
    out = {}
    for entity, build in orders_batch.BATCH:
        lines = registry.get(entity).lines
        out[entity] = target.upsert_with_lines(entity, build(), batch[lines](), run_id=run, mapping_version="test@v1") \
            if lines else target.upsert(entity, build(), run_id=run, mapping_version="test@v1")
    return out


def comparable(frame: pd.DataFrame, entity: str) -> pd.DataFrame:
    columns = [c for c in registry.get(entity).columns if c not in ERP_OWN]
    return frame.loc[:, columns].sort_values("external_id").reset_index(drop=True)


def assert_round_trip(target, entity: str, sent: pd.DataFrame) -> pd.DataFrame:
    """What the ERP holds for `entity` is what was sent: every canonical column, value and dtype."""
    held = target.read_back(entity)
    expected = comparable(sent, entity)
    got = comparable(held, entity)
    for column in expected:
        if expected[column].dtype == object:
            expected[column] = expected[column].astype(object).where(expected[column].notna(), None)
    pd.testing.assert_frame_equal(got, expected, check_dtype=True)
    for column in ERP_OWN:
        if column in held:
            assert held[column].notna().all() and str(held[column].dtype) == "datetime64[ns, UTC]"
    return held
