"""Cash phase at scale on SQLite and on PostgreSQL: wall time per stage and peak memory.

    python benchmarks/bench_cash_phase.py [--scale 50000] [--backends sqlite,postgres]

Each backend runs in its own subprocess (so peak RSS is that run's own) against the same
generated company. Target (issue 2): under 60 s end to end for 50,000 customers, about a
million transactions, on this 2-core machine. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def child(args) -> None:
    """Run the cash phase once with the environment the parent prepared; print JSON figures."""
    import dagster as dg
    import pandas as pd

    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings
    from integration_hub.definitions import defs
    from integration_hub.runner import run_job

    with dg.DagsterInstance.ephemeral() as instance:
        started = time.perf_counter()
        outcome = run_job(defs, "cash_phase", instance)
        wall = time.perf_counter() - started
        stats = instance.get_run_step_stats(outcome.run_id)
    steps = pd.DataFrame([{"step": s.step_key, "seconds": (s.end_time or 0) - (s.start_time or 0)} for s in stats])
    steps["stage"] = steps["step"].str.rsplit("__", n=1).str[-1].where(~steps["step"].str.startswith("erp__"), "loaded")
    steps.loc[steps["step"].str.contains("conservation|golive|error_budget|source_shape"), "stage"] = "checks"
    metrics = HubStore(settings().hub_db_url).metrics([outcome.run_id])
    print(json.dumps({
        "success": outcome.success, "wall_seconds": wall,
        "seconds_by_stage": steps.groupby("stage")["seconds"].sum().round(2).to_dict(),
        "rows_extracted": int(metrics.loc[metrics["stage"] == "extracted", "rows_out"].sum()),
        "rows_loaded": int(metrics.loc[metrics["stage"] == "loaded", "rows_out"].sum()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def _pg_databases(n: int) -> list[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    names = [f"ih_bench_{uuid.uuid4().hex[:10]}" for _ in range(n)]
    with engine.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return [PG_ADMIN.rsplit("/", 1)[0] + "/" + name for name in names]


def _drop(urls: list[str]) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for url in urls:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from integration_hub.demo import generate_company

    with tempfile.TemporaryDirectory(prefix="ih_bench_") as tmp:
        sample = Path(tmp) / "sample"
        started = time.perf_counter()
        generate_company(sample, scale=args.scale, seed=args.seed)
        print(f"generated scale={args.scale} in {time.perf_counter() - started:.1f} s")
        for backend in args.backends.split(","):
            env = {**os.environ, "IH_DATA_DIR": str(Path(tmp) / backend), "IH_SOURCE_DIR": str(sample),
                   "IH_KEY_DIR": str(Path(tmp) / "keys")}   # the run's encryption key dies with the temp dir
            databases: list[str] = []
            if backend == "postgres":
                databases = _pg_databases(2)
                env |= {"IH_HUB_DB_URL": databases[0], "IH_ERP_URL": databases[1]}
            try:
                out = subprocess.run([sys.executable, __file__, "--child"], env=env, capture_output=True,
                                     text=True, check=True)
            finally:
                _drop(databases)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"\n{backend}: success={figures['success']} wall={figures['wall_seconds']:.1f} s "
                  f"peak RSS={figures['peak_rss_mb']:.0f} MB rows extracted={figures['rows_extracted']} "
                  f"loaded={figures['rows_loaded']}")
            for stage, seconds in sorted(figures["seconds_by_stage"].items()):
                print(f"  {stage:<10} {seconds:8.2f} s")
            print(f"  ratio to the 60 s target: {figures['wall_seconds'] / 60:.2f}")


if __name__ == "__main__":
    main()
