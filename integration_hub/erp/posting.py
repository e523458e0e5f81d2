"""The hub-side posting record: what was posted to which ERP, so nothing is posted twice.

One row per (target, entity, external_id) in the hub store database: the content
fingerprint last posted, the ERP's own id for the document, when and by which run.
Every ERP adapter asks `plan` before posting: an unchanged fingerprint is not sent again,
a known document with a new fingerprint is updated (by its ERP id where the ERP needs it),
an unknown one is created. Only what the ERP accepted is recorded.

Lines written into their parent's document when the parent was created (a sales order's
item lines travel with the order's create) are kept aside, in `erp_written_with_parent`,
until the line load reports them: that load then knows they are in the ERP and sends them
no second time. Recording a line's posting clears it from there; `retire` forgets lines the
ERP no longer holds (removed from their parent's document).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import sqlalchemy as sa

from integration_hub.config import ensure_sqlite_dir, normalize_db_url
from integration_hub.canonical import registry
from integration_hub.erp.base import OUTCOME_COLUMNS, LoadOutcome, fingerprint

metadata = sa.MetaData()

POSTINGS = sa.Table(
    "erp_postings", metadata,
    sa.Column("target", sa.String(32), primary_key=True),
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("external_id", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("erp_id", sa.Text),
    sa.Column("mapping_version", sa.Text),
    sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(64)),
)

WRITTEN_WITH_PARENT = sa.Table(
    "erp_written_with_parent", metadata,
    sa.Column("target", sa.String(32), primary_key=True),
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("external_id", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("erp_id", sa.Text, nullable=False),        # the parent document's ERP id
    sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(64)),
)

POSTING_COLUMNS = ("external_id", "fingerprint", "erp_id", "mapping_version", "posted_at", "run_id")
# Bound parameters per statement stay well under SQLite's limit (32766) and PostgreSQL's (65535).
_CHUNK = 5000


class PostingLog:
    """Posting records in the hub store at `url` (SQLAlchemy URL); creates its table on first use."""

    def __init__(self, url: str) -> None:
        url = normalize_db_url(url)
        ensure_sqlite_dir(url)
        self.engine = sa.create_engine(url)
        metadata.create_all(self.engine)

    def postings(self, target: str, entity: str, external_ids=None) -> pd.DataFrame:
        """POSTING_COLUMNS for `target`/`entity`, optionally only `external_ids` (posted_at as UTC)."""
        table = POSTINGS
        base = sa.select(*[table.c[c] for c in POSTING_COLUMNS]).where(
            table.c.target == target, table.c.entity == entity)
        frames = []
        with self.engine.connect() as conn:
            if external_ids is None:
                frames.append(pd.DataFrame(conn.execute(base).fetchall(), columns=list(POSTING_COLUMNS)))
            else:
                ids = list(dict.fromkeys(str(i) for i in external_ids))
                for start in range(0, len(ids), _CHUNK):
                    query = base.where(table.c.external_id.in_(ids[start:start + _CHUNK]))
                    frames.append(pd.DataFrame(conn.execute(query).fetchall(), columns=list(POSTING_COLUMNS)))
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(POSTING_COLUMNS))
        out["posted_at"] = pd.to_datetime(out["posted_at"], utc=True)
        return out

    def plan(self, target: str, entity: str, records: pd.DataFrame) -> pd.DataFrame:
        """For `records` (external_id, fingerprint): their erp_id and action create|update|unchanged.

        Same index as `records`.
        """
        known = self.postings(target, entity, records["external_id"]).set_index("external_id")
        erp_id = records["external_id"].map(known["erp_id"])
        previous = records["external_id"].map(known["fingerprint"])
        action = pd.Series("create", index=records.index, dtype=object)
        action[previous.notna()] = "update"
        action[previous.notna() & (previous == records["fingerprint"])] = "unchanged"
        return pd.DataFrame({"external_id": records["external_id"], "fingerprint": records["fingerprint"],
                             "erp_id": erp_id.astype(object).where(erp_id.notna(), None), "action": action})

    def screen(self, target: str, entity: str, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The check before posting a batch: (outcomes, to_post).

        `outcomes` (OUTCOME_COLUMNS, the input's index) already says "rejected" for records
        without an external_id or repeating one earlier in the batch and "unchanged" for those
        posted before with the same content; the others are left for the ERP (outcome None).
        `to_post` is their plan: external_id, fingerprint, erp_id, action create|update.
        """
        absent = [c for c in registry.get(entity).columns if c not in records.columns]
        if absent:
            raise ValueError(f"{entity} records lack canonical columns {absent}")
        ids = records["external_id"]
        out = pd.DataFrame({"external_id": ids.to_numpy(dtype=object), "outcome": None, "message": ""},
                           index=records.index).loc[:, list(OUTCOME_COLUMNS)]
        blank = (ids.isna() | ids.astype("string").str.strip().eq("")).fillna(True).astype(bool)
        repeated = ids.duplicated(keep="first") & ~blank
        rejected = LoadOutcome.REJECTED.value
        out.loc[blank, ["outcome", "message"]] = [rejected, f"{entity}: missing external_id"]
        out.loc[repeated, ["outcome", "message"]] = [rejected, f"{entity}: duplicate external_id in batch"]
        candidates = records[~blank & ~repeated]
        plan = self.plan(target, entity, pd.DataFrame(
            {"external_id": candidates["external_id"].astype(str), "fingerprint": fingerprint(candidates, entity)}))
        out.loc[plan.index[plan["action"] == "unchanged"], "outcome"] = LoadOutcome.UNCHANGED.value
        return out, plan[plan["action"] != "unchanged"]

    def record(self, target: str, entity: str, posted: pd.DataFrame, *, run_id: str | None,
               mapping_version: str | None) -> int:
        """Remember what the ERP accepted: `posted` has external_id, fingerprint, erp_id."""
        if posted.empty:
            return 0
        now = datetime.now(timezone.utc)
        rows = [{"target": target, "entity": entity, "external_id": str(r.external_id),
                 "fingerprint": str(r.fingerprint), "erp_id": None if pd.isna(r.erp_id) else str(r.erp_id),
                 "mapping_version": mapping_version, "posted_at": now, "run_id": run_id}
                for r in posted[["external_id", "fingerprint", "erp_id"]].itertuples(index=False)]
        keys = [{"t": target, "e": entity, "x": r["external_id"]} for r in rows]
        with self.engine.begin() as conn:
            conn.execute(POSTINGS.delete().where(_key(POSTINGS)), keys)
            conn.execute(POSTINGS.insert(), rows)
            conn.execute(WRITTEN_WITH_PARENT.delete().where(_key(WRITTEN_WITH_PARENT)), keys)
        return len(rows)

    def record_with_parent(self, target: str, entity: str, lines: pd.DataFrame, *, run_id: str | None) -> int:
        """Remember lines the ERP took inside their parent's create: `lines` has external_id,
        fingerprint and erp_id (the parent's); the line load reports and records them."""
        if lines.empty:
            return 0
        now = datetime.now(timezone.utc)
        rows = [{"target": target, "entity": entity, "external_id": str(r.external_id),
                 "fingerprint": str(r.fingerprint), "erp_id": str(r.erp_id), "written_at": now, "run_id": run_id}
                for r in lines[["external_id", "fingerprint", "erp_id"]].itertuples(index=False)]
        with self.engine.begin() as conn:
            conn.execute(WRITTEN_WITH_PARENT.delete().where(_key(WRITTEN_WITH_PARENT)),
                         [{"t": target, "e": entity, "x": r["external_id"]} for r in rows])
            conn.execute(WRITTEN_WITH_PARENT.insert(), rows)
        return len(rows)

    def written_with_parent(self, target: str, entity: str, external_ids) -> pd.DataFrame:
        """external_id, fingerprint, erp_id of `external_ids` written with their parent and not yet recorded."""
        table = WRITTEN_WITH_PARENT
        base = sa.select(table.c.external_id, table.c.fingerprint, table.c.erp_id).where(
            table.c.target == target, table.c.entity == entity)
        return self._select(base, table.c.external_id, external_ids, ["external_id", "fingerprint", "erp_id"])

    def held_under(self, target: str, entity: str, parent_erp_ids) -> pd.DataFrame:
        """external_id, erp_id of every `entity` record posted, or written with its parent, under one
        of `parent_erp_ids`: the lines each parent document holds as far as the hub knows."""
        frames = []
        for table in (POSTINGS, WRITTEN_WITH_PARENT):
            base = sa.select(table.c.external_id, table.c.erp_id).where(
                table.c.target == target, table.c.entity == entity)
            frames.append(self._select(base, table.c.erp_id, parent_erp_ids, ["external_id", "erp_id"]))
        return pd.concat(frames, ignore_index=True).drop_duplicates("external_id")

    def retire(self, target: str, entity: str, external_ids) -> int:
        """Forget records the ERP no longer holds (lines removed from their parent's document)."""
        keys = [{"t": target, "e": entity, "x": str(i)} for i in dict.fromkeys(external_ids)]
        if not keys:
            return 0
        with self.engine.begin() as conn:
            for table in (POSTINGS, WRITTEN_WITH_PARENT):
                conn.execute(table.delete().where(_key(table)), keys)
        return len(keys)

    def _select(self, base: sa.Select, column: sa.Column, values, columns: list[str]) -> pd.DataFrame:
        """Rows of `base` whose `column` is one of `values`, fetched in chunks."""
        values = list(dict.fromkeys(str(v) for v in values))
        frames = [pd.DataFrame(columns=columns)]
        with self.engine.connect() as conn:
            for start in range(0, len(values), _CHUNK):
                query = base.where(column.in_(values[start:start + _CHUNK]))
                frames.append(pd.DataFrame(conn.execute(query).fetchall(), columns=columns))
        return pd.concat([f for f in frames[1:] if len(f)] or frames[:1], ignore_index=True)

    def close(self) -> None:
        self.engine.dispose()


def _key(table: sa.Table) -> sa.ColumnElement:
    """A row of `table` by its (target, entity, external_id) key, bound as t, e, x."""
    return sa.and_(table.c.target == sa.bindparam("t"), table.c.entity == sa.bindparam("e"),
                   table.c.external_id == sa.bindparam("x"))
