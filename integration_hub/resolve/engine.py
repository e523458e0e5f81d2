"""Entity resolution end to end: prepare, block, score, cluster, review queue, golden records.

`resolve(records)` is the whole job for the record model; `link(prepared)` is the matching part
alone (what `dedupe_file` needs: it never holds whole rows in memory).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from integration_hub.resolve import blocking, estimate, evidence, scoring
from integration_hub.resolve.clustering import cluster
from integration_hub.resolve.records import prepare
from integration_hub.resolve.survivorship import DEFAULT_SYSTEMS_OF_RECORD, golden_records

CROSSWALK_COLUMNS = ["system", "source_id", "record_key", "master_id", "match_confidence", "evidence"]
REVIEW_COLUMNS = ["record_key_a", "record_key_b", "score", "reason", "evidence"]


@dataclass
class ResolverConfig:
    """Knobs of the resolver. Probabilities are match probabilities of a pair (see scoring)."""
    match_threshold: float = 0.95         # pairs at or above may merge (probabilities are calibrated by EM)
    review_threshold: float = 0.5         # pairs between this and match_threshold go to review, unmerged
    cannot_link_threshold: float = 0.01   # a pair below this is a clear non-match: its clusters never merge
    cannot_link_against: float = -12.0    # so is a pair whose negative weights add up to this or less
    block_cap: int = 200                  # blocks of more records are skipped (reported in stats)
    blocking_rules: tuple[str, ...] = blocking.DEFAULT_RULES
    comparisons: dict[str, tuple[scoring.Level, ...]] = field(default_factory=dict)   # overrides of the default priors
    prior_weight: float = scoring.DEFAULT_PRIOR   # prior log2 odds that two random records are one customer
    learn_parameters: bool = True         # estimate m, u and the prior from the data (EM); else use the priors as set
    systems_of_record: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_SYSTEMS_OF_RECORD))
    default_region: str = "US"            # country for phone numbers written without one
    max_component: int = 500              # components larger than this are not completed pair by pair
    score_batch: int = 500_000            # pairs scored at a time (bounds memory)


@dataclass
class Linkage:
    master_id: pd.Series          # per prepared row
    confidence: pd.Series         # per prepared row
    evidence: pd.Series           # JSON per prepared row
    review: pd.DataFrame          # REVIEW_COLUMNS
    stats: dict


@dataclass
class Resolution:
    crosswalk: pd.DataFrame       # CROSSWALK_COLUMNS, one row per input record
    golden: pd.DataFrame          # master_id, golden fields, records, systems, field_sources
    review: pd.DataFrame          # REVIEW_COLUMNS
    stats: dict


def master_ids(labels: np.ndarray, record_keys: np.ndarray) -> np.ndarray:
    """"M-" + 16 hex digits of SHA-256 of the smallest record_key in each cluster: stable across runs
    as long as that record stays in the cluster, and independent of row order."""
    keys = np.asarray(record_keys, dtype=object)
    order = np.argsort(keys, kind="stable")
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    first = np.full(int(labels.max()) + 1 if len(labels) else 0, len(keys), dtype=np.int64)
    np.minimum.at(first, labels, rank)
    ids = {i: "M-" + hashlib.sha256(keys[order[i]].encode()).hexdigest()[:16] for i in np.unique(first[labels]).tolist()}
    return np.array([ids[i] for i in first[labels].tolist()], dtype=object)


def _compare_all(scorer: scoring.PairScorer, a: np.ndarray, b: np.ndarray, batch: int) -> pd.DataFrame:
    parts = [scorer.compare(a[i:i + batch], b[i:i + batch]) for i in range(0, len(a), batch)]
    return pd.concat(parts, ignore_index=True) if parts else scorer.compare(a[:0], b[:0])


def _weigh(compared: pd.DataFrame, model: estimate.Model, floor: float) -> pd.DataFrame:
    """Weights and probability of the compared pairs under `model`, keeping those at or above
    `floor` probability (and every conflict)."""
    prior = model.prior_weight
    min_weight = float(np.log2(floor / (1 - floor)) - prior) if floor > 0 else None
    scored = scoring.weigh(compared, model.comparisons, min_weight)
    scored["p"] = scoring.probability(scored["weight"], prior)
    return scored


def learn(scorer: scoring.PairScorer, compared: pd.DataFrame, config: "ResolverConfig") -> estimate.Model:
    """The model pairs are scored with: learned from the compared candidate pairs and a random sample of
    the others (see `estimate`), or the priors as set when learning is off."""
    if not config.learn_parameters:
        return estimate.hand_set(scorer.comparisons, config.prior_weight, "learning switched off")
    n = len(scorer.prepared)
    blocked = compared["a"].to_numpy() * n + compared["b"].to_numpy()
    a, b, weight = estimate.random_pairs(n, np.sort(blocked))
    sampled = _compare_all(scorer, a, b, config.score_batch)
    return estimate.fit(compared, sampled, weight, scorer.comparisons, n, config.prior_weight)


def link(prepared: pd.DataFrame, config: ResolverConfig | None = None) -> Linkage:
    """Match the prepared records (output of `records.prepare`, with record_key) among themselves."""
    config = config or ResolverConfig()
    started = time.perf_counter()
    prepared = prepared.reset_index(drop=True)
    n = len(prepared)
    keys = prepared["record_key"].astype(str).to_numpy(dtype=object)
    if len(set(keys)) != n:
        dup = pd.Series(keys)[pd.Series(keys).duplicated()].head(5).tolist()
        raise ValueError(f"record_key must be unique; repeated: {dup}")
    timings = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        timings[step] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    candidates, block_stats = blocking.candidate_pairs(prepared, config.blocking_rules, config.block_cap)
    lap("blocking")
    scorer = scoring.PairScorer(prepared, config.comparisons)
    compared = _compare_all(scorer, candidates["a"].to_numpy(), candidates["b"].to_numpy(), config.score_batch)
    lap("comparing")
    model = learn(scorer, compared, config)
    scorer.comparisons = model.comparisons
    lap("learning")
    scored = _weigh(compared, model, config.cannot_link_threshold)
    del compared
    lap("scoring")

    def score_missing(a, b):
        return _weigh(_compare_all(scorer, a, b, config.score_batch), model, 0.0)

    clusters = cluster(n, scored, score_missing, match=config.match_threshold,
                       cannot_link=config.cannot_link_threshold, cannot_link_against=config.cannot_link_against,
                       max_component=config.max_component)
    scored = clusters.pairs
    labels = clusters.labels
    lap("clustering")
    ids = master_ids(labels, keys)
    confidence, best, merged = evidence.record_confidence(n, labels, scored)
    review = evidence.review_queue(scored, clusters.refused, labels, keys, config, scorer.comparisons)
    record_evidence = evidence.record_evidence(best, merged, scored, keys, scorer.comparisons)
    lap("evidence")
    size = pd.Series(labels).value_counts()
    stats = {"records": n, "clusters": int(len(size)), "merged": int(n - len(size)),
             "sent_to_review": int(len(review)), "candidate_pairs": int(len(candidates)),
             "scored_pairs_kept": int(len(scored)), "refused_merges": int(len(clusters.refused)),
             "blocking": asdict(block_stats), "prior_weight": model.prior_weight, "model": model.to_json(),
             "timings": timings,
             "seconds": time.perf_counter() - started}
    return Linkage(master_id=pd.Series(ids, name="master_id"), confidence=pd.Series(confidence, name="match_confidence"),
                   evidence=record_evidence,
                   review=review, stats=stats)


def resolve(records: pd.DataFrame, config: ResolverConfig | None = None) -> Resolution:
    """Resolve the record model (see `records.records_from`): crosswalk, golden records and review queue."""
    config = config or ResolverConfig()
    started = time.perf_counter()
    records = records.reset_index(drop=True)
    prepared = prepare(records, default_region=config.default_region)
    prepared_at = time.perf_counter()
    linkage = link(prepared, config)
    linked_at = time.perf_counter()
    crosswalk = pd.DataFrame({"system": records["system"], "source_id": records["source_id"],
                              "record_key": records["record_key"], "master_id": linkage.master_id,
                              "match_confidence": linkage.confidence, "evidence": linkage.evidence})
    golden = golden_records(records, prepared, linkage.master_id, config.systems_of_record)
    timings = {"prepare": round(prepared_at - started, 3), **linkage.stats["timings"],
               "golden": round(time.perf_counter() - linked_at, 3)}
    stats = {**linkage.stats, "timings": timings, "seconds": time.perf_counter() - started}
    return Resolution(crosswalk=crosswalk[CROSSWALK_COLUMNS], golden=golden, review=linkage.review, stats=stats)
