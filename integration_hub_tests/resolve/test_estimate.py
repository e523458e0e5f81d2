import numpy as np
import pandas as pd

from integration_hub.resolve.estimate import MIN_RECORDS, fit, random_pairs
from integration_hub.resolve.scoring import Level

PRIORS = {
    "name": (Level("exact", 0.5, 0.01), Level("different", 0.5, 0.99)),
    "dob": (Level("exact", 0.9, 0.001), Level("different", 0.002, 0.999, conflict=True)),
    "postcode": (Level("exact", 0.7, 0.01), Level("different", 0.3, 0.99)),
}


def _pairs(n: int, share: float, m: dict, u: dict, seed: int = 1) -> pd.DataFrame:
    """Pairs drawn from a known model: a `share` of matches, levels drawn from m or u."""
    rng = np.random.default_rng(seed)
    match = rng.random(n) < share
    out = {}
    for name in m:
        exact = np.where(match, rng.random(n) < m[name], rng.random(n) < u[name])
        out[f"l_{name}"] = np.where(exact, 0, 1).astype(np.int8)
    return pd.DataFrame(out)


def test_em_recovers_the_model_the_pairs_were_drawn_from():
    true_m = {"name": 0.8, "dob": 0.85, "postcode": 0.9}
    true_u = {"name": 0.02, "dob": 0.003, "postcode": 0.05}
    pairs = _pairs(200_000, 0.05, true_m, true_u)
    model = fit(pairs.iloc[:0], pairs, 1.0, PRIORS, n_records=10_000, prior_weight=-10)
    assert model.estimated and model.detail["converged"]
    for name in true_m:
        exact = model.comparisons[name][0]
        assert abs(exact.m - true_m[name]) < 0.02 and abs(exact.u - true_u[name]) / true_u[name] < 0.2
    assert abs(2 ** model.prior_weight / (1 + 2 ** model.prior_weight) - 0.05) < 0.005
    # 15% of one customer's records disagree on the date of birth here: that is no veto
    assert model.comparisons["dob"][1].conflict is False


def test_a_disagreement_that_real_matches_never_show_stays_a_veto():
    pairs = _pairs(100_000, 0.05, {"name": 0.8, "dob": 1.0, "postcode": 0.9}, {"name": 0.02, "dob": 0.003, "postcode": 0.05})
    model = fit(pairs.iloc[:0], pairs, 1.0, PRIORS, n_records=10_000, prior_weight=-10)
    assert model.comparisons["dob"][1].conflict is True


def test_a_small_file_keeps_the_priors_and_says_why():
    pairs = _pairs(1000, 0.05, {"name": 0.8, "dob": 0.85, "postcode": 0.9}, {"name": 0.02, "dob": 0.003, "postcode": 0.05})
    model = fit(pairs, pairs.iloc[:0], 1.0, PRIORS, n_records=MIN_RECORDS - 1, prior_weight=-10)
    assert not model.estimated and model.comparisons == PRIORS and "too few" in model.detail["why"]
    assert model.to_json()["comparisons"]["dob"][1]["vetoes"] is True


def test_random_pairs_skip_the_blocked_ones_and_stand_for_the_rest():
    n = 300
    blocked = np.sort(np.array([0 * n + 1, 5 * n + 9, 10 * n + 11]))
    a, b, weight = random_pairs(n, blocked, size=5000)
    assert (a < b).all() and not np.isin(a * n + b, blocked).any()
    assert weight * len(a) == n * (n - 1) // 2 - len(blocked)
    again = random_pairs(n, blocked, size=5000)
    assert (again[0] == a).all() and (again[1] == b).all()     # the same file gives the same sample
