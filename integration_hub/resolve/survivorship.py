"""Golden records: each field of a master record taken from the system that owns that field.

Fields are grouped by domain (name, email, phone, address, identity). For each master record and
domain, the record that supplies the value is the first of its cluster, among those with a value,
by: rank of its system in `systems_of_record[domain]` (unlisted systems after listed ones), then the
most recently updated, then the value most of the cluster's records agree on, then record key. An
address is taken whole from one record, never a street from one and a city from another.
`field_sources` records, per field, the record it came from and the rule that decided.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from integration_hub.resolve.records import UPDATED_AT
from integration_hub.standardize import addresses, names

DEFAULT_SYSTEMS_OF_RECORD = {
    "name": ("crm", "billing", "stripe"),
    "address": ("crm", "billing", "stripe"),
    "email": ("billing", "stripe", "crm"),
    "phone": ("stripe", "billing", "crm"),
    "identity": (),
}
# group -> (domain, golden fields, prepared key that says the record has a value, key for agreement)
_GROUPS = {
    "company": ("name", ("company",), "org_key", "org_key"),
    "person": ("name", ("first_name", "last_name", "full_name"), "person_key", "person_key"),
    "email": ("email", ("email",), "email", "email"),
    "phone": ("phone", ("phone",), "phone", "phone"),
    "address": ("address", ("street", "address_line2", "city", "region", "postal_code", "country"),
                "place_key", "place_key"),
    "date_of_birth": ("identity", ("date_of_birth",), "date_of_birth", "date_of_birth"),
    "national_id": ("identity", ("national_id",), "national_id", "national_id"),
    "tax_id": ("identity", ("tax_id",), "tax_id", "tax_id"),
    "bank_account": ("identity", ("bank_account",), "bank_account", "bank_account"),
}
GOLDEN_FIELDS = ("company", "first_name", "last_name", "full_name", "email", "phone", "street", "address_line2",
                 "city", "region", "postal_code", "country", "date_of_birth", "national_id", "tax_id", "bank_account")


def _raw(records: pd.DataFrame, role: str) -> pd.Series:
    if role in records.columns:
        return records[role]
    return pd.Series(pd.NA, index=records.index, dtype="string")


def _display(group: str, records: pd.DataFrame, prepared: pd.DataFrame) -> pd.DataFrame:
    """Golden-record spelling of one group's fields, for the records chosen for it."""
    country = prepared["country"]
    if group == "company":
        return pd.DataFrame({"company": names.company_name(_raw(records, "company"))})
    if group == "person":
        first, last = names.person_name(_raw(records, "first_name")), names.person_name(_raw(records, "last_name"))
        full = names.person_name(_raw(records, "full_name"))
        full = full.fillna((first.fillna("") + " " + last.fillna("")).str.strip().replace("", pd.NA))
        return pd.DataFrame({"first_name": first, "last_name": last, "full_name": full})
    if group == "address":
        street = addresses.street(_raw(records, "street"))
        number = _raw(records, "street_number").str.strip()
        street = (number + " " + street).where(number.notna() & street.notna(), street)
        return pd.DataFrame({
            "street": street, "address_line2": addresses.street(_raw(records, "address_line2")),
            "city": addresses.city(_raw(records, "city")),
            "region": addresses.region(_raw(records, "region"), country.fillna("")),
            "postal_code": addresses.postal_code(_raw(records, "postal_code"), country.fillna("")),
            "country": country})
    return prepared[[group]]


