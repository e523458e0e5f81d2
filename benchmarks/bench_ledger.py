"""Benchmark the SQL ledger upsert: N synthetic payments into SQLite and PostgreSQL, then the same batch again.

    .venv/bin/python benchmarks/bench_ledger.py [--rows 1000000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Prints seconds and rows/s per step, and pandas.to_sql (default method) on 100k rows scaled
to N for comparison. PostgreSQL runs in a throwaway database created through the given
maintenance URL and dropped afterwards; pass --pg "" to skip it. Writes only to a temp dir.
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from integration_hub.erp.base import ENTITIES, summarize
from integration_hub.erp.ledger import SqlLedger, normalize_url
from integration_hub.erp.ledger_rules import prepare

TO_SQL_ROWS = 100_000


def payments(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = pd.Series(rng.permutation(n)).map("ch_{:010d}".format)
    paid = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 60 * 86_400, n), unit="s")
    fee = pd.array(rng.integers(30, 3_000, n), dtype="Int64")
    fee[rng.random(n) < 0.1] = pd.NA
    return pd.DataFrame({
        "external_id": "stripe:" + ids, "source_system": "stripe", "source_id": ids, "kind": "charge",
        "customer_external_id": "stripe:cus_" + pd.Series(rng.integers(0, 50_000, n)).astype(str),
        "amount_minor": rng.integers(100, 1_000_000, n), "fee_minor": fee,
        "currency": rng.choice(["USD", "EUR", "GBP"], n), "paid_at": paid, "status": "succeeded",
        "invoice_ref": "INV-" + pd.Series(rng.integers(0, 400_000, n)).astype(str).str.zfill(6),
        "payment_ref": None,
    })


def timed(label: str, rows: int, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<38} {seconds:8.2f} s  {rows / seconds:>12,.0f} rows/s")
    return result, seconds


def run(name: str, url: str, frame: pd.DataFrame) -> None:
    n = len(frame)
    print(f"{name}: {n:,} payments")
    ledger = SqlLedger(url)
    try:
        first, t1 = timed("upsert into empty ledger", n, lambda: ledger.upsert(
            "payment", frame, run_id="bench-1", mapping_version="v1"))
        print(f"    {summarize(first)}")
        again, t2 = timed("same batch again (all unchanged)", n, lambda: ledger.upsert(
            "payment", frame, run_id="bench-2", mapping_version="v1"))
        print(f"    {summarize(again)}")
        changed = frame.copy()
        changed.loc[changed.index[::10], "amount_minor"] += 1
        third, _ = timed("same batch, 10% changed", n, lambda: ledger.upsert(
            "payment", changed, run_id="bench-3", mapping_version="v1"))
        print(f"    {summarize(third)}")
        back, _ = timed("read_back all", n, lambda: ledger.read_back("payment"))
        assert len(back) == n
        some = frame["external_id"].sample(50_000, random_state=1)
        timed("read_back 50k ids", len(some), lambda: ledger.read_back("payment", some))

        small = frame.head(TO_SQL_ROWS)
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_to_sql")
        _, t_sql = timed(f"to_sql default, {TO_SQL_ROWS:,} rows", TO_SQL_ROWS, lambda: small.to_sql(
            "bench_to_sql", ledger.engine, index=False, chunksize=50_000))
        scaled = t_sql * n / TO_SQL_ROWS
        print(f"    to_sql scaled to {n:,} rows: {scaled:.1f} s, {scaled / t1:.1f}x the first upsert")
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE bench_to_sql")
    finally:
        ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="maintenance database URL; empty to skip PostgreSQL")
    args = parser.parse_args()
    frame = payments(args.rows)
    timed("rules + fingerprint only (prepare)", len(frame), lambda: prepare(ENTITIES["payment"], frame))
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'ledger.db'}", frame)
    if not args.pg:
        return
    admin = sa.create_engine(normalize_url(args.pg), isolation_level="AUTOCOMMIT")
    db = f"ih_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
    try:
        run("PostgreSQL", sa.make_url(normalize_url(args.pg)).set(database=db).render_as_string(False), frame)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
