"""Small text helpers shared by the customer builders."""

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def ascii_fold(text: str) -> str:
    """'Müller Société' -> 'Muller Societe' (what an ASCII-only system stores)."""
    if text.isascii():
        return text
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def german_fold(text: str) -> str:
    """'Müller' -> 'Mueller': the other common way umlauts get lost."""
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        text = text.replace(src, dst)
    return text


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, for domains and email local parts."""
    return _NON_ALNUM.sub("", ascii_fold(text).lower())
