"""Fellegi-Sunter parameters learned from the data: m and u of every comparison level, and the
share of pairs that are one customer, by expectation maximisation (as Splink and fastLink do).

EM sees every blocked candidate pair plus a uniform random sample of the pairs blocking never
produced, each sampled pair weighted to stand for its share of them. The non-match class is so the
whole population of non-matching pairs, and its u is what a random pair of different customers
shows (Splink's u from random sampling, without the true matches a plain random sample holds);
the matches, nearly all inside the blocks, teach m. The hand-set values of `scoring.COMPARISONS`
are the priors: pseudo-counts that keep a level seen in few pairs near its prior value. A file too
small to learn from keeps the priors whole.

Pairs are counted by their pattern of levels (a few thousand distinct patterns for millions of
pairs), so an iteration costs next to nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from integration_hub.resolve.scoring import CONFLICT_WEIGHT, Level

MIN_RECORDS = 200
"""Below this many records the priors are used as they are: there are too few pairs to learn from."""
M_PRIOR_PAIRS = 10.0      # strength of the hand-set m, in matching pairs
U_PRIOR_PAIRS = 10.0      # strength of the hand-set u, in non-matching pairs
MAX_ITERATIONS = 200
TOLERANCE = 1e-6
RANDOM_PAIRS = 200_000
"""Unblocked pairs sampled to stand for the rest of the population."""


@dataclass
class Model:
    comparisons: dict[str, tuple[Level, ...]]      # levels with the m and u in use
    prior_weight: float                             # log2 odds that two random records are one customer
    estimated: bool
    detail: dict = field(default_factory=dict)      # how the estimate was reached (see `fit`)

    def to_json(self) -> dict:
        """What a reviewer reads: per comparison and level its m, u, match weight and whether it vetoes."""
        return {"estimated": self.estimated, "prior_weight": round(float(self.prior_weight), 4),
                "match_probability_of_two_random_records": float(2.0 ** self.prior_weight / (1 + 2.0 ** self.prior_weight)),
                **self.detail,
                "comparisons": {name: [{"level": lv.name, "m": float(f"{lv.m:.6g}"), "u": float(f"{lv.u:.6g}"),
                                        "weight": round(float(np.log2(lv.m / lv.u)), 3), "vetoes": lv.conflict}
                                       for lv in levels] for name, levels in self.comparisons.items()}}


def hand_set(comparisons: dict[str, tuple[Level, ...]], prior_weight: float, why: str) -> Model:
    return Model(comparisons=dict(comparisons), prior_weight=prior_weight, estimated=False, detail={"why": why})


def random_pairs(n: int, blocked: np.ndarray, size: int = RANDOM_PAIRS, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """(a, b, weight): a uniform sample of record pairs (a < b) that are not in `blocked` (codes a * n + b),
    each standing for `weight` such pairs. The sample is the same for the same file (seeded by its size)."""
    total = n * (n - 1) // 2
    unblocked = total - len(blocked)
    if unblocked <= 0 or n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0.0
    rng = np.random.default_rng([seed, n])
    draw = int(min(size, unblocked) * 1.2) + 16
    x, y = rng.integers(0, n, draw), rng.integers(0, n, draw)
    a, b = np.minimum(x, y), np.maximum(x, y)
    keep = (a != b) & ~np.isin(a * n + b, blocked)
    a, b = a[keep][:size], b[keep][:size]
    return a, b, unblocked / max(len(a), 1)


def _patterns(levels: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(codes per pair, distinct level patterns as a matrix): pairs with the same levels everywhere share a code."""
    matrix = levels[[f"l_{name}" for name in names]].to_numpy(dtype=np.int64) + 1
    key = np.zeros(len(matrix), dtype=np.int64)
    for column in range(matrix.shape[1]):
        key = key * 16 + matrix[:, column]
    codes, uniques = pd.factorize(key)
    distinct = np.zeros((len(uniques), len(names)), dtype=np.int64)
    rest = np.asarray(uniques, dtype=np.int64)
    for column in reversed(range(len(names))):
        distinct[:, column] = rest % 16
        rest = rest // 16
    return codes, distinct - 1


