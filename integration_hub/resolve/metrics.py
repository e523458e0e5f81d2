"""Pairwise precision and recall of a clustering against known truth (for tests and benchmarks)."""
from __future__ import annotations

import pandas as pd


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(predicted, truth) -> dict:
    """Precision, recall and F1 over record pairs: a pair is predicted when both records share a
    predicted cluster, true when they share a true entity. Inputs are aligned label sequences."""
    frame = pd.DataFrame({"p": list(predicted), "t": list(truth)})
    both = _pairs(frame.groupby(["p", "t"]).size())
    predicted_pairs = _pairs(frame.groupby("p").size())
    true_pairs = _pairs(frame.groupby("t").size())
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true_pairs,
            "predicted_pairs": predicted_pairs, "correct_pairs": both}
