"""Pair scoring in the Fellegi-Sunter form: each field comparison lands in a level, each level
carries a match weight log2(m / u), and the weights add up with a prior into a match probability.

m is the chance a level is seen when the two records ARE one customer, u the chance it is seen
when they are not. The defaults below are set for customer exports typed by different people in
different systems, with u as for a customer base of about 100,000. They do not depend on the
file's size, so neither does a decision. Only where the data shows a value is shared by several
customers is u raised, to the value's frequency over the records of the customers beyond the
first: agreeing on "James Smith" (many people, many places), an office park's phone (many
company names) or a big city's ZIP counts for less than agreeing on a rare value, while a value
found only in one customer's five records keeps its full weight. Customers are told apart, for
a name, by where its records are (address, else postal code, else city) and, for every other
value, by that place together with the first letters of the records' names. A level marked `conflict`
(two different dates of birth, national ids or tax ids) is strong evidence against, and the
clustering refuses to join records across it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Level:
    name: str
    m: float
    u: float                    # chance among different customers (raised for values common in the data)
    conflict: bool = False


def _levels(*levels: Level) -> tuple[Level, ...]:
    return levels


# Levels in order; the last one is disagreement. A comparison with a value missing on either
# side is "missing" and weighs 0.
COMPARISONS: dict[str, tuple[Level, ...]] = {
    # A company's full name (legal form dropped) is close to unique; a person's name is not.
    "name": _levels(Level("exact", 0.60, 2e-8), Level("close", 0.20, 1e-6), Level("similar", 0.10, 5e-5),
                    Level("weak", 0.05, 0.02), Level("different", 0.01, 0.99)),
    "person_name": _levels(Level("exact", 0.60, 2e-5), Level("close", 0.20, 1e-5), Level("similar", 0.10, 2e-4),
                           Level("weak", 0.05, 0.02), Level("different", 0.01, 0.99)),
    "email": _levels(Level("exact", 0.55, 1e-6), Level("same_mailbox", 0.05, 1e-6),
                     Level("same_company_domain", 0.25, 1e-5), Level("different", 0.15, 0.999)),
    "phone": _levels(Level("exact", 0.75, 1e-6), Level("different", 0.12, 0.999)),
    # Street, postal code and city say one thing (where the customer is), so they are one comparison:
    # counted separately, a shared building would be counted three times.
    "address": _levels(Level("exact", 0.70, 1e-5), Level("same_street_place_unknown", 0.04, 1e-4),
                       Level("same_postal_code", 0.12, 1e-3), Level("same_city", 0.06, 0.01),
                       Level("same_city_other_postal_code", 0.02, 0.01), Level("different", 0.03, 0.97)),
    "unit": _levels(Level("exact", 0.90, 0.05), Level("different", 0.10, 0.9)),
    "country": _levels(Level("exact", 0.97, 0.1), Level("different", 0.005, 0.5)),
    "date_of_birth": _levels(Level("exact", 0.95, 1e-4), Level("different", 0.002, 0.999, conflict=True)),
    "national_id": _levels(Level("exact", 0.95, 1e-7), Level("different", 0.001, 0.999, conflict=True)),
    "tax_id": _levels(Level("exact", 0.95, 1e-7), Level("different", 0.001, 0.999, conflict=True)),
}
NAME_THRESHOLDS = (0.92, 0.80, 0.65)       # close, similar, weak
STREET_SIMILAR = 0.85


MIN_POPULATION = 10_000
"""Frequencies are measured over at least this many records, so that in a small file two
customers sharing a value do not make it look common."""


def _codes(values: pd.Series, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer code per row (-1 when missing), the shared frequency of each row's value, and the
    distinct values. `owner` tells customers apart (a code per row, -1 unknown): a value held by
    k of them in c records has shared frequency c * (1 - 1/k) / max(n, MIN_POPULATION), 0 when
    one customer holds it."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype(np.float64)
    known = (codes >= 0) & (owner >= 0)
    held = pd.unique(codes[known].astype(np.int64) * (int(owner.max()) + 1 if len(owner) else 1) + owner[known])
    width = int(owner.max()) + 1 if len(owner) else 1
    owners = np.maximum(np.bincount(held // width, minlength=len(uniques)), 1).astype(np.float64)
    shared = counts * (1.0 - 1.0 / owners)
    frequency = np.where(codes >= 0, shared[np.maximum(codes, 0)] if len(uniques) else 0.0, np.nan)
    return codes, frequency / max(len(values), MIN_POPULATION), np.asarray(uniques, dtype=object)


def _similarity(values: np.ndarray, codes: np.ndarray, a: np.ndarray, b: np.ndarray, mask: np.ndarray,
                scorer=fuzz.ratio) -> np.ndarray:
    """`scorer` / 100 of the pairs under `mask` (NaN elsewhere), computed once per distinct pair of values."""
    out = np.full(len(a), np.nan, dtype=np.float32)
    if not mask.any():
        return out
    ca, cb = codes[a[mask]], codes[b[mask]]
    pair_codes, distinct = pd.factorize(ca.astype(np.int64) * len(values) + cb)
    left, right = values[distinct // len(values)], values[distinct % len(values)]
    scores = process.cpdist(list(left), list(right), scorer=scorer, workers=-1)
    out[mask] = scores[pair_codes] / 100.0
    return out


def _sorted_tokens(s: pd.Series) -> pd.Series:
    return s.str.split().map(lambda t: " ".join(sorted(t)), na_action="ignore")


def _person_like(p: pd.DataFrame) -> np.ndarray:
    """Company-role names that are some record's person name ("Jane Doe" in Stripe's one name field
    is the billing system's contact Jane Doe): they are compared and weighed as person names."""
    people = _sorted_tokens((p["first_key"].fillna("") + " " + p["last_key"].fillna("")).str.strip()
                            .replace("", pd.NA)).dropna()
    return _sorted_tokens(p["org_key"]).isin(set(people)).to_numpy(dtype=bool)


