"""One product catalogue behind the Salesforce price book and the Shopify store.

Each item (one true SKU) belongs to a product group: Shopify shows the group as one product
with a variant per item, Salesforce keeps a Product2 per item. Both systems spell the SKU
their own way now and then (case, separators, lost or added leading zeros), always in a way
a SKU match key (upper case, letters and digits only, no leading zeros in a digit run) undoes.
"""

import random
import re

import numpy as np
import pandas as pd

from integration_hub.demo.variants import pick

# family: (SKU prefix, nouns, variant options (title, SKU suffix), USD list price median in cents)
FAMILIES = {
    "Hardware": ("HW", ("Router", "Switch", "Gateway", "Sensor Hub", "Access Point", "Controller", "Edge Box"),
                 (("Standard", "STD"), ("Pro", "PRO"), ("Max", "MAX")), 24_900),
    "Accessories": ("AC", ("Cable Kit", "Mount", "Charger", "Dock", "Sleeve", "Stand", "Adapter"),
                    (("Black", "BLK"), ("White", "WHT"), ("Blue", "BLU"), ("Red", "RED")), 2_900),
    "Consumables": ("CS", ("Filter", "Label Roll", "Cleaning Kit", "Battery Pack", "Cartridge"),
                    (("Pack of 10", "10"), ("Pack of 50", "50"), ("Pack of 100", "100")), 1_900),
    "Apparel": ("AP", ("T-Shirt", "Hoodie", "Cap", "Jacket", "Backpack"),
                (("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL")), 3_500),
    "Software": ("SW", ("Fleet Manager", "Analytics Suite", "Monitoring Plan", "Security Add-on"),
                 (("Monthly", "MO"), ("Annual", "YR")), 9_900),
    "Services": ("SV", ("Installation", "Onboarding", "Support Plan", "Training Day", "Site Survey"),
                 (("Standard", "STD"), ("Premium", "PRM")), 45_000),
}
_ADJECTIVES = ("Aurora", "Summit", "Nimbus", "Vertex", "Atlas", "Cobalt", "Harbor", "Lumen", "Orbit", "Pioneer",
               "Quartz", "Ridge", "Sierra", "Tidal", "Vector", "Zephyr", "Beacon", "Cascade", "Falcon", "Granite")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_DIGIT_RUN = re.compile(r"\d+")
_CHANNEL_P = {"both": 0.7, "crm": 0.15, "shop": 0.15}


def catalogue_size(scale: int) -> int:
    """Items (SKUs): a few dozen at small scale, a few hundred at large."""
    return int(np.clip(round(12 * scale ** 0.3), 24, 400))


def build_catalogue(rng: np.random.Generator, scale: int) -> pd.DataFrame:
    """One row per item: true_item_id, sku, product group, names, family, channel, USD price, created."""
    n_items = catalogue_size(scale)
    families = list(FAMILIES)
    groups, total = [], 0
    while total < n_items:  # product groups with 1-4 variants until the catalogue is full
        family = families[int(rng.integers(len(families)))]
        options = FAMILIES[family][2]
        k = min(int(rng.choice([1, 1, 2, 3, 4])), len(options), n_items - total)
        groups.append((family, k))
        total += k
    n_groups = len(groups)
    channel = rng.choice(list(_CHANNEL_P), n_groups, p=list(_CHANNEL_P.values()))
    for i, ch in zip(range(min(n_groups, 6)), ("both", "crm", "shop", "both", "crm", "shop")):
        channel[i] = ch  # every channel has products even in a tiny catalogue
    numbers = {prefix: iter(rng.permutation(np.arange(10, 5000))) for prefix, *_ in FAMILIES.values()}
    rows = []
    group_created = np.datetime64("2019-06-01T00:00:00", "s") + rng.integers(0, 5 * 365 * 86400, n_groups).astype("timedelta64[s]")
    noun_pick, adj_pick = rng.integers(0, 1000, n_groups), rng.integers(0, 1000, n_groups)
    price_factor = np.exp(rng.normal(0, 0.5, n_groups))
    for g, (family, k) in enumerate(groups):
        prefix, nouns, options, median = FAMILIES[family]
        if family == "Services":
            channel[g] = "crm"  # services are sold by the sales team only
        title = f"{_ADJECTIVES[adj_pick[g] % len(_ADJECTIVES)]} {nouns[noun_pick[g] % len(nouns)]}"
        number = int(next(numbers[prefix]))
        base_price = max(100, int(round(median * price_factor[g], -2)) - 1)  # 24900 -> 249.00, 2899 -> 28.99
        for v in range(k):
            variant, suffix = options[v] if k > 1 else ("Default Title", "")
            sku = f"{prefix}-{number:04d}" + (f"-{suffix}" if suffix else "")
            rows.append((sku, g, title, variant, family, str(channel[g]), base_price * (1 + v // 2), group_created[g]))
    items = pd.DataFrame(rows, columns=["sku", "group", "product_title", "variant_title", "family", "channel",
                                        "price_minor", "created"])
    items.insert(0, "true_item_id", [f"IT-{i:05d}" for i in range(1, len(items) + 1)])
    return items


def sku_spelling(sku: str, r: random.Random, exact: float = 0.7) -> str:
    """The SKU as one system typed it: usually exact, else case, separators or zeros changed."""
    if r.random() < exact:
        return sku
    parts = sku.split("-")
    roll = r.random()
    if roll < 0.3:
        return sku.lower()
    if roll < 0.5:
        return pick(r, (" ", "", "_", ".")).join(parts)
    if roll < 0.65:
        return " ".join(parts).lower()
    if roll < 0.85:  # a spreadsheet lost the leading zero, or an ERP padded the number
        digits = parts[1]
        parts[1] = digits.lstrip("0") if digits.startswith("0") else "0" + digits
        return "-".join(parts)
    return "".join(parts).lower()


def match_key(sku: str) -> str:
    """What a SKU matcher compares: upper case, letters and digits only, no leading zeros in a digit run."""
    return _DIGIT_RUN.sub(lambda m: m.group().lstrip("0") or "0", _NOT_ALNUM.sub("", sku.upper()))
