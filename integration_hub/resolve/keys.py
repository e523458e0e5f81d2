"""Match-ready keys, built from role values with the standardize cleaners.

Every function returns columns aligned on the given index, all NA when the role is absent, so
prepared frames of any input have the same columns. Keys are ASCII, lower-case and free of
punctuation ("Müller GmbH" and "MULLER G.m.b.H." both give "muller"), so that comparing them
compares what the values mean, not how a system happened to spell them.
"""
from __future__ import annotations

import re

import pandas as pd
from anyascii import anyascii

from integration_hub.standardize import addresses, dates, emails, names, phones, text

# Mailbox providers: a shared domain there says nothing about two records being one customer.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "ymail.com", "outlook.com",
    "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "live.com", "msn.com", "icloud.com", "me.com",
    "mac.com", "aol.com", "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "btinternet.com", "sky.com",
    "rogers.com", "shaw.ca", "sympatico.ca", "gmx.de", "gmx.net", "gmx.com", "web.de", "t-online.de",
    "orange.fr", "free.fr", "laposte.net", "wanadoo.fr", "sfr.fr", "proton.me", "protonmail.com", "mail.com",
    "zoho.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com", "naver.com",
})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DROPPED = re.compile(r"['\u2019.]")       # as the company match key does: "O'Brien" -> "obrien"
_UNIT_NUMBER = re.compile(r"[0-9a-z]*\d[0-9a-z]*")
_US_ZIP = re.compile(r"^\d{5}(?:\d{4})?$")
_YYYYMMDD = r"^((?:19|20)\d\d)-?(\d\d)-?(\d\d)$"


def _na(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


def _per_unique(s: pd.Series, fn) -> pd.Series:
    """`fn(text)` once per distinct non-blank value (None -> NA)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    table = pd.array([fn(u) if isinstance(u, str) else None for u in uniques] + [None], dtype="string")
    return pd.Series(table[codes], index=s.index)


def _fold_one(value: str) -> str | None:
    return " ".join(_NON_ALNUM.sub(" ", _DROPPED.sub("", anyascii(value).lower())).split()) or None


def fold(s: pd.Series) -> pd.Series:
    """ASCII, lower-case words separated by one space ("Saint-Étienne" -> "saint etienne", "O'Brien" -> "obrien")."""
    return _per_unique(text.clean_text(s), _fold_one)


def country_key(raw: pd.Series | None, index: pd.Index) -> pd.Series:
    return _na(index) if raw is None else addresses.country_iso2(raw)


def name_keys(company, first, last, full, index: pd.Index) -> pd.DataFrame:
    """org_key (company match key, legal forms removed), first_key, last_key (person name parts),
    and name_key: the organisation's key when there is one, else the person's "first last"."""
    org = _na(index) if company is None else fold_company(company)
    first_key, last_key = _na(index), _na(index)
    if first is not None:
        first_key = fold(first)
    if last is not None:
        last_key = fold(last)
    if full is not None:
        split = names.split_person_name(full)
        first_key = first_key.fillna(fold(split["first"]))
        last_key = last_key.fillna(fold(split["last"]))
    person = (first_key.fillna("") + " " + last_key.fillna("")).str.strip().replace("", pd.NA)
    return pd.DataFrame({"org_key": org, "first_key": first_key, "last_key": last_key,
                         "name_key": org.fillna(person)}, index=index)


def fold_company(company: pd.Series) -> pd.Series:
    """The standardize company match key, folded like every other key."""
    return _per_unique(names.company_match_key(company), _fold_one)


def email_keys(raw, index: pd.Index) -> pd.DataFrame:
    """email (validated, lower-case), email_user (local part without "+tag" and dots, as mailbox
    providers read it), email_domain, email_free (the domain is a public mailbox provider)."""
    if raw is None:
        address = _na(index)
    else:   # the cleaner lower-cases anyway: folding case first spares it repeated work
        address = emails.email(raw.astype("string").str.strip().str.lower())
    local = address.str.split("@").str[0]
    domain = address.str.split("@").str[-1]
    user = local.str.split("+").str[0].str.replace(".", "", regex=False)
    return pd.DataFrame({"email": address, "email_user": user, "email_domain": domain,
                         "email_free": domain.isin(FREE_MAIL).fillna(False).astype(bool)}, index=index)


def phone_keys(raw, country_iso: pd.Series, default_region: str, index: pd.Index) -> pd.DataFrame:
    """phone in E.164; numbers written without a country code are read in the record's country."""
    if raw is None:
        return pd.DataFrame({"phone": _na(index)}, index=index)
    return pd.DataFrame({"phone": phones.phone_e164(raw, country_iso.fillna(default_region))}, index=index)


def _unit(value: str) -> str | None:
    return " ".join(_UNIT_NUMBER.findall(value.lower())) or None


def address_keys(number, street, line2, city, postal, country_iso: pd.Series, index: pd.Index) -> pd.DataFrame:
    """street_number, street_key (standardized street name: "Main Street" and "MAIN ST." -> "main st"),
    unit_key (the unit's number: "Suite 200", "Ste. 200" and "#200" -> "200"), city_key and
    postal_key (compact, upper-case; US ZIP+4 cut to the 5-digit ZIP)."""
    out = pd.DataFrame({"street_number": _na(index), "street_key": _na(index), "unit_key": _na(index),
                        "city_key": _na(index), "postal_key": _na(index)}, index=index)
    if street is not None:
        split = addresses.split_street_number(street)
        out["street_number"] = split["number"].str.upper()
        out["street_key"] = fold(split["street"])
        out["unit_key"] = _per_unique(split["unit"], _unit)
    if number is not None:
        out["street_number"] = text.clean_text(number).str.upper().fillna(out["street_number"])
    if line2 is not None:
        out["unit_key"] = _per_unique(text.clean_text(line2), _unit).fillna(out["unit_key"])
    if city is not None:
        out["city_key"] = fold(city)
    if postal is not None:
        code = addresses.postal_code(postal, country_iso).str.replace(r"[\s-]", "", regex=True)
        us = country_iso.eq("US").fillna(False) | code.str.fullmatch(_US_ZIP).fillna(False)
        out["postal_key"] = code.where(~us.astype(bool), code.str[:5])
    return out


def _alnum_upper(value: str) -> str | None:
    return "".join(c for c in value.upper() if c.isalnum()) or None


def identifier_keys(dob, national_id, tax_id, index: pd.Index, bank_account=None) -> pd.DataFrame:
    """date_of_birth (YYYY-MM-DD), national_id, tax_id and bank_account (letters and digits only,
    upper-case; a keyed hash of one, as master vendors pass them, stays itself)."""
    out = pd.DataFrame({"date_of_birth": _na(index), "national_id": _na(index), "tax_id": _na(index),
                        "bank_account": _na(index)}, index=index)
    if dob is not None:
        cleaned = text.clean_text(dob)
        parsed = dates.timestamp_utc(cleaned).dt.strftime("%Y-%m-%d").astype("string")
        # a mistyped date ("19560231") is no date, but still one keystroke from the right one
        parts = cleaned.str.extract(_YYYYMMDD)
        typed = parts[0] + "-" + parts[1] + "-" + parts[2]
        out["date_of_birth"] = parsed.fillna(typed)
    if national_id is not None:
        out["national_id"] = _per_unique(text.clean_text(national_id), _alnum_upper)
    if tax_id is not None:
        out["tax_id"] = _per_unique(text.clean_text(tax_id), _alnum_upper)
    if bank_account is not None:
        out["bank_account"] = _per_unique(text.clean_text(bank_account), _alnum_upper)
    return out
