"""Fault injection: run the demo in a child process, SIGKILL it at a named point, re-run, compare.

Fixtures (import them into the test module): crash_company, crash_keys, reference, site.

Children fork from a forkserver that has already imported the hub, Dagster and Great
Expectations, so a run costs its own work, not ~5 s of imports. Each run's output goes to
run-<n>.log in its data folder (shown when an assertion fails).
"""
from __future__ import annotations

import json
import multiprocessing
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

SCALE, SEED = 30, 7
KILLED = -9
PRELOAD = ["integration_hub.definitions", "integration_hub.cli", "integration_hub_tests.reliability.crash_run",
           "great_expectations", "great_expectations.expectations"]
ENTITIES = ("customer", "invoice", "payment", "bank_transaction")
CLEARED = ("IH_SOURCE_DIR", "IH_INBOX_DIR", "IH_HUB_DB_URL", "IH_ERP_URL", "DAGSTER_HOME", "STRIPE_API_BASE",
           "STRIPE_API_KEY", "BILLING_API_KEY", "BILLING_API_URL", "IH_KEY_FILE", "IH_ENCRYPTION_KEYS",
           "IH_ACTIVE_KEY_ID")

_context = None


def _forkserver():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


@dataclass
class Site:
    """One installation: its data folder (sample company, Dagster instance, SQLite stores) and store URLs."""
    root: Path
    keys: Path
    hub_url: str = ""
    erp_url: str = ""
    runs: int = field(default=0)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def env(self) -> dict[str, str | None]:
        env: dict[str, str | None] = {name: None for name in CLEARED}
        env.update(IH_DATA_DIR=str(self.data), IH_KEY_DIR=str(self.keys), IH_ERP_TARGET="ledger",
                   GX_ANALYTICS_ENABLED="False")
        if self.hub_url:
            env["IH_HUB_DB_URL"] = self.hub_url
        if self.erp_url:
            env["IH_ERP_URL"] = self.erp_url
        return env

    def hub(self) -> str:
        return self.hub_url or f"sqlite:///{self.data / 'hub.db'}"

    def erp(self) -> str:
        return self.erp_url or f"sqlite:///{self.data / 'ledger.db'}"

    def run(self, kill_at: str = "", timeout: float = 300) -> tuple[int, str]:
        """The demo in a child process, killed at `kill_at` ("" runs it to the end): exit code and log."""
        from integration_hub_tests.reliability import crash_run

        self.runs += 1
        log = self.root / f"run-{self.runs}.log"
        child = _forkserver().Process(target=crash_run.run, args=(
            kill_at, SCALE, SEED, self.env(), str(self.root), str(log)))
        child.start()
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()
            raise AssertionError(f"run {self.runs} (kill at {kill_at or 'nothing'}) hung for {timeout} s")
        return child.exitcode, log.read_text() if log.exists() else ""


@pytest.fixture(scope="session")
def crash_company(tmp_path_factory) -> Path:
    from integration_hub.demo import generate_company

    out = tmp_path_factory.mktemp("crash_company") / "sample"
    generate_company(out, scale=SCALE, seed=SEED)
    return out


@pytest.fixture(scope="session")
def crash_keys(tmp_path_factory) -> Path:
    """One key folder for every site, so encrypted values are the same key's in every run."""
    return tmp_path_factory.mktemp("crash_keys")


def new_site(root: Path, company: Path, keys: Path, **urls) -> Site:
    site = Site(root, keys, **urls)
    shutil.copytree(company, site.data / "sample")
    return site


@pytest.fixture(scope="session")
def reference(tmp_path_factory, crash_company, crash_keys) -> Snapshot:
    """The ERP and hub store of one clean, uninterrupted run on the same company."""
    site = new_site(tmp_path_factory.mktemp("clean_run"), crash_company, crash_keys)
    code, log = site.run()
    assert code == 0, log[-3000:]
    return snapshot(site)


@pytest.fixture
def site(tmp_path, crash_company, crash_keys) -> Site:
    return new_site(tmp_path, crash_company, crash_keys)


# --- what a run leaves behind ---------------------------------------------------------------

@dataclass
class Snapshot:
    records: dict[str, pd.DataFrame]        # entity -> external_id, content_hash, recomputed fingerprint
    applications: pd.DataFrame              # payment_external_id, invoice_external_id, applied_minor
    cursors: dict[tuple[str, str], str]
    source_keys: dict[str, pd.DataFrame]    # entity -> source_system, source_id per record (where held)


