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


def _levels(out, row, comparison):
    from integration_hub.resolve.scoring import COMPARISONS

    level = int(out[f"l_{comparison}"].iloc[row])
    return None if level < 0 else COMPARISONS[comparison][level].name


def test_person_name_parts_swapped_and_misspelt():
    out = _score({"first_name": ["John", "Smith", "Jon", "Mary", "Jonas"], "last_name": ["Smith", "John", "Smithe", "Jones", "Smyth"]},
                 [(0, 1), (0, 2), (0, 3), (0, 4)])
    assert _levels(out, 0, "given_name") == "swapped_with_surname" and _levels(out, 0, "surname") == "swapped_with_given_name"
    assert _levels(out, 1, "given_name") == "close" and _levels(out, 1, "surname") == "close"
    assert _levels(out, 2, "given_name") == "different" and _levels(out, 2, "surname") == "different"
    assert _levels(out, 3, "given_name") == "similar" and _levels(out, 3, "surname") == "similar"
    assert _levels(out, 0, "person_name") is None and _levels(out, 0, "name") is None   # not counted twice
    assert out["w_given_name"].iloc[0] > 0 and out["w_surname"].iloc[2] < 0


def test_date_of_birth_typos_are_graded_not_vetoed():
    out = _score({"full_name": ["Ann Lee"] * 5,
                  "date_of_birth": ["19800304", "19800403", "19800305", "1975-11-20", "19800231"]},
                 [(0, 1), (0, 2), (0, 3), (2, 4)])
    assert _levels(out, 0, "date_of_birth") == "day_month_swapped"
    assert _levels(out, 1, "date_of_birth") == "one_digit_off"
    assert _levels(out, 2, "date_of_birth") == "different" and bool(out["conflict"].iloc[2])
    assert _levels(out, 3, "date_of_birth") == "different"       # 1980-02-31 is no date, but was read as typed
    assert not out["conflict"].iloc[:2].any() and (out["w_date_of_birth"].iloc[:2] > 0).all()


def test_postcode_or_street_number_one_edit_off_is_a_close_address():
    out = _score({"full_name": ["Ann Lee"] * 4, "street": ["123 Slessor Cres", "123 Slessor Cres", "132 Slessor Cres",
                                                         "123 Slessor Cres"],
                  "postal_code": ["4011", "4101", "4011", "9999"], "city": ["Cleveland"] * 3 + ["Perth"]},
                 [(0, 1), (0, 2), (0, 3)])
    assert [_levels(out, i, "address") for i in range(3)] == ["close", "close", "different"]
    assert out["w_address"].iloc[0] > 0 > out["w_address"].iloc[2]
