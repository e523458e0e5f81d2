"""The real customers behind every system's records: the ground truth the mess is made from.

Each row is one real customer with canonical attributes. The per-system exports
(customers.py) are spelled-differently views of these rows.
"""

import numpy as np
import pandas as pd

from integration_hub.demo import vocab
from integration_hub.demo.text import slug

_COUNTRIES = np.array(["US", "CA", "GB", "DE", "FR"])
_B2B_COUNTRY_P = [0.74, 0.03, 0.09, 0.085, 0.055]
_B2C_COUNTRY_P = [0.85, 0.03, 0.06, 0.04, 0.02]
CURRENCY = {"US": "USD", "CA": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR"}


def build_roster(rng: np.random.Generator, scale: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (customers, hard_negatives).

    hard_negatives lists pairs of DIFFERENT real customers that look alike:
    ``same_name_other_city`` and ``sibling`` (same brand, different company).
    """
    n = scale
    is_b2c = rng.random(n) < 0.2
    is_b2c[: min(len(vocab.CURATED), n)] = False
    country = np.where(is_b2c, rng.choice(_COUNTRIES, n, p=_B2C_COUNTRY_P), rng.choice(_COUNTRIES, n, p=_B2B_COUNTRY_P))
    for i, (_, cc) in enumerate(vocab.CURATED[:n]):
        country[i] = cc
    first = rng.choice(vocab.FIRST_NAMES, n)
    last = rng.choice(vocab.LAST_NAMES, n)
    df = pd.DataFrame({"true_customer_id": [f"RC-{i:06d}" for i in range(1, n + 1)], "is_b2c": is_b2c,
                       "country": country, "first_name": first, "last_name": last})
    df["currency"] = df["country"].map(CURRENCY)
    base, descriptor, name = _company_names(rng, df)
    df["name"] = np.where(is_b2c, df["first_name"] + " " + df["last_name"], name)
    _place(rng, df)
    pairs = _hard_negatives(rng, df, base, descriptor)
    _contacts(rng, df)
    df["industry"] = np.where(is_b2c, "", rng.choice(vocab.INDUSTRIES, n))
    revenue = np.round(np.exp(rng.normal(15.5, 1.4, n)), -4).astype(np.int64)
    df["annual_revenue"] = np.where(is_b2c, 0, revenue)
    start = np.datetime64("2019-01-01T00:00:00", "s")
    span = int((np.datetime64("2025-11-30T00:00:00", "s") - start).astype(np.int64))
    df["since"] = start + rng.integers(0, span, n).astype("timedelta64[s]")
    df["pays_by_wire"] = ~is_b2c & (rng.random(n) < 0.18)
    n_stripe = rng.choice([1, 2, 3], n, p=[0.92, 0.06, 0.02])
    n_stripe[0] = 3  # the textbook "ABC Corporation / ABC Corp / ABC Corp." case
    df["n_stripe"] = n_stripe
    df["n_crm"] = np.where(is_b2c, 0, np.where(rng.random(n) < 0.95, 1, 0) + (rng.random(n) < 0.04))
    df.loc[0, "n_crm"] = 2 if n > 0 else 0
    df["n_billing"] = 1 + (~is_b2c & (rng.random(n) < 0.01))
    return df, pairs


def _company_names(rng: np.random.Generator, df: pd.DataFrame):
    """Unique company names per language area, drawn without replacement from the combinations."""
    n = len(df)
    base = np.empty(n, dtype=object)
    descriptor = np.empty(n, dtype=object)
    legal = np.empty(n, dtype=object)
    english_bases = [p + r for p in vocab.NAME_PREFIXES for r in vocab.NAME_ROOTS] + list(vocab.SURNAME_FIRMS) + list(vocab.ACRONYMS)
    groups = {  # "" as a descriptor gives "ABC Corporation": brand plus legal form only
        ("US", "CA", "GB"): (english_bases, vocab.DESCRIPTORS + ("",)),
        ("DE",): (_pair_bases(vocab.DE_SURNAMES), vocab.DE_DESCRIPTORS),
        ("FR",): (_pair_bases(vocab.FR_SURNAMES), vocab.FR_DESCRIPTORS),
    }
    for countries, (bases, descs) in groups.items():
        idx = np.flatnonzero(np.isin(df["country"].to_numpy(), countries))
        total = len(bases) * len(descs)
        pick = rng.choice(total, len(idx), replace=len(idx) > total)
        base[idx] = np.asarray(bases, dtype=object)[pick // len(descs)]
        descriptor[idx] = np.asarray(descs, dtype=object)[pick % len(descs)]
    legal_sets = {"US": vocab.US_LEGAL, "CA": vocab.US_LEGAL, "GB": vocab.GB_LEGAL, "DE": vocab.DE_LEGAL, "FR": vocab.FR_LEGAL}
    for cc, options in legal_sets.items():
        idx = np.flatnonzero(df["country"].to_numpy() == cc)
        legal[idx] = rng.choice(np.asarray(options, dtype=object), len(idx))
    names = np.array([" ".join(p for p in (b, d, lg) if p) for b, d, lg in zip(base, descriptor, legal)], dtype=object)
    for i, (curated, _) in enumerate(vocab.CURATED[:n]):
        names[i], base[i], descriptor[i] = curated, curated.split()[0], ""
    if n > 3:
        descriptor[2], descriptor[3] = "Holdings", "Logistics"
    return base, descriptor, names


def _pair_bases(surnames) -> list[str]:
    return list(surnames) + [f"{a} & {b}" for a in surnames for b in surnames if a != b]


def _place(rng: np.random.Generator, df: pd.DataFrame) -> None:
    """City, region, postal code, street address and phone number for each customer.

    US/CA streets are stored without their type ("120 Main" + street_type index) so each
    system can spell the type its own way ("St" / "Street"); street_type is -1 elsewhere.
    """
    n = len(df)
    keys = ("city", "region_code", "region_name", "postal_code", "street", "street_type", "line2", "phone_cc", "phone_national")
    cols = {k: [None] * n for k in keys}
    street_no = rng.integers(1, 9900, n)
    pick = rng.random(n)
    salt = rng.integers(0, 10_000_000, n)
    suite = rng.integers(100, 2400, n)
    kind = rng.random(n)
    for i, cc in enumerate(df["country"].to_numpy()):
        x = int(salt[i])
        street_type = x % len(vocab.STREET_TYPES) if cc in ("US", "CA") else -1
        if cc == "US":
            city, code, region, zip3, areas = vocab.US_CITIES[int(pick[i] * len(vocab.US_CITIES))]
            postal = f"{zip3}{x % 100:02d}"
            street = f"{street_no[i]} {vocab.US_STREETS[x % len(vocab.US_STREETS)]}"
            dial, national = "1", f"{areas[x % len(areas)]}{2 + x % 8}{x // 10 % 1_000_000:06d}"
        else:
            options = vocab.INTL_CITIES[cc]
            city, region, stem, dial, area = options[int(pick[i] * len(options))]
            code = region
            postal = _intl_postal(cc, stem, x)
            street = _intl_street(cc, int(street_no[i]) % 180 + 1, x)
            digits = 10 - len(area) if cc in ("GB", "CA") else (9 - len(area) if cc == "FR" else 8)
            national = f"{area}{2 + x % 7}{x // 7 % 10 ** (digits - 1):0{digits - 1}d}"
        line2 = ""
        if cc in ("US", "CA") and kind[i] < 0.36:
            line2 = f"Suite {suite[i]}" if kind[i] < 0.3 else f"Floor {suite[i] % 40 + 1}"
        for key, value in zip(keys, (city, code, region, postal, street, street_type, line2, dial, national)):
            cols[key][i] = value
    for key, values in cols.items():
        df[key] = values


def _intl_postal(cc: str, stem: str, salt: int) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    if cc == "GB":
        return f"{stem} {salt % 9 + 1}{letters[salt % 20]}{letters[salt // 20 % 20]}"
    if cc == "CA":
        return f"{stem} {salt % 9 + 1}{letters[salt % 20]}{salt // 20 % 10}"
    return f"{stem}{salt % 100:02d}"


def _intl_street(cc: str, number: int, salt: int) -> str:
    if cc == "DE":
        return f"{vocab.DE_STREETS[salt % len(vocab.DE_STREETS)]} {number}"
    if cc == "FR":
        return f"{number} {vocab.FR_STREETS[salt % len(vocab.FR_STREETS)]}"
    if cc == "GB":
        return f"{number} {vocab.GB_STREETS[salt % len(vocab.GB_STREETS)]}"
    return f"{number * 10} {vocab.US_STREETS[salt % len(vocab.US_STREETS)]}"


def _hard_negatives(rng, df: pd.DataFrame, base, descriptor) -> pd.DataFrame:
    """Make some different customers share a name (other city) or a brand (sibling companies).

    Returns every pair of distinct B2B customers with the same name (deliberate or by chance)
    plus the deliberate siblings.
    """
    names, cities, countries = df["name"].to_numpy().copy(), df["city"].to_numpy(), df["country"].to_numpy()
    b2b = np.flatnonzero(~df["is_b2c"].to_numpy() & np.isin(countries, ["US", "GB"]))
    b2b = b2b[b2b >= len(vocab.CURATED)]
    k = len(b2b) * 3 // 100
    chosen = rng.permutation(b2b)[: 2 * k]
    siblings = [(2, 3)] if len(df) > 3 else []
    taken = set(names)
    for m, (i, j) in enumerate(zip(chosen[:k], chosen[k:])):
        if m % 2 == 0:
            if countries[i] == countries[j] and cities[i] != cities[j]:
                names[j] = names[i]
            continue
        if countries[i] != countries[j]:
            continue
        stem = f"{base[i]} {descriptor[i]}".strip()
        for offset in range(len(vocab.DESCRIPTORS)):
            candidate = names[i].replace(stem, f"{base[i]} {vocab.DESCRIPTORS[(m + offset) % len(vocab.DESCRIPTORS)]}", 1)
            if candidate not in taken:
                break
        names[j] = candidate
        taken.add(candidate)
        siblings.append((i, j))
    df["name"] = names
    ids = df["true_customer_id"].to_numpy()
    rows = [(ids[i], ids[j], "sibling") for i, j in siblings]
    companies = df.loc[~df["is_b2c"], ["name", "city"]]
    salt = np.full(len(df), "", dtype=object)
    for _, group in companies[companies["name"].duplicated(keep=False)].groupby("name", sort=True):
        first = group.index[0]
        for other in group.index[1:]:
            same_city = group.at[other, "city"] == group.at[first, "city"]
            rows.append((ids[first], ids[other], "same_name_same_city" if same_city else "same_name_other_city"))
            salt[other] = "-" + slug(group.at[other, "city"]) + ("" if not same_city else str(other))
    df["domain_salt"] = salt
    return pd.DataFrame(rows, columns=["true_customer_id_a", "true_customer_id_b", "kind"])


def _contacts(rng: np.random.Generator, df: pd.DataFrame) -> None:
    """Email domain, canonical email and website."""
    legal_words = {"inc", "llc", "corporation", "corp", "co", "ltd", "limited", "plc", "gmbh", "ag", "kg", "sa", "sarl", "sas", "llp", "incorporated"}
    domains, emails, websites = [], [], []
    tags = rng.integers(1, 99, len(df))
    for row, tag in zip(df.itertuples(index=False), tags):
        first, last = slug(row.first_name), slug(row.last_name)
        if row.is_b2c:
            providers = vocab.EMAIL_PROVIDERS[row.country]
            domain = providers[tag % len(providers)]
            emails.append(f"{first}.{last}{tag}@{domain}" if tag % 3 else f"{first}{last}@{domain}")
            websites.append("")
        else:
            words = [w for w in row.name.replace("&", " ").split() if slug(w) not in legal_words]
            domain = slug("".join(words[:3])) + row.domain_salt + vocab.TLD[row.country]
            emails.append(("ap@", "billing@", "accounts@", f"{first}.{last}@", "finance@")[tag % 5] + domain)
            websites.append("www." + domain)
        domains.append(domain)
    df["domain"], df["email"], df["website"] = domains, emails, websites
