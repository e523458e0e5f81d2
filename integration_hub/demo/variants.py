"""How one real value gets spelled in different systems: the mess of customer master data.

Every function takes a ``random.Random`` so the spelling is reproducible from the seed.
``heavy`` variants are for duplicate records (a second Stripe customer typed by someone
else); light ones for a system's normal record.
"""

import random
import re

from integration_hub.demo import vocab
from integration_hub.demo.text import ascii_fold, german_fold

_LEGAL_EQUIVALENTS = (
    ("Corporation", ("Corp", "Corp.", "CORP", "Corporation")),
    ("Corp.", ("Corp", "Corporation", "Corp.")),
    ("Incorporated", ("Inc", "Inc.")),
    ("Inc.", ("Inc", "Incorporated", "INC")),
    ("Inc", ("Inc.", "Incorporated")),
    ("LLC", ("L.L.C.", "Llc", "LLC.")),
    ("Ltd.", ("Ltd", "Limited")),
    ("Ltd", ("Ltd.", "Limited", "LTD")),
    ("Limited", ("Ltd", "Ltd.")),
    ("Co.", ("Co", "Company")),
    ("GmbH & Co. KG", ("GmbH & Co KG", "GmbH u. Co. KG")),
    ("GmbH", ("Gmbh", "G.m.b.H.", "GMBH")),
    ("PLC", ("plc", "Plc")),
    ("SARL", ("S.A.R.L.", "Sarl")),
    ("SAS", ("S.A.S.",)),
    ("SA", ("S.A.",)),
    ("AG", ("A.G.",)),
)
_LEGAL_RE = re.compile(r",?\s+(" + "|".join(re.escape(k) for k, _ in _LEGAL_EQUIVALENTS) + r")$")
_INTL_AREAS = {cc: sorted({c[4] for c in cities}, key=len, reverse=True) for cc, cities in vocab.INTL_CITIES.items()}
_DIAL_TO_COUNTRY = {"49": "DE", "33": "FR", "44": "GB"}


def pick(r: random.Random, options):
    """r.choice, about 3x faster (one float instead of rejection-sampled bits); matters at 150k records."""
    return options[int(r.random() * len(options))]


def company_variant(name: str, r: random.Random, heavy: bool = False) -> str:
    """A plausible other spelling of a company name (maybe the same one when light)."""
    if not heavy and r.random() < 0.7:
        return name
    ops = [_swap_legal, _drop_legal, _comma_legal, _case, _spaces, _ampersand, _fold]
    if heavy:
        ops += [_typo, _swap_legal, _swap_legal]
    for op in r.sample(ops, 2 if heavy else 1):
        name = op(name, r)
    return name


def _swap_legal(name: str, r: random.Random) -> str:
    m = _LEGAL_RE.search(name)
    if not m:
        return name
    options = dict(_LEGAL_EQUIVALENTS)[m.group(1)]
    return name[: m.start(1)] + pick(r, options)


def _drop_legal(name: str, r: random.Random) -> str:
    m = _LEGAL_RE.search(name)
    return name[: m.start()] if m and m.start() > 0 else name


def _comma_legal(name: str, r: random.Random) -> str:
    m = _LEGAL_RE.search(name)
    return f"{name[: m.start()]}, {m.group(1)}" if m and "," not in m.group(0) else name


def _case(name: str, r: random.Random) -> str:
    return pick(r, (name.upper(), name.lower(), name.title()))


def _spaces(name: str, r: random.Random) -> str:
    return pick(r, (f"  {name}", f"{name} ", name.replace(" ", "  ", 1), f" {name}  "))


def _ampersand(name: str, r: random.Random) -> str:
    return name.replace(" & ", " and ") if "&" in name else name.replace(" and ", " & ")


def _fold(name: str, r: random.Random) -> str:
    if name.isascii():
        return name
    return german_fold(name) if r.random() < 0.5 else ascii_fold(name)


def _typo(name: str, r: random.Random) -> str:
    """One keyboard slip inside the brand, never in the legal suffix."""
    word = name.split(" ")[0]
    if len(word) < 4:
        return name
    i = r.randrange(1, len(word) - 2)
    kind = r.randrange(3)
    if kind == 0:
        slipped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif kind == 1:
        slipped = word[:i] + word[i + 1:]
    else:
        slipped = word[:i] + word[i] + word[i:]
    return slipped + name[len(word):]


def person_variant(first: str, last: str, r: random.Random, heavy: bool = False) -> str:
    """'Jürgen Müller' as a full name typed somewhere else."""
    if not heavy and r.random() < 0.7:
        return f"{first} {last}"
    return pick(r, (f"{last}, {first}", f"{first[0]}. {last}", f"{first} {last}".upper(), f"{first} {last}".lower(),
                     f"{first}  {last}", ascii_fold(f"{first} {last}"), _typo(f"{first} {last}", r)))