def _normalized(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values / values.sum()


def fit(blocked: pd.DataFrame, sampled: pd.DataFrame, sample_weight: float,
        comparisons: dict[str, tuple[Level, ...]], n_records: int, prior_weight: float) -> Model:
    """Estimate m, u and the prior from the level columns (l_*) of the blocked pairs and of the
    random sample of the others (each sampled pair standing for `sample_weight` pairs). The
    hand-set `comparisons` and `prior_weight` are the priors and the starting point."""
    if n_records < MIN_RECORDS:
        return hand_set(comparisons, prior_weight, f"{n_records} records: too few to learn from "
                                                   f"(at least {MIN_RECORDS}), the hand-set values are used")
    names = [name for name in comparisons if f"l_{name}" in blocked.columns]
    frame = pd.concat([blocked[[f"l_{n}" for n in names]], sampled[[f"l_{n}" for n in names]]], ignore_index=True)
    pair_weight = np.r_[np.ones(len(blocked)), np.full(len(sampled), sample_weight)]
    codes, patterns = _patterns(frame, names)
    count = np.bincount(codes, weights=pair_weight, minlength=len(patterns))
    m0 = {name: _normalized([lv.m for lv in comparisons[name]]) for name in names}
    u0 = {name: _normalized([lv.u for lv in comparisons[name]]) for name in names}
    m = {name: m0[name].copy() for name in names}
    u = {name: u0[name].copy() for name in names}
    share = min(0.5, 2.0 ** prior_weight / (1 + 2.0 ** prior_weight))
    iterations, converged = 0, False
    for iterations in range(1, MAX_ITERATIONS + 1):
        odds = np.full(len(patterns), np.log(share / (1 - share)))
        for j, name in enumerate(names):
            level = patterns[:, j]
            seen = level >= 0
            odds[seen] += np.log(m[name][level[seen]]) - np.log(u[name][level[seen]])
        posterior = 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))
        matched, unmatched = count * posterior, count * (1 - posterior)
        change = abs(matched.sum() / count.sum() - share)
        share = float(np.clip(matched.sum() / count.sum(), 1e-15, 0.5))
        for j, name in enumerate(names):
            level = patterns[:, j]
            seen = level >= 0
            size = len(m[name])
            in_match = np.bincount(level[seen], weights=matched[seen], minlength=size)
            in_other = np.bincount(level[seen], weights=unmatched[seen], minlength=size)
            new_m = (in_match + M_PRIOR_PAIRS * m0[name]) / (in_match.sum() + M_PRIOR_PAIRS)
            floor = 1.0 / (in_other.sum() + U_PRIOR_PAIRS)        # no level is rarer than one pair in all
            new_u = np.fmax((in_other + U_PRIOR_PAIRS * u0[name]) / (in_other.sum() + U_PRIOR_PAIRS), floor)
            change = max(change, float(np.max(np.abs(new_m - m[name]))), float(np.max(np.abs(new_u - u[name]) / u[name])))
            m[name], u[name] = new_m, new_u
        if change < TOLERANCE:
            converged = True
            break
    learned = dict(comparisons)
    for name in names:
        learned[name] = tuple(replace(lv, m=float(m[name][i]), u=float(u[name][i]),
                                      conflict=lv.conflict and float(np.log2(m[name][i] / u[name][i])) <= CONFLICT_WEIGHT)
                              for i, lv in enumerate(comparisons[name]))
    total_pairs = n_records * (n_records - 1) // 2
    detail = {"iterations": iterations, "converged": converged, "blocked_pairs": int(len(blocked)),
              "random_pairs": int(len(sampled)), "pairs_in_file": int(total_pairs),
              "expected_matching_pairs": round(float(share * count.sum()), 1)}
    return Model(comparisons=learned, prior_weight=float(np.log2(share / (1 - share))), estimated=True, detail=detail)