def snapshot(site: Site) -> Snapshot:
    from integration_hub.erp.base import fingerprint
    from integration_hub.erp.ledger import SqlLedger
    from integration_hub.erp.ledger_schema import PAYMENT_APPLICATIONS

    ledger = SqlLedger(site.erp())
    try:
        records, sources = {}, {}
        for entity in ENTITIES:
            held, stored = ledger.read_fingerprinted(entity)
            records[entity] = pd.DataFrame({
                "external_id": held["external_id"].astype(str).to_numpy(),
                "content_hash": stored.to_numpy(),
                "fingerprint": fingerprint(held, entity).to_numpy() if len(held) else []})
            keys = [c for c in ("source_system", "source_id") if c in held.columns]
            sources[entity] = held[keys].astype(str) if len(keys) == 2 else pd.DataFrame()
        with ledger.engine.connect() as conn:
            apps = pd.DataFrame(conn.execute(sa.select(
                PAYMENT_APPLICATIONS.c.payment_external_id, PAYMENT_APPLICATIONS.c.invoice_external_id,
                PAYMENT_APPLICATIONS.c.applied_minor)).fetchall(),
                columns=["payment_external_id", "invoice_external_id", "applied_minor"])
    finally:
        ledger.close()
    apps = apps.sort_values(["payment_external_id", "invoice_external_id"]).reset_index(drop=True)
    return Snapshot(records, apps, _cursors(site.hub()), sources)


def _cursors(hub_url: str) -> dict[tuple[str, str], str]:
    engine = sa.create_engine(hub_url)
    try:
        if not sa.inspect(engine).has_table("cursors"):
            return {}
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT system, entity, cursor FROM cursors")).fetchall()
        return {(r[0], r[1]): r[2] for r in rows}
    finally:
        engine.dispose()


@dataclass
class Comparison:
    equal: int = 0
    duplicates: int = 0
    lost: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def compare(got: Snapshot, want: Snapshot) -> Comparison:
    """Record by record: ids the clean run holds and this one lacks (lost), holds beyond it (extra),
    with other content (changed), and source records held twice (duplicates)."""
    out = Comparison()
    for entity in ENTITIES:
        mine, theirs = got.records[entity].set_index("external_id"), want.records[entity].set_index("external_id")
        out.duplicates += int(mine.index.duplicated().sum())
        if len(got.source_keys[entity]):
            out.duplicates += int(got.source_keys[entity].duplicated().sum())
        out.lost += [f"{entity} {i}" for i in theirs.index.difference(mine.index)]
        out.extra += [f"{entity} {i}" for i in mine.index.difference(theirs.index)]
        both = mine.index.intersection(theirs.index)
        differs = (mine.loc[both, "content_hash"] != theirs.loc[both, "content_hash"]) | \
                  (mine.loc[both, "fingerprint"] != theirs.loc[both, "fingerprint"])
        out.changed += [f"{entity} {i}" for i in both[differs.to_numpy()]]
        out.equal += int((~differs).sum())
    return out


def hub_problems(site: Site) -> list[str]:
    """What an auditor would find wrong in the hub store: open journal entries, loads without exactly
    one "erp.load" audit entry, ERP records without lineage, a chain or ledger `audit verify` fails."""
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.audit.lineage import with_lineage
    from integration_hub.audit.load_journal import PENDING, load_journal
    from integration_hub.canonical import registry
    from integration_hub.erp.ledger import SqlLedger

    problems = []
    engine = sa.create_engine(site.hub())
    trail = AuditTrail(engine)
    try:
        with engine.connect() as conn:
            journal = pd.DataFrame(conn.execute(sa.select(
                load_journal.c.run_id, load_journal.c.erp_entity, load_journal.c.status)).fetchall(),
                columns=["run_id", "erp_entity", "status"])
        pending = journal[journal["status"] == PENDING]
        problems += [f"journal: {r.erp_entity} load of run {r.run_id} still pending" for r in pending.itertuples()]
        entries = trail.entries()
        loads = entries[entries["action"] == "erp.load"]
        logged = pd.Series([(json.loads(d)["run_id"], o) for d, o in zip(loads["details"], loads["object"])],
                           dtype=object).value_counts()
        for r in journal.itertuples():
            n = int(logged.get((r.run_id, f"erp/{registry.get(r.erp_entity).plural}"), 0))
            if n != 1:
                problems.append(f"audit: {r.erp_entity} load of run {r.run_id} has {n} erp.load entries")
        ledger = SqlLedger(site.erp())
        try:
            for entity in ENTITIES:
                ids = ledger.read_back(entity)["external_id"].astype(str).tolist()
                missing = set(ids) - with_lineage(engine, entity, ids)
                if missing:
                    problems.append(f"lineage: {len(missing)} {entity} records without lineage, "
                                    f"e.g. {sorted(missing)[:3]}")
        finally:
            ledger.close()
    finally:
        trail.dispose()
        engine.dispose()
    code, text = audit_verify(site)
    if code != 0:
        problems.append(f"audit verify exit {code}: {text.strip()}")
    return problems


def run_statuses(site: Site) -> list[str]:
    """Status of every run in the site's Dagster instance, oldest first."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(site.data / "dagster")) as instance:
        return [r.status.value for r in reversed(instance.get_runs())]


def audit_verify(site: Site) -> tuple[int, str]:
    """`integration-hub audit verify` against this site's stores: exit code and output."""
    import contextlib
    import io
    import os

    from integration_hub.cli import main

    saved = {k: os.environ.get(k) for k in site.env()}
    out = io.StringIO()
    try:
        for name, value in site.env().items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["audit", "verify"])
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return code, out.getvalue()
