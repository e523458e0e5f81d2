"""One request budget per vendor, shared by every process and overlapping run on the hub store.

Vendors meter an app (an API user, a shop) as a whole: two Dagster runs syncing the same
Shopify store at once, or a run and a backfill in two processes, spend one allowance. A
budget kept in memory would let each of them go at full speed; this one lives in the hub
store database (SQLite by default, PostgreSQL for teams) so they all queue on it.

The budget is a sliding window: table `request_budget` holds, per vendor, the times of the
slots granted during the last second (plus `margin`). A request takes a slot when fewer
than `per_second` were granted in that window, otherwise it sleeps until the oldest one
leaves it. The slot is taken in one short transaction that holds the vendor's row alone:
`BEGIN IMMEDIATE` on SQLite (the database's write lock), `SELECT ... FOR UPDATE` on
PostgreSQL. Times are each caller's wall clock: processes on several hosts sharing one
PostgreSQL store need synchronised clocks (NTP).

A grant is kept for 1 s + `margin` (50 ms): the margin absorbs the time between taking a slot
and the request reaching the vendor, so the vendor's own one-second windows never count more
than `per_second` even when a request is held up on its way out.

Limits: `per_second` when given, else `IH_<VENDOR>_REQUESTS_PER_SECOND` (IH_SHOPIFY_REQUESTS_PER_SECOND,
IH_SALESFORCE_REQUESTS_PER_SECOND), else DEFAULT_REQUESTS_PER_SECOND:

- shopify: 2, the request rate Shopify documents for the REST Admin API on the standard plan
  (the GraphQL Admin API is metered by query cost, which ShopifyClient paces separately from the
  throttleStatus each answer reports; this budget bounds the request count on top).
- salesforce: 10. Salesforce documents no per-second rate, only a rolling 24-hour allocation and
  25 concurrent requests longer than 20 s; 10 a second is the hub's own choice, to keep a
  backfill from spending the org's daily allocation in minutes.
- shipbob: 2.5, ShipBob's 150 requests a minute (sliding window, per user and application);
  whole slots make it 2 a second, 120 a minute.
- easypost: 5, the fixed rate EasyPost documents for its index (list) endpoints.
- coupa: 25, the rate Coupa documents for its API (bursts of 20 calls are queued).
- bamboohr: 5. BambooHR publishes no rate (it throttles with 503 and Retry-After); 5 a second
  is the hub's own choice, for the one call per employee an extraction makes.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import sqlalchemy as sa

DEFAULT_REQUESTS_PER_SECOND: dict[str, float] = {"shopify": 2, "salesforce": 10, "shipbob": 2.5, "easypost": 5,
                                                  "coupa": 25, "bamboohr": 5}
WINDOW_SECONDS = 1.0
DEFAULT_MARGIN_SECONDS = 0.05

metadata = sa.MetaData()
request_budget = sa.Table(
    "request_budget", metadata,
    sa.Column("vendor", sa.String(64), primary_key=True),
    sa.Column("grants", sa.Text, nullable=False),   # JSON list of epoch seconds, slots granted within the window
)


def requests_per_second(vendor: str, environ: dict[str, str] | None = None) -> float:
    """The vendor's limit: IH_<VENDOR>_REQUESTS_PER_SECOND when set, else the documented default."""
    env = os.environ if environ is None else environ
    name = f"IH_{vendor.upper()}_REQUESTS_PER_SECOND"
    text = env.get(name)
    if text:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name}={text!r} is not a number of requests per second") from None
        if value <= 0:
            raise ValueError(f"{name}={text!r}: the limit must be above 0")
        return value
    if vendor not in DEFAULT_REQUESTS_PER_SECOND:
        raise ValueError(f"no request limit known for {vendor!r}: pass per_second or set {name}")
    return DEFAULT_REQUESTS_PER_SECOND[vendor]


