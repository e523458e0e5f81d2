"""The quarterly access review: accounts gone quiet or departed, and the record that the review was done.

An account's last action is its newest entry in the audit trail (a refused attempt counts: the
identity is still in use). An account with none has never acted. The review itself is an
"access.review" entry naming what was found and fingerprinting the access file reviewed.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail, Entry, audit_chain, engine_scope, fingerprint
from integration_hub.governance.access import AccessPolicy, authorize, load_policy

COLUMNS = ("account", "name", "roles", "status", "last_action", "days_idle", "reason")


def last_actions(store: str | sa.Engine) -> dict[str, date]:
    """Each actor's newest audit entry, as a UTC calendar day."""
    with engine_scope(store) as engine:
        audit_chain.create(engine, checkfirst=True)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(audit_chain.c.actor, sa.func.max(audit_chain.c.at))
                                .group_by(audit_chain.c.actor)).all()
    return {actor: _utc_day(at) for actor, at in rows}


def review(store: str | sa.Engine, policy: AccessPolicy, *, today: date, stale_days: int = 90) -> pd.DataFrame:
    """The accounts to act on: departed ones, and active ones without an action in `stale_days` days
    (or ever), one row each with their roles, last action day, days idle and the reason."""
    if stale_days < 1:
        raise ValueError(f"stale_days must be at least 1, not {stale_days}")
    last = last_actions(store)
    rows = []
    for account in policy.accounts.values():
        acted = last.get(account.id)
        idle = None if acted is None else (today - acted).days
        if not account.active:
            reason = f"{account.status}" + (f" on {account.departed_on}" if account.departed_on else "")
        elif acted is None:
            reason = "never acted"
        elif idle >= stale_days:
            reason = f"no action for {idle} days (limit {stale_days})"
        else:
            continue
        rows.append({"account": account.id, "name": account.name, "roles": ",".join(account.roles) or "none",
                     "status": account.status, "last_action": acted, "days_idle": idle, "reason": reason})
    findings = pd.DataFrame(rows, columns=list(COLUMNS)).astype({"days_idle": "Int64"})
    findings.attrs.update(today=today.isoformat(), stale_days=stale_days, accounts=len(policy.accounts))
    return findings


def record_review(store: str | sa.Engine, reviewer: str, findings: pd.DataFrame, *,
                  policy: AccessPolicy | None = None) -> Entry:
    """Append the "access.review" entry for `findings` (a `review` answer), by `reviewer`, who must
    hold access.review (refused: AccessDenied and an access.denied entry)."""
    policy = policy or load_policy()
    authorize(store, "access.review", reviewer, obj="access_review", policy=policy)
    details = {"as_of": findings.attrs.get("today"), "stale_days": findings.attrs.get("stale_days"),
               "accounts_reviewed": findings.attrs.get("accounts", len(policy.accounts)),
               "access_file": str(policy.source),
               "findings": [{"account": r.account, "reason": r.reason,
                             "last_action": None if pd.isna(r.last_action) else str(r.last_action)}
                            for r in findings.itertuples()]}
    trail = AuditTrail(store)
    try:
        return trail.append(reviewer, "access.review", "access_review", after=fingerprint(policy.source.read_bytes()),
                            details=details)
    finally:
        if trail.engine is not store:
            trail.dispose()


def _utc_day(at: datetime) -> date:
    # SQLite hands timestamps back without a zone; the trail writes them in UTC.
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)).date()