def email_variant(email: str, r: random.Random, heavy: bool = False) -> str:
    local, domain = email.split("@")
    roll = r.random()
    if not heavy and roll < 0.8:
        return email if roll < 0.72 else email.upper()
    if domain.startswith(("gmail", "outlook", "yahoo", "icloud", "gmx", "web.", "orange", "hotmail")):
        return pick(r, (f"{local.replace('.', '')}@{domain}", f"{local}+shop@{domain}", f" {email.capitalize()}", ""))
    return pick(r, (f"ap@{domain}", f"invoices@{domain}", f"accounting@{domain}", email.upper(), f"{email} ", ""))


_NANP_TIDY = ("({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}")
_NANP_LOOSE = ("{a}.{b}.{c}", "{a}{b}{c}", "1-{a}-{b}-{c}", "+1{a}{b}{c}", "{a} {b} {c}", "({a}) {b}-{c} x{x}",
               "{a}{b}{c} x{x}", "{a}.{b}.{c} ext. {x}", "+1 ({a}) {b}-{c}")
_INTL_TIDY = ("+{d} {a} {s}", "0{a} {s}")
_INTL_LOOSE = ("+{d} (0){a} {s}", "00{d} {a} {r}", "+{d}{a}{r}", "0{a}-{r}", "0{a}/{r}")


def phone_text(dial: str, national: str, r: random.Random, formal: float = 0.5) -> str:
    """One of the many ways people write a phone number; ``formal`` favours the tidy forms."""
    tidy = r.random() < formal
    if dial == "1":
        fmt = pick(r, _NANP_TIDY if tidy else _NANP_LOOSE)
        return fmt.format(a=national[:3], b=national[3:6], c=national[6:], x=r.randrange(10, 999) if "{x}" in fmt else "")
    country = _DIAL_TO_COUNTRY[dial]
    area = next(x for x in _INTL_AREAS[country] if national.startswith(x))
    rest = national[len(area):]
    if country == "FR":
        spaced = " ".join(rest[i: i + 2] for i in range(0, len(rest), 2))
    elif country == "GB":
        spaced = f"{rest[:-4]} {rest[-4:]}"
    else:
        spaced = rest
    return pick(r, _INTL_TIDY if tidy else _INTL_LOOSE).format(d=dial, a=area, s=spaced, r=rest)


def street_lines(street: str, street_type: int, line2: str, r: random.Random, long_type: float = 0.5) -> tuple[str, str]:
    """(line1, line2) with 'St'/'Street', 'Ste 200'/'Suite 200'/'#200' spelled per system."""
    if street_type >= 0:
        short, long = vocab.STREET_TYPES[street_type]
        roll = r.random()
        street = f"{street} {long if roll < long_type else short}{'.' if roll > 0.93 and short != long else ''}"
    if line2.startswith("Suite"):
        line2 = pick(r, ("Suite ", "Ste ", "Ste. ", "#", "STE ")) + line2.split(" ")[1]
    elif line2.startswith("Floor"):
        line2 = pick(r, (line2, "Fl " + line2.split(" ")[1]))
    if r.random() < 0.05:
        street, line2 = street.upper(), line2.upper()
    return street, line2


def region_text(country: str, code: str, name: str, r: random.Random, full: float = 0.3) -> str:
    if country in ("US", "CA"):
        roll = r.random()
        return "" if roll < 0.04 else (name if roll < 0.04 + full else (code.lower() if roll > 0.97 else code))
    return name if r.random() < 0.4 else ""


def country_text(country: str, r: random.Random, iso: float = 0.5) -> str:
    """'US' as 'USA', 'U.S.', 'United States'...; blank now and then."""
    spellings = vocab.COUNTRY_SPELLINGS[country]
    roll = r.random()
    if roll < 0.03:
        return ""
    return spellings[0] if roll < iso else pick(r, spellings[1:])


def postal_text(country: str, postal: str, r: random.Random, lose_zeros: float = 0.0) -> str:
    """ZIP+4 now and then; leading zeros lost by a spreadsheet round trip (at ``lose_zeros``)."""
    if country == "US":
        if postal.startswith("0") and r.random() < lose_zeros:
            return postal.lstrip("0")
        return f"{postal}-{r.randrange(1000, 9999)}" if r.random() < 0.1 else postal
    if country == "GB" and r.random() < 0.2:
        return pick(r, (postal.replace(" ", ""), postal.lower()))
    return postal


def city_text(city: str, r: random.Random) -> str:
    roll = r.random()
    return city.upper() if roll < 0.05 else (city.lower() if roll < 0.07 else (ascii_fold(city) if roll < 0.1 else city))
