"""Customer exports of Stripe, billing and CRM, each a differently spelled view of the roster."""

import random
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from integration_hub.demo import ids
from integration_hub.demo.csvtext import epoch_text, timestamp_text, where
from integration_hub.demo.variants import (
    city_text, company_variant, country_text, email_variant, person_variant, phone_text, pick, postal_text,
    region_text, street_lines,
)
from integration_hub.demo.window import END

WINDOW_END = END - np.timedelta64(1, "s")
_STRIPE_DESCRIPTIONS = ("", "", "", "NET30 customer", "Signed up via website", "Migrated from legacy billing",
                        "Annual plan", "VIP - do not dun", "Reseller")

_TEXT_FIELDS = ["is_b2c", "name", "first_name", "last_name", "email", "domain", "street", "street_type", "line2", "city",
                "region_code", "region_name", "postal_code", "country", "currency", "phone_cc", "phone_national",
                "industry", "annual_revenue"]


@dataclass
class CustomerExports:
    exports: dict          # file name -> {column name -> values}, contract column order
    truth: pd.DataFrame    # system, source_id, true_customer_id, is_b2c
    stripe_ids: pa.Array    # per Stripe record, aligned with stripe_owner
    stripe_owner: np.ndarray  # roster index of each Stripe record
    billing_id: np.ndarray  # primary billing customer id per roster row
    crm: "CrmRecords | None" = None  # the account records, for the Salesforce org built on them


@dataclass
class CrmRecords:
    """Per CRM account record (file order): roster owner, copy number (0 = primary), times, id."""
    owner: np.ndarray
    copy: np.ndarray
    created: np.ndarray   # datetime64[s]
    modified: np.ndarray  # datetime64[s]
    ids: np.ndarray       # Salesforce Account ids (object array)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roster index and copy number (0 = primary) for ``counts[i]`` records of customer i."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.arange(len(owner)) - starts


def _later(rng, since: np.ndarray, copy: np.ndarray, jitter_days: int = 0) -> np.ndarray:
    """Duplicates are created after the primary record, within the window.

    ``jitter_days`` shifts a system's records: billing a few days after signup (+), CRM before it (-).
    """
    extra = rng.integers(1, 300 * 86400, len(since)).astype("timedelta64[s]") * (copy > 0)
    lag = rng.integers(0, abs(jitter_days) * 86400 + 1, len(since)).astype("timedelta64[s]") * int(np.sign(jitter_days))
    return np.minimum(since + extra + lag, WINDOW_END - np.timedelta64(86400, "s"))


def build_customers(rng: np.random.Generator, roster: pd.DataFrame, r: random.Random) -> CustomerExports:
    stripe, s_owner, s_ids = _stripe(rng, roster, r)
    billing, b_owner, billing_id = _billing(rng, roster, r, s_ids, s_owner)
    crm, crm_records = _crm(rng, roster, r)
    c_owner = crm_records.owner
    truth = pd.concat([
        pd.DataFrame({"system": "stripe", "source_id": stripe["id"].to_pylist(), "owner": s_owner}),
        pd.DataFrame({"system": "billing", "source_id": billing["customer_id"], "owner": b_owner}),
        pd.DataFrame({"system": "crm", "source_id": crm["Id"].to_pylist(), "owner": c_owner}),
    ], ignore_index=True)
    truth["true_customer_id"] = roster["true_customer_id"].to_numpy()[truth["owner"]]
    truth["is_b2c"] = roster["is_b2c"].to_numpy()[truth["owner"]]
    truth = truth.drop(columns="owner")
    files = {"stripe/customers.csv": stripe, "billing/customers.csv": billing, "crm/accounts.csv": crm}
    return CustomerExports(files, truth, stripe["id"], s_owner, billing_id, crm_records)


def _stripe(rng, roster: pd.DataFrame, r: random.Random):
    owner, copy = _expand(roster["n_stripe"].to_numpy())
    created = _later(rng, roster["since"].to_numpy()[owner], copy)
    order = np.argsort(created, kind="stable")
    owner, copy, created = owner[order], copy[order], created[order]
    keys = ("email", "name", "phone", "description", "address_line1", "address_line2", "address_city",
            "address_state", "address_postal_code", "address_country", "currency")
    rows = []
    for row, k in zip(roster.iloc[owner][_TEXT_FIELDS].itertuples(index=False), copy):
        heavy = bool(k)
        name = person_variant(row.first_name, row.last_name, r, heavy) if row.is_b2c else company_variant(row.name, r, heavy)
        line1, line2 = street_lines(row.street, row.street_type, row.line2, r, long_type=0.4)
        blank_address = r.random() < 0.12
        values = (email_variant(row.email, r, heavy), name,
                  "" if r.random() < 0.1 else phone_text(row.phone_cc, row.phone_national, r, formal=0.35),
                  pick(r, _STRIPE_DESCRIPTIONS), line1, line2, city_text(row.city, r),
                  region_text(row.country, row.region_code, row.region_name, r, full=0.25),
                  postal_text(row.country, row.postal_code, r), country_text(row.country, r, iso=0.8),
                  "" if r.random() < 0.1 else row.currency.lower())
        if blank_address:  # card-only customers often have no address
            values = values[:4] + ("",) * 6 + values[10:]
        rows.append(values)
    epoch = rng.random(len(owner)) < 0.02
    stripe_id = ids.stripe_ids(rng, len(owner), "cus_", 14)
    out = {"id": stripe_id, **_columns(keys, rows), "created": where(epoch, epoch_text(created), timestamp_text(created))}
    return out, owner, stripe_id


