"""The reconciliation report finance reads after each load: counts and totals per source."""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.canonical.totals import exact_sum

STAGES = ("extracted", "cleaned", "mapped", "loaded")


def stage_counts(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per system/entity: extracted, quarantined at each stage, merged, loaded (latest run of each)."""
    if metrics.empty:
        return pd.DataFrame(columns=["system", "entity", "extracted", "quarantined", "merged", "loaded"])
    latest = metrics.sort_values("created_at").groupby(["system", "entity", "stage"]).tail(1)
    wide = latest.pivot_table(index=["system", "entity"], columns="stage",
                              values=["rows_in", "rows_out", "quarantined", "merged"], aggfunc="sum", fill_value=0)
    out = pd.DataFrame(index=wide.index)
    # Rows refused at extraction (a short row, a bad byte) were extracted and quarantined: rows_in counts them.
    out["extracted"] = wide["rows_in"].get("extracted", 0)
    refused_rows = wide["rows_in"].get("extracted", 0) - wide["rows_out"].get("extracted", 0)
    out["quarantined"] = refused_rows + sum(wide["quarantined"].get(s, 0) for s in ("cleaned", "mapped", "loaded"))
    out["merged"] = wide["merged"].get("cleaned", 0) + wide["merged"].get("master", 0)
    out["loaded"] = wide["rows_out"].get("loaded", 0)
    out["balanced"] = out["extracted"] == out["quarantined"] + out["merged"] + out["loaded"]
    return out.reset_index()


def erp_totals(canonical: str, read_back: pd.DataFrame) -> pd.DataFrame:
    """Records and money per source system and currency, as the ERP holds them."""
    money = registry.get(canonical).total
    if read_back.empty or money is None:
        return pd.DataFrame(columns=["entity", "source_system", "currency", "records", "total_minor"])
    grouped = read_back.groupby(["source_system", "currency"])[money]
    totals = pd.DataFrame({"records": grouped.count(), "total_minor": grouped.agg(exact_sum).astype(object)})
    return totals.reset_index().assign(entity=canonical)[
        ["entity", "source_system", "currency", "records", "total_minor"]]


def open_receivables(balances: pd.DataFrame) -> pd.DataFrame:
    """Open receivables per currency (invoice_balances rows in): currency, open_invoices, open_minor.

    Minor units of different currencies are different units: a EUR cent and a JPY yen do not
    add up, so there is no grand total, only one line per currency."""
    if balances.empty:
        return pd.DataFrame(columns=["currency", "open_invoices", "open_minor"])
    grouped = balances.groupby("currency", sort=True)["open_minor"]
    return pd.DataFrame({"open_invoices": grouped.agg(lambda s: int((s > 0).sum())),
                         "open_minor": grouped.agg(exact_sum).astype(object)}).reset_index()

