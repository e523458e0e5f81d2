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
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler


@dataclass(frozen=True)
class Level:
    name: str
    m: float
    u: float                    # chance among different customers (raised for values common in the data)
    conflict: bool = False


def _levels(*levels: Level) -> tuple[Level, ...]:
    return levels


# Levels in order; the last one is disagreement. A comparison with a value missing on either
# side is "missing" and weighs 0. These m and u are the priors: `estimate` learns both from the
# data when there is enough of it.
COMPARISONS: dict[str, tuple[Level, ...]] = {
    # A company's full name (legal form dropped) is close to unique; a person's name is not.
    "name": _levels(Level("exact", 0.60, 2e-8), Level("close", 0.20, 1e-6), Level("similar", 0.10, 5e-5),
                    Level("weak", 0.05, 0.02), Level("different", 0.01, 0.99)),
    # a person's whole name in one field ("Jane Doe" as a Stripe customer name)
    "person_name": _levels(Level("exact", 0.60, 2e-5), Level("close", 0.20, 1e-5), Level("similar", 0.10, 2e-4),
                           Level("weak", 0.05, 0.02), Level("different", 0.01, 0.99)),
    # persons whose records both carry the name in parts: given name and surname apart (Jaro-Winkler)
    "given_name": _levels(Level("exact", 0.75, 5e-3), Level("swapped_with_surname", 0.02, 1e-5),
                          Level("close", 0.10, 2e-3), Level("similar", 0.05, 0.02), Level("different", 0.08, 0.97)),
    "surname": _levels(Level("exact", 0.78, 1e-3), Level("swapped_with_given_name", 0.02, 1e-5),
                       Level("close", 0.10, 1e-3), Level("similar", 0.04, 0.01), Level("different", 0.06, 0.99)),
    "email": _levels(Level("exact", 0.55, 1e-6), Level("same_mailbox", 0.05, 1e-6),
                     Level("same_company_domain", 0.25, 1e-5), Level("different", 0.15, 0.999)),
    "phone": _levels(Level("exact", 0.75, 1e-6), Level("different", 0.12, 0.999)),
    # Street, postal code and city say one thing (where the customer is), so they are one comparison:
    # counted separately, a shared building would be counted three times. "close" is the same street
    # with the house number or the postcode one edit off, or the same place with the street misspelt.
    "address": _levels(Level("exact", 0.70, 1e-5), Level("same_street_place_unknown", 0.04, 1e-4),
                       Level("close", 0.08, 3e-5), Level("same_postal_code", 0.08, 1e-3),
                       Level("same_city", 0.04, 0.01), Level("same_city_other_postal_code", 0.02, 0.01),
                       Level("different", 0.04, 0.97)),
    "unit": _levels(Level("exact", 0.90, 0.05), Level("different", 0.10, 0.9)),
    "country": _levels(Level("exact", 0.97, 0.1), Level("different", 0.005, 0.5)),
    "date_of_birth": _levels(Level("exact", 0.93, 1e-4), Level("day_month_swapped", 0.01, 1e-6),
                             Level("one_digit_off", 0.04, 2e-3), Level("different", 0.002, 0.998, conflict=True)),
    "national_id": _levels(Level("exact", 0.93, 1e-7), Level("one_digit_off", 0.04, 1e-6),
                           Level("different", 0.001, 0.999, conflict=True)),
    "tax_id": _levels(Level("exact", 0.95, 1e-7), Level("different", 0.001, 0.999, conflict=True)),
    # A supplier's account for payments: shared accounts are rare, but one supplier may be paid into
    # another account by another system (a bank changed), so a different one is evidence, not a veto.
    "bank_account": _levels(Level("exact", 0.80, 1e-6), Level("different", 0.20, 0.999)),
}
NAME_THRESHOLDS = (0.92, 0.80, 0.65)       # close, similar, weak (edit-distance ratio of whole names)
PART_THRESHOLDS = (0.92, 0.80)             # close, similar (Jaro-Winkler of a given name or a surname)
STREET_SIMILAR = 0.85
STREET_CLOSE = 0.65
CONFLICT_WEIGHT = -8.0
"""A level marked `conflict` vetoes a merge only while its weight stays this strongly against: when the
data shows that one customer's records often disagree there (dates of birth typed with errors), the
learned weight is milder and the level is ordinary evidence."""


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
                scorer=fuzz.ratio, scale: float = 100.0) -> np.ndarray:
    """`scorer` / `scale` of the pairs under `mask` (NaN elsewhere), computed once per distinct pair of values."""
    out = np.full(len(a), np.nan, dtype=np.float32)
    if not mask.any():
        return out
    ca, cb = codes[a[mask]], codes[b[mask]]
    pair_codes, distinct = pd.factorize(ca.astype(np.int64) * len(values) + cb)
    left, right = values[distinct // len(values)], values[distinct % len(values)]
    scores = process.cpdist(list(left), list(right), scorer=scorer, workers=-1)
    out[mask] = scores[pair_codes] / scale
    return out


def _sorted_tokens(s: pd.Series) -> pd.Series:
    return s.str.split().map(lambda t: " ".join(sorted(t)), na_action="ignore")


def _person_like(p: pd.DataFrame) -> np.ndarray:
    """Company-role names that are some record's person name ("Jane Doe" in Stripe's one name field
    is the billing system's contact Jane Doe): they are compared and weighed as person names."""
    people = _sorted_tokens((p["first_key"].fillna("") + " " + p["last_key"].fillna("")).str.strip()
                            .replace("", pd.NA)).dropna()
    return _sorted_tokens(p["org_key"]).isin(set(people)).to_numpy(dtype=bool)


def _day_month_swapped(values: np.ndarray, codes: np.ndarray, a, b, mask) -> np.ndarray:
    """Dates (YYYY-MM-DD) whose day and month are each other's: 1980-04-03 and 1980-03-04."""
    out = np.zeros(len(a), dtype=bool)
    if not mask.any():
        return out
    left = pd.Series(values[codes[a[mask]]], dtype="string")
    right = pd.Series(values[codes[b[mask]]], dtype="string")
    swapped = (left.str[:4] == right.str[:4]) & (left.str[5:7] == right.str[8:10]) & (left.str[8:10] == right.str[5:7])
    out[mask] = swapped.fillna(False).to_numpy(dtype=bool)
    return out


class PairScorer:
    """Compares pairs of rows of one prepared frame; term frequencies come from that frame.

    `compare` puts each pair's fields into levels (the data EM learns from), `weigh` turns levels
    into weights with a set of parameters, `score` does both with the scorer's own parameters."""

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
            "unit_key", "street_number", "date_of_birth", "national_id", "tax_id", "bank_account")}
        for name in ("name_key", "first_key", "last_key"):
            self._fields[name] = _codes(p[name], by_place)
        self._fields["mailbox"] = _codes(p["email_user"] + "@" + p["email_domain"], by_customer)
        self._fields["address"] = _codes(address, by_customer)
        self._free = p["email_free"].to_numpy(dtype=bool)
        # a name in a company field is taken for a person's when it is some record's person name, or
        # when the record's e-mail is at a public mailbox provider (companies write from their own domain)
        self._org = p["org_key"].notna().to_numpy() & ~_person_like(p) & ~self._free
        # persons whose name comes in parts (no company at all): given name and surname are compared apart
        self._in_parts = p["org_key"].isna().to_numpy() & (p["first_key"].notna() | p["last_key"].notna()).to_numpy()

    def _exact(self, field: str, a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes, tf = self._fields[field][:2]
        ca, cb = codes[a], codes[b]
        both = (ca >= 0) & (cb >= 0)
        return both, both & (ca == cb), np.fmax(tf[a], tf[b])

    def _similar(self, field: str, a, b, mask, scorer=fuzz.ratio, scale: float = 100.0) -> np.ndarray:
        codes, _, values = self._fields[field]
        return _similarity(values, codes, a, b, mask, scorer, scale)

    def _one_edit(self, field: str, a, b, mask) -> np.ndarray:
        """Pairs under `mask` whose values are one insertion, deletion, substitution or swap of
        neighbours apart (Damerau-Levenshtein distance 1)."""
        return self._similar(field, a, b, mask, DamerauLevenshtein.distance, 1.0) == 1

    def _part(self, field: str, rows: np.ndarray) -> np.ndarray:
        """The values of `field` (first_key or last_key) at `rows`, None where missing."""
        codes, _, values = self._fields[field]
        code = codes[rows]
        out = np.full(len(rows), None, dtype=object)
        out[code >= 0] = values[code[code >= 0]]
        return out

    def _swapped(self, a, b, mask) -> np.ndarray:
        """Pairs under `mask` whose given name and surname are each other's: both crosswise equal, or
        one equal and the other close ("smith john" and "john smyth")."""
        first_a, last_a, first_b, last_b = (self._part(f, r) for f, r in (("first_key", a), ("last_key", a),
                                                                           ("first_key", b), ("last_key", b)))
        one = mask & (first_a == last_b) & (first_a != None)      # noqa: E711 (element-wise on object arrays)
        other = mask & (last_a == first_b) & (last_a != None)     # noqa: E711
        out = one & other
        for hit, left, right in ((one & ~other, last_a, first_b), (other & ~one, first_a, last_b)):
            rows = np.flatnonzero(hit & (left != None) & (right != None))   # noqa: E711
            if len(rows):
                sim = process.cpdist(list(left[rows]), list(right[rows]), scorer=JaroWinkler.normalized_similarity)
                out[rows] = sim >= PART_THRESHOLDS[1]
        return out

    def _name_parts(self, a, b, split) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Given-name and surname levels of the pairs under `split` (-1 elsewhere)."""
        swapped = self._swapped(a, b, split)
        out = {}
        for comparison, field in (("given_name", "first_key"), ("surname", "last_key")):
            both, same, tf = self._exact(field, a, b)
            both &= split
            sim = self._similar(field, a, b, both & ~same, JaroWinkler.normalized_similarity, 1.0)
            level = np.select([same, swapped, sim >= PART_THRESHOLDS[0], sim >= PART_THRESHOLDS[1]], [0, 1, 2, 3], 4)
            # a swap can leave one part blank on one side: it still counts for the part both have
            present = both | (swapped & split)
            out[comparison] = (np.where(present, level, -1), np.where(same, tf, np.nan))
        return out

    def _address(self, a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Address level per pair (see COMPARISONS["address"]), its term frequency, street similarity."""
        street_both, street_same, tf_street = self._exact("address", a, b)
        number_both, same_number, _ = self._exact("street_number", a, b)
        name_both = self._exact("street_key", a, b)[0]
        near_number = self._one_edit("street_number", a, b, number_both & ~same_number & name_both)
        sim = self._similar("street_key", a, b, name_both & ~street_same)
        sim[street_same] = 1.0
        street = street_same | (same_number & (sim >= STREET_SIMILAR))
        street_close = ~street & name_both & (((near_number | ~number_both) & (sim >= STREET_SIMILAR))
                                              | (same_number & (sim >= STREET_CLOSE)))
        postal_both, postal_same, tf_postal = self._exact("postal_key", a, b)
        city_both, city_same, tf_city = self._exact("city_key", a, b)
        near_postal = self._one_edit("postal_key", a, b, postal_both & ~postal_same)
        place = postal_same | (~postal_both & city_same)
        near_place = near_postal & (city_same | ~city_both)
        unknown_place = ~postal_both & ~city_both
        close = (street & near_place) | (street_close & (place | unknown_place))
        level = np.select([street & place, street & unknown_place, close, postal_same, city_same & ~postal_both,
                           city_same], [0, 1, 2, 3, 4, 5], 6)
        level = np.where(street_both | name_both | postal_both | city_both, level, -1)
        tf = np.select([level <= 1, level == 3], [tf_street, tf_postal], np.where(level == 2, np.nan, tf_city))
        return level, tf, sim

    def _identifier(self, field: str, a, b) -> tuple[np.ndarray, np.ndarray]:
        """exact / one digit off / different for an identifier; dates also day and month swapped."""
        both, same, tf = self._exact(field, a, b)
        near = self._one_edit(field, a, b, both & ~same)
        if field == "date_of_birth":
            codes, _, values = self._fields[field]
            swapped = _day_month_swapped(values, codes, a, b, both & ~same)
            level = np.select([same, swapped, near], [0, 1, 2], 3)
        else:
            level = np.select([same, near], [0, 1], 2)
        return np.where(both, level, -1), np.where(same, tf, np.nan)

    def compare(self, a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
        """One row per pair: a, b, per comparison its level code (l_*, -1 missing) and the term
        frequency behind an agreeing level (t_*), name and street similarity."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        levels: dict[str, tuple[np.ndarray, np.ndarray]] = {}

        # Word order counts for companies ("Lehmann & Zimmermann" is not "Zimmermann & Lehmann") but
        # not for people ("Doe, Jane" is "Jane Doe").
        split = self._in_parts[a] & self._in_parts[b]
        both, same, tf = self._exact("name_key", a, b)
        orgs = self._org[a] & self._org[b]
        name_sim = self._similar("name_key", a, b, both & ~same & orgs)
        people = both & ~same & ~orgs
        name_sim[people] = self._similar("name_key", a, b, people, fuzz.token_sort_ratio)[people]
        name_sim[same] = 1.0
        level = np.where(same, 0, np.select([name_sim >= t for t in NAME_THRESHOLDS], [1, 2, 3], 4))
        levels["name"] = (np.where(both & orgs, level, -1), tf)
        levels["person_name"] = (np.where(both & ~orgs & ~split, level, -1), tf)
        levels.update(self._name_parts(a, b, split))

        both, same, tf = self._exact("email", a, b)
        _, mailbox, _ = self._exact("mailbox", a, b)
        _, domain, tf_domain = self._exact("email_domain", a, b)
        company_domain = domain & ~self._free[a]
        level = np.select([same, mailbox, company_domain], [0, 1, 2], 3)
        levels["email"] = (np.where(both, level, -1), np.where(same | mailbox, tf, tf_domain))

        for comparison, field in (("phone", "phone"), ("country", "country"), ("unit", "unit_key"),
                                  ("tax_id", "tax_id"), ("bank_account", "bank_account")):
            both, same, tf = self._exact(field, a, b)
            levels[comparison] = (np.where(both, np.where(same, 0, len(self.comparisons[comparison]) - 1), -1), tf)
        for field in ("date_of_birth", "national_id"):
            levels[field] = self._identifier(field, a, b)
        level, tf, street_sim = self._address(a, b)
        levels["address"] = (level, tf)

        out = {"a": a, "b": b, "name_similarity": name_sim, "street_similarity": street_sim}
        for name, (level, tf) in levels.items():
            out[f"l_{name}"] = level.astype(np.int8)
            out[f"t_{name}"] = np.asarray(tf, dtype=np.float32)
        return pd.DataFrame(out)

    def score(self, a: np.ndarray, b: np.ndarray, min_weight: float | None = None) -> pd.DataFrame:
        """`compare` then `weigh` with this scorer's parameters."""
        return weigh(self.compare(a, b), self.comparisons, min_weight)


def level_weights(levels: tuple[Level, ...], level: np.ndarray, tf: np.ndarray) -> np.ndarray:
    """Weight per pair of `level` (-1 missing -> 0); agreeing levels use u >= the value's shared frequency."""
    out = np.zeros(len(level), dtype=np.float32)
    for i, lv in enumerate(levels):
        hit = level == i
        if not hit.any():
            continue
        if i == len(levels) - 1:
            out[hit] = np.log2(lv.m / lv.u)
        else:
            out[hit] = np.log2(lv.m / np.fmax(lv.u, np.nan_to_num(tf[hit], nan=0.0)))
    return out


def weigh(compared: pd.DataFrame, comparisons: dict[str, tuple[Level, ...]],
          min_weight: float | None = None) -> pd.DataFrame:
    """The compared pairs with, per comparison, its weight (w_*), the total weight (before the
    prior), `against` (the sum of the negative weights alone) and `conflict`. The term
    frequencies are dropped. With `min_weight`, only pairs whose total reaches it (or that
    conflict) are kept."""
    n = len(compared)
    total = np.zeros(n, dtype=np.float32)
    against = np.zeros(n, dtype=np.float32)
    conflict = np.zeros(n, dtype=bool)
    weights = {}
    for name, levels in comparisons.items():
        if f"l_{name}" not in compared.columns:
            continue
        level = compared[f"l_{name}"].to_numpy()
        weights[f"w_{name}"] = w = level_weights(levels, level, compared[f"t_{name}"].to_numpy())
        total += w
        against += np.minimum(w, 0)
        for i, lv in enumerate(levels):
            if lv.conflict:
                conflict |= level == i
    out = compared.drop(columns=[c for c in compared.columns if c.startswith("t_")])
    out = out.assign(weight=total, against=against, conflict=conflict, **weights)
    if min_weight is not None:
        out = out[(total >= min_weight) | conflict].reset_index(drop=True)
    return out


def probability(weight, prior: float) -> np.ndarray:
    """Match probability from the summed weights and the prior (both log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-(np.asarray(weight, dtype=np.float64) + prior)))


DEFAULT_PRIOR = -17.0
"""log2 prior odds that two records picked at random are one customer: about 1 in 130,000, a
customer base of that size. Lower it (more negative) for much larger bases, raise it for small
lists that are known to be full of duplicates."""
