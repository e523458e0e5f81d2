"""What an auditor reads: per record, how sure its assignment is and which pair decided it; per
uncertain pair, the field-by-field evidence. Evidence is JSON: {"probability", "fields": {comparison:
{"level", "weight"}}} where weight is the log2 Bayes factor the comparison added (negative: against)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from integration_hub.resolve.scoring import Level


def record_confidence(n: int, labels: np.ndarray, scored: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(confidence, row of `scored` that explains each record or -1, whether that row is inside its cluster).

    A merged record's confidence is its mean match probability to the other members of its cluster
    (over the pairs scored), explained by its strongest pair inside the cluster. A record left alone
    has confidence 1 - its best match probability to any candidate (1.0 with none), explained by that
    closest candidate."""
    a, b, p = scored["a"].to_numpy(), scored["b"].to_numpy(), scored["p"].to_numpy()
    ends = pd.DataFrame({"record": np.r_[a, b], "p": np.r_[p, p], "row": np.r_[np.arange(len(p)), np.arange(len(p))],
                         "inside": np.r_[labels[a] == labels[b], labels[a] == labels[b]]})
    best = np.full(n, -1, dtype=np.int64)
    merged = np.zeros(n, dtype=bool)
    confidence = np.ones(n, dtype=np.float64)
    inside = ends[ends["inside"]]
    if len(inside):
        mean = inside.groupby("record")["p"].mean()
        confidence[mean.index.to_numpy()] = mean.to_numpy()
        top = inside.sort_values(["record", "p"], ascending=[True, False], kind="stable").drop_duplicates("record")
        best[top["record"].to_numpy()] = top["row"].to_numpy()
        merged[top["record"].to_numpy()] = True
    alone = np.bincount(labels, minlength=n)[labels] == 1
    outside = ends[~ends["inside"] & alone[ends["record"].to_numpy()]]
    if len(outside):
        top = outside.sort_values(["record", "p"], ascending=[True, False], kind="stable").drop_duplicates("record")
        confidence[top["record"].to_numpy()] = 1.0 - top["p"].to_numpy()
        best[top["record"].to_numpy()] = top["row"].to_numpy()
    return np.round(confidence, 4), best, merged


def pair_evidence(scored: pd.DataFrame, rows: np.ndarray, comparisons: dict[str, tuple[Level, ...]]) -> list[str]:
    """Evidence JSON text for the given rows of `scored` (built column-wise: it runs once per record)."""
    rows = np.asarray(rows, dtype=np.int64)
    parts = []
    for name, levels in comparisons.items():
        if f"l_{name}" not in scored.columns:
            continue
        level = scored[f"l_{name}"].to_numpy()[rows]
        level_names = np.array([f'"{name}": {{"level": "{lv.name}", "weight": ' for lv in levels] + [""], dtype=object)
        weight = np.round(scored[f"w_{name}"].to_numpy()[rows].astype(np.float64), 2).astype(str).astype(object)
        tail = np.full(len(rows), "}", dtype=object)
        if name == "name":
            sim = np.round(scored["name_similarity"].to_numpy()[rows].astype(np.float64), 3).astype(str).astype(object)
            tail = np.where(sim != "nan", ', "similarity": ' + sim + "}", tail)
        parts.append(np.where(level >= 0, level_names[level] + weight + tail, ""))
    probability = np.round(scored["p"].to_numpy()[rows], 4).astype(str)
    return [f'{{"probability": {p}, "fields": {{{", ".join(f for f in fields if f)}}}}}'
            for p, *fields in zip(probability, *parts)]


def record_evidence(best: np.ndarray, merged: np.ndarray, scored: pd.DataFrame, keys: np.ndarray,
                    comparisons: dict[str, tuple[Level, ...]]) -> pd.Series:
    """JSON per record: {"matched_with": key, ...evidence} for a merged record, {"matched_with": null,
    "closest": key, ...evidence} for a record left alone that had candidates, {"matched_with": null} else."""
    out = np.full(len(best), '{"matched_with": null}', dtype=object)
    records = np.flatnonzero(best >= 0)
    rows = best[records]
    a, b = scored["a"].to_numpy()[rows], scored["b"].to_numpy()[rows]
    partner = np.where(a == records, b, a)
    details = pair_evidence(scored, rows, comparisons)
    for record, other, detail in zip(records.tolist(), partner.tolist(), details):
        head = (f'"matched_with": {json.dumps(keys[other])}' if merged[record]
                else f'"matched_with": null, "closest": {json.dumps(keys[other])}')
        out[record] = "{" + head + ", " + detail[1:]
    return pd.Series(out, name="evidence")


def review_queue(scored: pd.DataFrame, refused: pd.DataFrame, labels: np.ndarray, keys: np.ndarray, config,
                 comparisons: dict[str, tuple[Level, ...]]) -> pd.DataFrame:
    """Pairs left in different clusters that deserve a human look: uncertain ones (between the review
    and match thresholds), likely ones that are clear non-matches on some field (`bad`), and
    likely ones whose merge was refused to avoid chaining."""
    a, b, p = scored["a"].to_numpy(), scored["b"].to_numpy(), scored["p"].to_numpy()
    apart = labels[a] != labels[b]
    uncertain = np.flatnonzero(apart & (p >= config.review_threshold) & (p < config.match_threshold))
    reasons = {int(i): "uncertain: between the review and match thresholds" for i in uncertain}
    if "bad" in scored.columns:   # likely by probability, yet a clear non-match on some field
        bad = scored["bad"].to_numpy()
        for i in np.flatnonzero(apart & (p >= config.match_threshold) & (bad != "")).tolist():
            reasons[i] = f"not merged: {bad[i]}"
    if len(refused):
        lookup = pd.Series(np.arange(len(a)), index=a * len(labels) + b)
        for x, y, u, v, why in refused[["a", "b", "blocker_a", "blocker_b", "why"]].itertuples(index=False, name=None):
            if labels[x] != labels[y]:
                reasons[int(lookup[x * len(labels) + y])] = (f"refused merge: it would join {keys[u]} and {keys[v]} "
                                                             f"({why})")
    rows = np.array(sorted(reasons), dtype=np.int64)
    details = pair_evidence(scored, rows, comparisons)
    return pd.DataFrame({"record_key_a": pd.array(keys[a[rows]], dtype="string"),
                         "record_key_b": pd.array(keys[b[rows]], dtype="string"),
                         "score": np.round(p[rows], 4).astype(np.float64),
                         "reason": pd.array([reasons[r] for r in rows.tolist()], dtype="string"),
                         "evidence": pd.array(details, dtype="string")})
