"""Retention: how long the hub keeps operational evidence, and the purge that enforces it.

The default window is seven years, the usual retention for financial records; a table may
keep its rows longer or shorter (`IH_RETENTION_YEARS="7"` or `"7,api_calls=2"`, or a dict).
`purge` deletes only rows strictly older than now minus the window, never rows without a
timestamp, and never the audit chain: deleting chain entries would break its verification.
Instead each purge appends a "purge" entry to the chain saying what went (per table: cutoff,
row count, time span, runs touched), in the same transaction as the deletes.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail, engine_scope

DEFAULT_YEARS = 7
ENV_RETENTION = "IH_RETENTION_YEARS"
# Tables purge may shorten, and the column dating each row. The audit chain is deliberately absent.
PURGEABLE: dict[str, str] = {
    "quarantine": "created_at",
    "record_flags": "created_at",
    "api_calls": "timestamp",
    "lineage": "loaded_at",
    "run_metrics": "created_at",
    "run_failures": "failed_at",
}
RUN_ID_SAMPLE = 50

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    default_years: int = DEFAULT_YEARS
    per_table: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table, years in {"default": self.default_years, **self.per_table}.items():
            if isinstance(years, bool) or not isinstance(years, int) or years < 1:
                raise ValueError(f"retention for {table} must be a whole number of years >= 1, got {years!r}")
        unknown = set(self.per_table) - set(PURGEABLE)
        if unknown:
            raise ValueError(f"no retention applies to {', '.join(sorted(unknown))}; purgeable tables are "
                             f"{', '.join(PURGEABLE)} (the audit chain is never purged)")

    def years(self, table: str) -> int:
        return self.per_table.get(table, self.default_years)

    def cutoff(self, table: str, now: datetime) -> datetime:
        """The oldest instant still inside the window: rows dated before it may go."""
        return _years_before(now, self.years(table))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetentionPolicy:
        """`IH_RETENTION_YEARS`: a number of years for every table, `table=years` items, or both."""
        text = (os.environ if environ is None else environ).get(ENV_RETENTION, "").strip()
        default, per_table = DEFAULT_YEARS, {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            table, sep, years = item.rpartition("=")
            try:
                value = int(years)
            except ValueError:
                raise ValueError(f"{ENV_RETENTION} item {item!r}: years must be a whole number") from None
            if sep:
                per_table[table.strip()] = value
            else:
                default = value
        return cls(default, per_table)


@dataclass(frozen=True)
class PurgeReport:
    now: datetime
    dry_run: bool
    tables: dict[str, dict[str, Any]]
    chain_seq: int | None = None

    @property
    def total(self) -> int:
        return sum(t["rows"] for t in self.tables.values())


def purge(store: str | sa.Engine, now: datetime | None = None, dry_run: bool = False,
          policy: RetentionPolicy | None = None, actor: str = "system") -> PurgeReport:
    """Delete rows older than their table's window; report per table what was (or would be) removed."""
    policy = policy or RetentionPolicy.from_env()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    with engine_scope(store) as engine:
        summary, chain_seq = _purge(engine, policy, now, dry_run, actor)
    for name, info in summary.items():
        if info["rows"]:
            log.info("%s %d %s rows dated before %s (%s .. %s)", "would purge" if dry_run else "purged",
                     info["rows"], name, info["cutoff"], info["oldest"], info["newest"])
    return PurgeReport(now, dry_run, summary, chain_seq)


def _purge(engine: sa.Engine, policy: RetentionPolicy, now: datetime, dry_run: bool,
           actor: str) -> tuple[dict[str, dict[str, Any]], int | None]:
    existing = set(sa.inspect(engine).get_table_names())
    tables = {name: sa.Table(name, sa.MetaData(), autoload_with=engine) for name in PURGEABLE if name in existing}
    trail = AuditTrail(engine)
    with trail.locked() as conn:
        summary = {name: _summarize(conn, table, PURGEABLE[name], policy.cutoff(name, now))
                   for name, table in tables.items()}
        if dry_run or not any(s["rows"] for s in summary.values()):
            chain_seq = None
        else:
            for name, table in tables.items():
                if summary[name]["rows"]:
                    conn.execute(table.delete().where(table.c[PURGEABLE[name]] < policy.cutoff(name, now)))
            entry = trail.append(actor, "purge", "hub store retention", details={
                "now": now.isoformat(), "policy": {"default_years": policy.default_years, **policy.per_table},
                "removed": summary}, conn=conn)
            chain_seq = entry.seq
    return summary, chain_seq


def _summarize(conn: sa.Connection, table: sa.Table, column: str, cutoff: datetime) -> dict[str, Any]:
    old = table.c[column] < cutoff
    rows, oldest, newest = conn.execute(
        sa.select(sa.func.count(), sa.func.min(table.c[column]), sa.func.max(table.c[column])).where(old)).one()
    info: dict[str, Any] = {"cutoff": cutoff.isoformat(), "rows": int(rows),
                            "oldest": _iso(oldest), "newest": _iso(newest)}
    if "run_id" in table.c and rows:
        runs = conn.execute(sa.select(table.c.run_id).where(old).distinct().order_by(table.c.run_id)
                            .limit(RUN_ID_SAMPLE + 1)).scalars().all()
        info["run_ids"] = runs[:RUN_ID_SAMPLE]
        if len(runs) > RUN_ID_SAMPLE:
            info["run_ids_truncated"] = True
    return info


def _years_before(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year without one
        return now.replace(year=now.year - years, day=28)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite min()/max() return the stored text
        return value
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()
