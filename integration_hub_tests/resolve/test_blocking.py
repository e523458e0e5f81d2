import numpy as np
import pandas as pd

from integration_hub.resolve.blocking import candidate_pairs, rare_tokens
from integration_hub.resolve.records import prepare


def _prepared(rows):
    frame = pd.DataFrame(rows)
    return prepare(frame, {c: c for c in frame.columns})


def test_pairs_come_only_from_shared_keys():
    p = _prepared({"company": ["Acme Inc", "ACME Corp", "Zeta LLC", "Omega Ltd"],
                   "email": ["a@acme.com", "b@acme.com", "z@zeta.com", "a@acme.com"]})
    pairs, stats = candidate_pairs(p)
    got = set(zip(pairs["a"], pairs["b"]))
    assert (0, 1) in got and (0, 3) in got and (1, 3) in got       # same company domain / email / name
    assert not any(2 in pair for pair in got)                      # Zeta shares nothing
    assert (pairs["a"] < pairs["b"]).all() and not pairs.duplicated().any()
    assert stats.per_rule["email"] == 1


def test_blocks_over_the_cap_are_skipped_and_reported():
    n = 30
    p = _prepared({"company": [f"Firm{i} Holdings" for i in range(n)], "country": ["US"] * n,
                   "postal_code": ["10001"] * n})
    pairs, stats = candidate_pairs(p, rules=("postal_name",), cap=10)
    assert len(pairs) == 0
    assert stats.skipped_blocks == {"postal_name": 1} and stats.skipped_records == {"postal_name": n}
    pairs, _ = candidate_pairs(p, rules=("postal_name",), cap=50)
    assert len(pairs) == n * (n - 1) // 2


def test_rare_tokens_prefer_distinctive_words():
    names = pd.Series(["acme logistics", "bolt logistics", "cargo logistics", "acme holdings"])
    tokens = rare_tokens(names, cap=200, per_record=1)
    assert tokens.loc[0] == "acme" and tokens.loc[1] == "bolt"
    assert "logistics" not in set(rare_tokens(names, cap=2, per_record=2))


def test_generated_company_is_never_all_pairs(resolved):
    records, resolution, _ = resolved
    n = len(records)
    assert resolution.stats["candidate_pairs"] < n * (n - 1) // 2 / 10
