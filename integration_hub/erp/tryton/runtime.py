"""Running Tryton in the hub's process: which database, and how the trytond server is configured.

trytond is configured per process: its database backend is fixed when `trytond.backend` is
first imported, so one process talks to SQLite or to PostgreSQL Tryton databases, not both.
A SQLite database is a file `<dir>/<name>.sqlite`; trytond finds it by name in its
`database.path` folder, so databases used together in one process should share a folder or
have distinct names.

Two server settings differ from trytond's defaults, both set here and nowhere else:
- `queue.worker` is on, so work Tryton queues (rendering invoice reports on posting) waits for
  a Tryton worker instead of running inside the load; `run_queue` runs the queued bookkeeping
  (marking invoices paid) that read-back depends on.
- E-mail addresses are checked for syntax only. Tryton's default also asks DNS whether the
  domain accepts mail, which makes a load depend on network access; the hub validates
  addresses when it cleans them.
"""
from __future__ import annotations

import functools
import sqlite3
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

# Queued tasks the load leaves to a Tryton worker: documents for people, not bookkeeping.
DEFERRED_TASKS = frozenset({"print_invoice"})


@dataclass(frozen=True)
class TrytonDatabase:
    """Where a Tryton database lives: backend uri, SQLite folder (if any) and database name."""

    uri: str
    name: str
    folder: Path | None = None

    @property
    def backend(self) -> str:
        return urllib.parse.urlparse(self.uri).scheme

    @property
    def sqlite_file(self) -> Path | None:
        return self.folder / f"{self.name}.sqlite" if self.folder else None


def locate(db_url_or_path: str | Path) -> TrytonDatabase:
    """`sqlite:///dir/name.sqlite`, a path to such a file, or `postgresql://user@host:port/name`."""
    text = str(db_url_or_path)
    if text.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(text)
        name = parts.path.strip("/")
        if not name:
            raise ValueError(f"Tryton PostgreSQL URL {text!r} names no database")
        return TrytonDatabase(urllib.parse.urlunsplit(("postgresql", parts.netloc, "/", "", "")), name)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):]
    elif "://" in text:
        raise ValueError(f"Tryton databases are SQLite files or PostgreSQL URLs, not {text!r}")
    path = Path(text)
    if path.suffix != ".sqlite":
        path = path.with_name(path.name + ".sqlite")
    return TrytonDatabase("sqlite://", path.stem, path.resolve().parent)


def copy_sqlite(source: str | Path, target: str | Path) -> None:
    """A consistent copy of a SQLite Tryton database, including what still sits in its write-ahead log."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def configure(database: TrytonDatabase) -> None:
    """Point this process's trytond at `database` (see the module docstring for what is set)."""
    from trytond import config

    current = urllib.parse.urlparse(config.get("database", "uri", default="") or "").scheme
    if "trytond.backend" in sys.modules and current and current != database.backend:
        raise RuntimeError(f"this process already runs Tryton on {current}; {database.backend} needs another process")
    config.set("database", "uri", database.uri)
    if database.folder is not None:
        database.folder.mkdir(parents=True, exist_ok=True)
        config.set("database", "path", str(database.folder))
    config.set("queue", "worker", "True")
    _syntax_only_email_check()


@functools.cache
def _syntax_only_email_check() -> None:
    from trytond.modules.party import contact_mechanism
    from trytond.tools.email_ import validate_email

    contact_mechanism.validate_email = functools.partial(validate_email, check_deliverability=False)


def connect(database: TrytonDatabase):
    """A proteus configuration on `database` as its admin user, warnings answered yes."""
    from proteus import config as proteus_config

    configure(database)
    cfg = proteus_config.set_trytond(f"{database.uri.rstrip('/')}/{database.name}" if database.folder is None
                                     else f"sqlite:///{database.name}")
    cfg.skip_warning = True
    return cfg


def in_transaction(database: TrytonDatabase, user: int, context: dict, work, *, locks: dict | None = None):
    """`work(pool)` in one trytond transaction, committed.

    Tryton takes locks lazily: when code needs one the transaction did not start with, it
    aborts and is run again with that lock (what its RPC layer does, and so does this).
    `locks` ({"tables": [...], "records": {table: ids}}) are taken from the start instead, so
    a batch known to need them is not run several times over.
    """
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError

    extras: dict = {}
    if locks:
        extras = {"_lock_tables": list(locks.get("tables", ())),
                  "_lock_records": {t: list(ids) for t, ids in locks.get("records", {}).items()}}
    context = {**context, "_skip_warnings": True}
    while True:
        with Transaction().start(database.name, user, context=context, **extras) as transaction:
            try:
                result = work(Pool(database.name))
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
            return result


def run_queue(database: TrytonDatabase) -> int:
    """Run the tasks Tryton queued, as its worker would, except DEFERRED_TASKS; returns how many ran."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.worker import run_task

    with Transaction().start(database.name, 0, readonly=True):
        tasks = Pool(database.name).get("ir.queue").search([("dequeued_at", "=", None)], order=[("id", "ASC")])
        due = [t.id for t in tasks if t.data.get("method") not in DEFERRED_TASKS]
    for task_id in due:
        run_task(database.name, task_id)
    return len(due)
