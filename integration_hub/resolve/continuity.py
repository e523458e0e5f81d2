"""Master ids that survive incremental runs.

A run resolves only the customers it extracted, and a master id derives from the smallest
source key in its cluster: a customer re-extracted alone would get a new id, and the ERP a
second golden record for the same company. Each cluster of this run therefore keeps the
master its members already belonged to (the one most of them held; the smaller id on a tie),
as long as no larger cluster of the run claims that master too.
"""
from __future__ import annotations

import pandas as pd

MASTER_PREFIX = "master:"


def keep_master_ids(crosswalk: pd.DataFrame, golden: pd.DataFrame,
                    previous: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`crosswalk`/`golden` of this run with master ids replaced by the ones `previous` runs gave.

    `crosswalk`: source_external_id, master_id, master_external_id (resolve.master.CROSSWALK_COLUMNS);
    `golden`: external_id "master:<id>", source_id <id>; `previous`: source_external_id, master_id.
    """
    if previous.empty or crosswalk.empty:
        return crosswalk, golden
    before = crosswalk["source_external_id"].map(previous.set_index("source_external_id")["master_id"])
    votes = (pd.DataFrame({"master_id": crosswalk["master_id"], "previous": before}).dropna()
             .groupby(["master_id", "previous"]).size().rename("members").reset_index())
    if votes.empty:
        return crosswalk, golden
    best = votes.sort_values(["members", "previous"], ascending=[False, True]).drop_duplicates("master_id")
    size = crosswalk["master_id"].value_counts()
    best = best.assign(size=best["master_id"].map(size)).sort_values(["size", "master_id"], ascending=[False, True])
    best = best.drop_duplicates("previous")                     # a split master stays with its larger part
    taken = set(crosswalk["master_id"]) - set(best["master_id"])
    best = best[~best["previous"].isin(taken)]                  # never fold two clusters into one id
    rename = dict(zip(best["master_id"], best["previous"]))
    crosswalk = crosswalk.assign(master_id=crosswalk["master_id"].replace(rename))
    crosswalk["master_external_id"] = MASTER_PREFIX + crosswalk["master_id"]
    ids = golden["source_id"].astype(str).replace(rename)
    golden = golden.assign(source_id=ids.astype(golden["source_id"].dtype),
                           external_id=(MASTER_PREFIX + ids).astype(golden["external_id"].dtype))
    return crosswalk, golden