class PairScorer:
    """Scores pairs of rows of one prepared frame; term frequencies come from that frame."""

    def __init__(self, prepared: pd.DataFrame, comparisons: dict[str, tuple[Level, ...]] | None = None):
        self.prepared = prepared.reset_index(drop=True)
        self.comparisons = {**COMPARISONS, **(comparisons or {})}
        p = self.prepared
        address = p["street_number"] + "|" + p["street_key"]
        place = address.fillna(p["postal_key"]).fillna(p["city_key"])
        by_place = pd.factorize(place)[0]
        by_customer = pd.factorize(p["name_key"].str.replace(" ", "", regex=False).str[:3] + "|" + place)[0]
        self._fields = {name: _codes(p[name], by_customer) for name in (
            "street_key", "email", "email_domain", "phone", "postal_key", "city_key", "country",
            "unit_key", "street_number", "date_of_birth", "national_id", "tax_id")}
        self._fields["name_key"] = _codes(p["name_key"], by_place)
        self._fields["mailbox"] = _codes(p["email_user"] + "@" + p["email_domain"], by_customer)
        self._fields["address"] = _codes(address, by_customer)
        self._free = p["email_free"].to_numpy(dtype=bool)
        # a name in a company field is taken for a person's when it is some record's person name, or
        # when the record's e-mail is at a public mailbox provider (companies write from their own domain)
        self._org = p["org_key"].notna().to_numpy() & ~_person_like(p) & ~self._free

    def _weights(self, name: str, level: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """Weight per pair of `level` (-1 missing -> 0); agreeing levels use u >= the value's shared frequency."""
        out = np.zeros(len(level), dtype=np.float32)
        levels = self.comparisons[name]
        for i, lv in enumerate(levels):
            hit = level == i
            if not hit.any():
                continue
            if i == len(levels) - 1:
                out[hit] = np.log2(lv.m / lv.u)
            else:
                out[hit] = np.log2(lv.m / np.fmax(lv.u, np.nan_to_num(tf[hit], nan=0.0)))
        return out

    def _exact(self, field: str, a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes, tf = self._fields[field][:2]
        ca, cb = codes[a], codes[b]
        both = (ca >= 0) & (cb >= 0)
        return both, both & (ca == cb), np.fmax(tf[a], tf[b])

    def _similar(self, field: str, a, b, mask, scorer=fuzz.ratio) -> np.ndarray:
        codes, _, values = self._fields[field]
        return _similarity(values, codes, a, b, mask, scorer)

    def _address(self, a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Address level per pair (see COMPARISONS["address"]), its term frequency, street similarity."""
        street_both, street_same, tf_street = self._exact("address", a, b)
        _, same_number, _ = self._exact("street_number", a, b)
        sim = self._similar("street_key", a, b, street_both & same_number & ~street_same)
        sim[street_same] = 1.0
        street = street_same | (same_number & (sim >= STREET_SIMILAR))
        postal_both, postal_same, tf_postal = self._exact("postal_key", a, b)
        city_both, city_same, tf_city = self._exact("city_key", a, b)
        place = postal_same | (~postal_both & city_same)
        unknown_place = ~postal_both & ~city_both
        level = np.select([street & place, street & unknown_place, postal_same, city_same & ~postal_both, city_same],
                          [0, 1, 2, 3, 4], 5)
        level = np.where(street_both | postal_both | city_both, level, -1)
        tf = np.select([level <= 1, level == 2], [tf_street, tf_postal], tf_city)
        return level, tf, sim

    def score(self, a: np.ndarray, b: np.ndarray, min_weight: float | None = None) -> pd.DataFrame:
        """One row per pair: a, b, per comparison its level code (l_*, -1 missing) and weight (w_*),
        name and street similarity, total weight (before the prior), `against` (the sum of the
        negative weights alone) and conflict. With `min_weight`,
        only pairs whose total weight reaches it are returned."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        levels: dict[str, tuple[np.ndarray, np.ndarray]] = {}

        # Word order counts for companies ("Lehmann & Zimmermann" is not "Zimmermann & Lehmann") but
        # not for people ("Doe, Jane" is "Jane Doe").
        both, same, tf = self._exact("name_key", a, b)
        orgs = self._org[a] & self._org[b]
        name_sim = self._similar("name_key", a, b, both & ~same & orgs)
        people = both & ~same & ~orgs
        name_sim[people] = self._similar("name_key", a, b, people, fuzz.token_sort_ratio)[people]
        name_sim[same] = 1.0
        level = np.where(same, 0, np.select([name_sim >= t for t in NAME_THRESHOLDS], [1, 2, 3], 4))
        levels["name"] = (np.where(both, level, -1), tf)

        both, same, tf = self._exact("email", a, b)
        _, mailbox, _ = self._exact("mailbox", a, b)
        _, domain, tf_domain = self._exact("email_domain", a, b)
        company_domain = domain & ~self._free[a]
        level = np.select([same, mailbox, company_domain], [0, 1, 2], 3)
        levels["email"] = (np.where(both, level, -1), np.where(same | mailbox, tf, tf_domain))

        for comparison, field in (("phone", "phone"), ("country", "country"), ("unit", "unit_key"),
                                  ("date_of_birth", "date_of_birth"), ("national_id", "national_id"),
                                  ("tax_id", "tax_id")):
            both, same, tf = self._exact(field, a, b)
            levels[comparison] = (np.where(both, np.where(same, 0, len(self.comparisons[comparison]) - 1), -1), tf)
        level, tf, street_sim = self._address(a, b)
        levels["address"] = (level, tf)

        total = np.zeros(len(a), dtype=np.float32)
        against = np.zeros(len(a), dtype=np.float32)
        conflict = np.zeros(len(a), dtype=bool)
        weights = {}
        for name, (level, tf) in levels.items():
            weights[name] = self._weights(name, level, tf)
            if name == "name":   # persons' names (on either side) weigh as person names
                person = ~orgs
                weights[name][person] = self._weights("person_name", level[person], tf[person])
            total += weights[name]
            against += np.minimum(weights[name], 0)
            for i, lv in enumerate(self.comparisons[name]):
                if lv.conflict:
                    conflict |= level == i
        keep = slice(None) if min_weight is None else np.flatnonzero((total >= min_weight) | conflict)
        out = {"a": a[keep], "b": b[keep], "weight": total[keep], "against": against[keep], "conflict": conflict[keep],
               "name_similarity": name_sim[keep], "street_similarity": street_sim[keep]}
        for name, (level, _) in levels.items():
            out[f"l_{name}"] = level[keep].astype(np.int8)
            out[f"w_{name}"] = weights[name][keep]
        return pd.DataFrame(out)


def probability(weight, prior: float) -> np.ndarray:
    """Match probability from the summed weights and the prior (both log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-(np.asarray(weight, dtype=np.float64) + prior)))


DEFAULT_PRIOR = -17.0
"""log2 prior odds that two records picked at random are one customer: about 1 in 130,000, a
customer base of that size. Lower it (more negative) for much larger bases, raise it for small
lists that are known to be full of duplicates."""