def _billing(rng, roster: pd.DataFrame, r: random.Random, stripe_ids: pa.Array, stripe_owner: np.ndarray):
    owner, copy = _expand(roster["n_billing"].to_numpy())
    created = _later(rng, roster["since"].to_numpy()[owner], copy, jitter_days=3)
    order = np.lexsort((copy, created))
    owner, copy, created = owner[order], copy[order], created[order]
    customer_id = [f"CUST-{i:06d}" for i in range(1, len(owner) + 1)]
    primary_stripe = {}
    for sid, o in zip(stripe_ids.to_pylist(), stripe_owner):
        primary_stripe.setdefault(o, []).append(sid)
    keys = ("company_name", "contact_first_name", "contact_last_name", "email", "phone", "billing_street",
            "billing_city", "billing_state", "billing_postal_code", "billing_country", "currency", "stripe_customer_id")
    rows = []
    for row, o, k in zip(roster.iloc[owner][_TEXT_FIELDS].itertuples(index=False), owner, copy):
        heavy = bool(k)
        line1, line2 = street_lines(row.street, row.street_type, row.line2, r, long_type=0.7)
        street = line1 if not line2 else pick(r, (f"{line1}, {line2}", f"{line1} {line2}"))
        first, last = (row.first_name, row.last_name) if r.random() < 0.9 else (row.first_name.upper(), row.last_name.upper())
        candidates = primary_stripe[o]
        roll = r.random()
        stripe_ref = "" if roll < 0.15 else (candidates[0] if roll < 0.95 or len(candidates) == 1 else candidates[-1])
        values = ("" if row.is_b2c else company_variant(row.name, r, heavy), first, last, email_variant(row.email, r, heavy),
                  "" if r.random() < 0.05 else phone_text(row.phone_cc, row.phone_national, r, formal=0.85), street,
                  row.city, region_text(row.country, row.region_code, row.region_name, r, full=0.15),
                  postal_text(row.country, row.postal_code, r), country_text(row.country, r, iso=0.3), row.currency,
                  "" if heavy else stripe_ref)
        rows.append(values)
    out = {"customer_id": customer_id, **_columns(keys, rows), "created_at": timestamp_text(created)}
    billing_id = np.empty(len(roster), dtype=object)
    primary = copy == 0
    billing_id[owner[primary]] = np.asarray(customer_id, dtype=object)[primary]
    return out, owner, billing_id


def _crm(rng, roster: pd.DataFrame, r: random.Random):
    owner, copy = _expand(roster["n_crm"].to_numpy())
    created = _later(rng, roster["since"].to_numpy()[owner], copy, jitter_days=-60)
    modified = np.minimum(created + rng.integers(0, 400 * 86400, len(owner)).astype("timedelta64[s]"), WINDOW_END)
    keys = ("Name", "Phone", "Website", "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode",
            "BillingCountry", "Industry", "AnnualRevenue")
    rows = []
    for row, k in zip(roster.iloc[owner][_TEXT_FIELDS].itertuples(index=False), copy):
        line1, line2 = street_lines(row.street, row.street_type, row.line2, r, long_type=0.6)
        # Salesforce keeps a multi-line street in one field, newline included.
        street = line1 if not line2 else pick(r, (f"{line1}\n{line2}", f"{line1}, {line2}"))
        site = pick(r, (f"www.{row.domain}", f"http://www.{row.domain}", f"https://{row.domain}/", row.domain, ""))
        revenue = pick(r, (str(row.annual_revenue), f"{row.annual_revenue}.00", ""))
        values = (company_variant(row.name, r, bool(k)),
                  "" if r.random() < 0.15 else phone_text(row.phone_cc, row.phone_national, r, formal=0.7), site,
                  street, city_text(row.city, r), region_text(row.country, row.region_code, row.region_name, r, full=0.5),
                  postal_text(row.country, row.postal_code, r, lose_zeros=0.4), country_text(row.country, r, iso=0.2),
                  "" if r.random() < 0.1 else row.industry, revenue)
        rows.append(values)
    sf_created = _salesforce_time(created)
    out = {"Id": ids.salesforce_ids(rng, len(owner)), **_columns(keys, rows), "CreatedDate": sf_created,
           "LastModifiedDate": _salesforce_time(modified)}
    return out, CrmRecords(owner, copy, created, modified, out["Id"].to_numpy(zero_copy_only=False))


def _columns(keys: tuple[str, ...], rows: list[tuple]) -> dict:
    """Row tuples -> column lists (appending to a dozen lists per row costs twice as much)."""
    return dict(zip(keys, map(list, zip(*rows)))) if rows else {k: [] for k in keys}


def _salesforce_time(ts: np.ndarray) -> list[str]:
    """Salesforce export format: 2023-04-05T10:11:12.000+0000."""
    return [f"{t}.000+0000" for t in np.datetime_as_string(ts, unit="s")]
