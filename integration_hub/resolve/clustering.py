"""Clusters from scored pairs, without chaining unrelated records together.

Pure transitive closure joins A and C whenever A~B and B~C, even if A and C plainly differ (two
branches of one chain that share a receptionist's phone number). Here:

1. pairs at or above the match threshold connect records into candidate components;
2. inside every component of three or more, every pair is scored (blocking may have skipped some);
3. clusters grow along the strongest pairs first, and two clusters merge only when no pair between
   them is a clear non-match: probability below `cannot_link`, evidence against adding up to
   `cannot_link_against` or less whatever agrees (two records in different places with different
   phones, say), or conflicting identifiers (date of birth, national id, tax id). A merge refused
   this way is reported, never dropped.

A component with no clear non-match and no conflict is one cluster at once (the common case,
decided with numpy); only the rest go through the greedy merge.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Clusters:
    labels: np.ndarray        # cluster label per record (the smallest record position in the cluster)
    pairs: pd.DataFrame       # every pair known after completion (the input's columns; a < b), with `bad`
    refused: pd.DataFrame     # a, b, p, blocker_a, blocker_b, why: strong pairs left unmerged, and the
                              # clear non-match (or conflict) between the clusters that stopped them


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label per node (the smallest node of its component), by union-find."""
    parent = np.arange(n)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for x, y in zip(a.tolist(), b.tolist()):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    return np.array([find(x) for x in range(n)], dtype=np.int64)


def _all_pairs(labels: np.ndarray, max_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of records inside each component of 3..max_size records."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, len(labels)])
    out_a, out_b = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for size in sorted(set(sizes[(sizes >= 3) & (sizes <= max_size)].tolist())):
        members = order[starts[sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        x, y = members[:, first].ravel(), members[:, second].ravel()
        out_a.append(np.minimum(x, y))
        out_b.append(np.maximum(x, y))
    return np.concatenate(out_a), np.concatenate(out_b)


def _greedy(members: list[int], pairs: pd.DataFrame, match: float) -> tuple[dict, list]:
    """Strongest-first merging inside one component; returns (record -> cluster root, refused rows)."""
    prob = {(x, y): (p, bad) for x, y, p, bad in pairs[["a", "b", "p", "bad"]].itertuples(index=False, name=None)}
    cluster = {m: m for m in members}
    groups = {m: [m] for m in members}
    refused = []
    strong = sorted(((p, x, y) for (x, y), (p, c) in prob.items() if p >= match and not c), key=lambda t: (-t[0], t[1], t[2]))
    for p, x, y in strong:
        cx, cy = cluster[x], cluster[y]
        if cx == cy:
            continue
        blocker = None
        for u in groups[cx]:
            for v in groups[cy]:
                q, bad = prob.get((min(u, v), max(u, v)), (None, ""))
                if bad:
                    blocker = (u, v, q, bad)
                    break
            if blocker:
                break
        if blocker:
            u, v, q, why = blocker
            refused.append((x, y, p, u, v, why))
            continue
        keep, gone = min(cx, cy), max(cx, cy)
        for m in groups[gone]:
            cluster[m] = keep
        groups[keep].extend(groups.pop(gone))
    return cluster, refused


def _bad(pairs: pd.DataFrame, cannot_link: float, cannot_link_against: float) -> np.ndarray:
    """Why each pair is a clear non-match ("" when it is not)."""
    p = pairs["p"].to_numpy()
    against = pairs["against"].to_numpy() if "against" in pairs.columns else np.zeros(len(pairs))
    reasons = [(pairs["conflict"].to_numpy(dtype=bool), "conflicting identifiers"),
               (p < cannot_link, "probability below the cannot-link threshold"),
               (against <= cannot_link_against, "too much evidence against")]
    return np.select([mask for mask, _ in reasons], [why for _, why in reasons], "")


def cluster(n: int, pairs: pd.DataFrame, score_missing: Callable[[np.ndarray, np.ndarray], pd.DataFrame], *,
            match: float, cannot_link: float, cannot_link_against: float = -7.5, max_component: int = 500) -> Clusters:
    """Cluster `n` records from `pairs` (a, b, p, conflict, optional against; a < b). `score_missing(a, b)` scores
    pairs inside a component that blocking never produced (same columns). Components larger than
    `max_component` are not completed (too many pairs): their unscored pairs count as unknown."""
    strong = pairs[(pairs["p"] >= match) & (_bad(pairs, cannot_link, cannot_link_against) == "")]
    labels = components(n, strong["a"].to_numpy(), strong["b"].to_numpy())
    ca, cb = _all_pairs(labels, max_component)
    known = pairs["a"].to_numpy() * n + pairs["b"].to_numpy()
    wanted = ca * n + cb
    missing = ~np.isin(wanted, known)
    if missing.any():
        extra = score_missing(ca[missing], cb[missing])
        pairs = pd.concat([pairs, extra], ignore_index=True)
    pairs = pairs.assign(bad=_bad(pairs, cannot_link, cannot_link_against))
    inside = labels[pairs["a"].to_numpy()] == labels[pairs["b"].to_numpy()]
    within = pairs[inside]
    dirty = np.unique(labels[within.loc[within["bad"] != "", "a"].to_numpy()])
    refused = []
    final = labels.copy()
    if len(dirty):
        within = within.assign(label=labels[within["a"].to_numpy()])
        records = np.flatnonzero(np.isin(labels, dirty))
        members = pd.Series(records).groupby(labels[records]).agg(list)
        for label, group in within[within["label"].isin(dirty)].groupby("label", sort=True):
            assignment, rows = _greedy(members[label], group, match)
            for record, root in assignment.items():
                final[record] = root
            refused.extend(rows)
    return Clusters(labels=final, pairs=pairs,
                    refused=pd.DataFrame(refused, columns=["a", "b", "p", "blocker_a", "blocker_b", "why"]))
