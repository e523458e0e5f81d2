import numpy as np
import pandas as pd

from integration_hub.resolve.records import prepare
from integration_hub.resolve.scoring import DEFAULT_PRIOR, PairScorer, probability


def _score(rows, pairs):
    frame = pd.DataFrame(rows)
    scorer = PairScorer(prepare(frame, {c: c for c in frame.columns}))
    a, b = zip(*pairs)
    out = scorer.score(np.array(a), np.array(b))
    out["p"] = probability(out["weight"], DEFAULT_PRIOR)
    return out


def test_agreement_scores_high_and_disagreement_low():
    out = _score({"company": ["Acme Holdings Inc.", "ACME HOLDINGS, INC", "Acme Holdings Inc."],
                  "phone": ["415-555-0132", "(415) 555 0132", "212-555-0199"],
                  "street": ["1 Market St", "1 Market Street", "9 Broadway"],
                  "city": ["San Francisco", "SAN FRANCISCO", "New York"],
                  "postal_code": ["94105", "94105-1234", "10001"], "country": ["US", "USA", "US"]},
                 [(0, 1), (0, 2)])
    same, other_city = out.iloc[0], out.iloc[1]
    assert same["l_name"] == 0 and same["l_phone"] == 0 and same["l_address"] == 0
    assert same["p"] > 0.999
    assert other_city["l_name"] == 0 and other_city["w_address"] < 0 and other_city["w_phone"] < 0
    assert other_city["p"] < 0.01


def test_missing_values_weigh_nothing():
    out = _score({"company": ["Acme Inc", "Acme Inc"], "phone": ["415-555-0132", ""]}, [(0, 1)])
    assert out["l_phone"].iloc[0] == -1 and out["w_phone"].iloc[0] == 0


def test_conflicting_identifiers_are_flagged():
    out = _score({"full_name": ["John Smith", "John Smith", "John Smith"],
                  "date_of_birth": ["1980-01-01", "1985-05-05", "1980-01-01"]}, [(0, 1), (0, 2)])
    assert bool(out["conflict"].iloc[0]) and out["w_date_of_birth"].iloc[0] < -8
    assert not bool(out["conflict"].iloc[1]) and out["w_date_of_birth"].iloc[1] > 8


def test_common_values_count_for_less():
    # one name shared by many different firms weighs less than a name only one firm has
    cities = ["Austin", "Boston", "Chicago", "Dallas", "Denver", "Detroit", "El Paso", "Fresno", "Houston",
              "Miami", "Omaha", "Tulsa"]
    common = {"company": ["Smith Plumbing"] * 12 + ["Quixotic Zephyr Labs"] * 2, "city": cities + ["Reno", "Reno"]}
    out = _score(common, [(0, 1), (12, 13)])
    assert out["w_name"].iloc[0] < out["w_name"].iloc[1] - 2
