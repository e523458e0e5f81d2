import numpy as np
import pandas as pd

from integration_hub.resolve.clustering import cluster, components


def _pairs(rows):
    return pd.DataFrame(rows, columns=["a", "b", "p", "conflict"])


def _no_missing(a, b):
    raise AssertionError(f"unexpected completion of {list(zip(a, b))}")


def test_components_union_find():
    labels = components(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert labels.tolist() == [0, 0, 0, 3, 4, 4]


def test_chain_with_clear_non_match_is_not_one_cluster():
    # A~B strong, B~C strong, A-C clearly different: no transitive closure
    pairs = _pairs([(0, 1, 0.9999, False), (1, 2, 0.995, False), (0, 2, 0.0001, False)])
    result = cluster(3, pairs, _no_missing, match=0.99, cannot_link=0.01)
    assert result.labels[0] == result.labels[1] != result.labels[2]
    assert result.refused[["a", "b"]].values.tolist() == [[1, 2]]
    assert result.refused["why"].iloc[0] == "probability below the cannot-link threshold"


def test_chain_without_contradiction_is_one_cluster():
    pairs = _pairs([(0, 1, 0.9999, False), (1, 2, 0.995, False), (0, 2, 0.2, False)])
    result = cluster(3, pairs, _no_missing, match=0.99, cannot_link=0.01)
    assert len(set(result.labels.tolist())) == 1 and result.refused.empty


def test_unscored_pairs_inside_a_component_are_scored_before_merging():
    asked = []

    def score_missing(a, b):
        asked.extend(zip(a.tolist(), b.tolist()))
        return _pairs([(x, y, 0.0, False) for x, y in zip(a, b)])

    pairs = _pairs([(0, 1, 0.9999, False), (1, 2, 0.999, False)])
    result = cluster(3, pairs, score_missing, match=0.99, cannot_link=0.01)
    assert asked == [(0, 2)]
    assert result.labels[0] == result.labels[1] != result.labels[2]


def test_strong_evidence_against_vetoes_a_merge_whatever_agrees():
    pairs = pd.DataFrame({"a": [0, 1, 0], "b": [1, 2, 2], "p": [0.9999, 0.999, 0.6], "conflict": False,
                          "against": [0.0, 0.0, -8.1]})
    result = cluster(3, pairs, _no_missing, match=0.99, cannot_link=0.01)
    assert result.labels[0] == result.labels[1] != result.labels[2]
    assert result.refused["why"].tolist() == ["too much evidence against"]


def test_conflicting_identifiers_veto_a_merge():
    pairs = _pairs([(0, 1, 0.9999, True), (0, 2, 0.999, False), (1, 2, 0.999, False)])
    result = cluster(3, pairs, _no_missing, match=0.99, cannot_link=0.01)
    assert result.labels[0] != result.labels[1]