class RequestBudget:
    """`per_second` requests a second for `vendor`, across every holder of a budget on `engine`.

    `acquire()` blocks until a slot is free; build_session(budget=...) calls it before each
    request, retries included.
    """

    def __init__(self, engine: sa.engine.Engine, vendor: str, per_second: float | None = None, *,
                 margin: float = DEFAULT_MARGIN_SECONDS, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine, self.vendor = engine, vendor
        self.per_second = per_second if per_second is not None else requests_per_second(vendor)
        if self.per_second <= 0:
            raise ValueError(f"per_second must be above 0, got {self.per_second}")
        # A fractional limit rounds down: 2.5/s allows 2 a second, 0.5/s one per 2 seconds.
        self._slots = max(1, int(self.per_second))
        self._window = max(WINDOW_SECONDS, self._slots / self.per_second) + margin
        self._sleep, self._clock = sleep, clock
        self.waited = 0.0     # seconds this holder spent waiting for slots
        _create_table(engine)
        self._sqlite = engine.dialect.name == "sqlite"

    def __repr__(self) -> str:
        return f"RequestBudget({self.vendor!r}, per_second={self.per_second})"

    def acquire(self) -> float:
        """Take a slot, sleeping while the window is full; returns the seconds waited."""
        waited = 0.0
        while (wait := self._try_take()) > 0:
            self._sleep(wait)
            waited += wait
        self.waited += waited
        return waited

    def _try_take(self) -> float:
        """Take a slot now and return 0, or return how long until one frees up."""
        with self._locked() as conn:
            text = conn.execute(self._select()).scalar()
            now = self._clock()
            grants = sorted(g for g in json.loads(text or "[]") if g > now - self._window)
            wait = 0.0
            if len(grants) < self._slots:
                grants.append(now)
            else:
                wait = max(grants[-self._slots] + self._window - now, 0.001)
            conn.execute(request_budget.update().where(request_budget.c.vendor == self.vendor)
                         .values(grants=json.dumps(grants)))
        return wait

    def _select(self) -> sa.Select:
        query = sa.select(request_budget.c.grants).where(request_budget.c.vendor == self.vendor)
        return query if self._sqlite else query.with_for_update()

    def _locked(self):
        return _SqliteImmediate(self.engine, self.vendor) if self._sqlite else _PostgresRow(self.engine, self.vendor)


def _create_table(engine: sa.engine.Engine) -> None:
    """CREATE TABLE IF NOT EXISTS, safe when several processes start at once.

    metadata.create_all checks, then creates: two processes can both see no table. Even IF NOT
    EXISTS can lose a race on PostgreSQL (a duplicate catalog entry), after which the table exists.
    """
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.CreateTable(request_budget, if_not_exists=True))
    except sa.exc.DBAPIError:
        if not sa.inspect(engine).has_table(request_budget.name):
            raise


class _PostgresRow:
    """A transaction in which the vendor's row exists (created race-free) and is locked by the caller's FOR UPDATE."""

    def __init__(self, engine: sa.engine.Engine, vendor: str) -> None:
        self._engine, self._vendor = engine, vendor

    def __enter__(self) -> sa.Connection:
        from sqlalchemy.dialects.postgresql import insert

        self._context = self._engine.begin()
        conn = self._context.__enter__()
        conn.execute(insert(request_budget).values(vendor=self._vendor, grants="[]")
                     .on_conflict_do_nothing(index_elements=["vendor"]))
        return conn

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)


class _SqliteImmediate:
    """BEGIN IMMEDIATE ... COMMIT on a connection the driver does not manage transactions for.

    pysqlite would open a deferred transaction itself, which takes the write lock only at the
    first write: two processes could then both read the same window. AUTOCOMMIT hands BEGIN to us.
    """

    def __init__(self, engine: sa.engine.Engine, vendor: str) -> None:
        self._engine, self._vendor = engine, vendor

    def __enter__(self) -> sa.Connection:
        self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._conn.exec_driver_sql("BEGIN IMMEDIATE")
        self._conn.execute(sa.insert(request_budget).prefix_with("OR IGNORE").values(vendor=self._vendor, grants="[]"))
        return self._conn

    def __exit__(self, exc_type, *exc: object) -> None:
        try:
            self._conn.exec_driver_sql("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._conn.close()