def _choose(frame: pd.DataFrame, present: str, agree: str, order: tuple[str, ...]) -> pd.DataFrame:
    """The chosen row per cluster among rows with `present`, and the rule that chose it."""
    rows = frame[frame[present].notna()]
    rank = rows["system"].map({system: i for i, system in enumerate(order)}).fillna(len(order)).to_numpy()
    value = pd.factorize(rows[agree])[0]
    cluster = rows["cluster"].to_numpy()
    agreeing = pd.Series(0, index=rows.index).groupby([cluster, value]).transform("size").to_numpy()
    candidates = np.bincount(cluster, minlength=cluster.max() + 1 if len(cluster) else 0)[cluster]
    recency = rows["_recency"].to_numpy()
    order_rows = np.lexsort((rows["_key_rank"].to_numpy(), -agreeing, -recency, rank, cluster))
    ordered = cluster[order_rows]
    first = order_rows[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else order_rows
    chosen = rows.iloc[first]
    rule = np.select([candidates[first] == 1, rank[first] < len(order), recency[first] > np.iinfo(np.int64).min],
                     ["only_value", "system_of_record", "most_recent"], "most_frequent")
    return chosen.assign(_rule=rule)


def _sorted_tokens(s: pd.Series) -> pd.Series:
    return s.str.split().map(lambda t: " ".join(sorted(t)), na_action="ignore")


def _signatures(tokens: pd.Series) -> pd.Series:
    """"last|initial" read both ways from two-word names ("jane doe", "doe jane", "j doe")."""
    two = tokens[tokens.str.len() == 2]
    forward = two.str[1] + "|" + two.str[0].str[:1]
    backward = two.str[0] + "|" + two.str[1].str[:1]
    return pd.concat([forward, backward])


def _is_person_name(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose "company" is the name of a person of the same cluster (a B2C customer's name in a
    system with one name field, such as Stripe, even as "Doe, Jane" or "J. Doe"): it is no company
    name for the golden record."""
    people = frame.loc[frame["last_key"].notna() & frame["first_key"].notna()]
    known = pd.concat([
        pd.DataFrame({"cluster": people["cluster"], "sig": people["last_key"] + "|" + people["first_key"].str[:1]}),
        pd.DataFrame({"cluster": people["cluster"], "sig": _sorted_tokens(people["first_key"] + " " + people["last_key"])}),
    ]).drop_duplicates()
    org = frame["org_key"].dropna()
    signatures = pd.concat([_signatures(org.str.split()), _sorted_tokens(org)])
    candidates = pd.DataFrame({"row": signatures.index, "cluster": frame.loc[signatures.index, "cluster"].to_numpy(),
                               "sig": signatures.to_numpy()})
    hits = candidates.merge(known, on=["cluster", "sig"])["row"]
    return frame.index.isin(hits)


def golden_records(records: pd.DataFrame, prepared: pd.DataFrame, master_id: pd.Series,
                   systems_of_record: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """One row per master_id: the golden fields, `records` (how many source records), `systems`
    and `field_sources` (JSON: field -> {"record": record_key, "rule": ...}).

    `records` is the record model, `prepared` its keys, `master_id` the cluster of each row (all
    aligned by position)."""
    sor = {**DEFAULT_SYSTEMS_OF_RECORD, **(systems_of_record or {})}
    records, prepared = records.reset_index(drop=True), prepared.reset_index(drop=True)
    cluster, masters = pd.factorize(pd.Series(master_id).reset_index(drop=True), sort=True)
    updated = (records[UPDATED_AT] if UPDATED_AT in records.columns
               else pd.Series(pd.NaT, index=records.index, dtype="datetime64[ns, UTC]"))
    recency = np.where(updated.isna(), np.iinfo(np.int64).min, updated.to_numpy(dtype="datetime64[ns]").view(np.int64))
    person = (prepared["first_key"].fillna("") + " " + prepared["last_key"].fillna("")).str.strip()
    place = prepared["street_key"].fillna("") + "|" + prepared["postal_key"].fillna(prepared["city_key"]).fillna("")
    frame = prepared.assign(person_key=person.replace("", pd.NA), place_key=place.where(place != "|"),
                            cluster=cluster, _recency=recency, system=records["system"],
                            record_key=records["record_key"],
                            _key_rank=records["record_key"].rank(method="first").to_numpy())
    frame["org_key"] = frame["org_key"].mask(_is_person_name(frame))
    golden = pd.DataFrame({"master_id": np.asarray(masters, dtype=object),
                           "records": np.bincount(cluster, minlength=len(masters))})
    system_code, systems = pd.factorize(records["system"], sort=True)
    mask = np.zeros(len(masters), dtype=np.int64)
    np.bitwise_or.at(mask, cluster, 1 << system_code.astype(np.int64))
    names_of = {m: ",".join(s for i, s in enumerate(systems) if m >> i & 1) for m in np.unique(mask)}
    golden["systems"] = [names_of[m] for m in mask]
    fragments = []
    for group, (domain, fields, present, agree) in _GROUPS.items():
        pick = _choose(frame, present, agree, tuple(sor.get(domain, ())))
        values = _display(group, records.iloc[pick.index], prepared.iloc[pick.index])
        at = pick["cluster"].to_numpy()
        for field in fields:
            column = np.full(len(masters), None, dtype=object)
            column[at] = values[field].astype(object).where(values[field].notna(), None).to_numpy()
            golden[field] = pd.array(column, dtype="string")
        template = ", ".join(f'"{f}": {{{{"record": {{key}}, "rule": "{{rule}}"}}}}' for f in fields)
        text = np.full(len(masters), "", dtype=object)
        text[at] = [template.format(key=json.dumps(k), rule=r) for k, r in zip(pick["record_key"], pick["_rule"])]
        fragments.append(text)
    golden["field_sources"] = ["{" + ", ".join(p for p in parts if p) + "}" for parts in zip(*fragments)]
    return golden[["master_id", *GOLDEN_FIELDS, "records", "systems", "field_sources"]]
