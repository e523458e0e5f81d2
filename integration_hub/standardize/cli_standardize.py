"""`integration-hub standardize`: clean the known columns of any CSV export, in chunks.

Every input column is written back unchanged, followed by `std_*` columns with the
standardized values (NA written as an empty cell). The file is read and written chunk by
chunk, so its size is bounded by disk, not memory; the output appears under its name only
when complete.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from integration_hub.security.csv_cells import write_csv
from integration_hub.standardize import addresses, emails, names, phones, sku
from integration_hub.standardize._columns import ENTITY_ROLES, detect_columns
from integration_hub.standardize.text import blank_to_na


# Outputs whose absence is normal (most phones have no extension): never counted invalid.
_OPTIONAL = frozenset({"std_phone_ext"})


class StandardizeError(ValueError):
    """The input cannot be standardized: unreadable, malformed, or without any known column."""


def _default_or_plain(cleaner, values: pd.Series, context, unknown: pd.Series) -> pd.Series:
    """`cleaner(values, context)`; where the row's country was unknown and the value does not
    fit the default country ("EC1A 1BB" under a US default), the country-free form instead."""
    out = cleaner(values, context)
    retry = unknown & out.isna()
    if retry.any():
        out = out.where(~retry, cleaner(values, None))
    return out


def _outputs(roles: dict[str, str], chunk: pd.DataFrame, default_country: str) -> dict[str, tuple[str, pd.Series]]:
    """std column -> (source column, standardized values) for one chunk."""
    out: dict[str, tuple[str, pd.Series]] = {}
    col = roles.get

    def add(name: str, role: str, values: pd.Series) -> None:
        out[name] = (roles[role], values)

    country = addresses.country_iso2(chunk[col("country")]) if col("country") else None
    context = country.fillna(default_country) if country is not None else default_country
    if col("company"):
        add("std_company", "company", names.company_name(chunk[col("company")]))
        add("std_company_key", "company", names.company_match_key(chunk[col("company")]))
    for role in ("first_name", "last_name", "contact_name"):
        if col(role):
            add(f"std_{role}", role, names.person_name(chunk[col(role)]))
    if col("contact_name") and not (col("first_name") or col("last_name")):
        split = names.split_person_name(chunk[col("contact_name")])
        add("std_first_name", "contact_name", split["first"])
        add("std_last_name", "contact_name", split["last"])
    if col("email"):
        add("std_email", "email", emails.email(chunk[col("email")]))
    if col("phone"):
        add("std_phone", "phone", phones.phone_e164(chunk[col("phone")], default_region=context))
        add("std_phone_ext", "phone", phones.phone_extension(chunk[col("phone")], default_region=context))
    for role in ("street", "street2"):
        if col(role):
            add(f"std_{role}", role, addresses.street(chunk[col(role)]))
    if col("city"):
        add("std_city", "city", addresses.city(chunk[col("city")]))
    unknown = country.isna() if country is not None else pd.Series(True, index=chunk.index)
    if col("region"):
        add("std_region", "region", _default_or_plain(addresses.region, chunk[col("region")], context, unknown))
    if col("postal_code"):
        add("std_postal_code", "postal_code",
            _default_or_plain(addresses.postal_code, chunk[col("postal_code")], context, unknown))
    if country is not None:
        add("std_country", "country", country)
    if col("sku"):
        add("std_sku", "sku", sku.sku(chunk[col("sku")]))
        add("std_sku_key", "sku", sku.sku_match_key(chunk[col("sku")]))
    return out


def _read_header(path: Path) -> list[str]:
    try:
        return list(pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8-sig").columns)
    except FileNotFoundError as exc:
        raise StandardizeError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise StandardizeError(f"{path}: is a directory, not a CSV file") from exc
    except pd.errors.EmptyDataError as exc:
        raise StandardizeError(f"{path}: empty file, expected a CSV header row") from exc
    except UnicodeDecodeError as exc:
        raise StandardizeError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                               "re-export the file as UTF-8 CSV") from exc


def standardize_file(input_csv: Path, out_csv: Path, entity: str = "customer", *,
                     progress: Callable[[int], None] | None = None, chunksize: int = 100_000,
                     default_country: str = "US") -> dict:
    """Write `out_csv`: `input_csv` unchanged plus standardized `std_*` columns for the columns
    recognized by header for `entity` ("customer", "vendor", "product"). `default_country`
    stands in for a missing or blank country when reading phones, regions and postal codes
    (a region or postal code that does not fit it is then kept in its country-free form).
    `progress`, when given, is called with the number of rows of each chunk written (it fits
    `tqdm.update`). Returns {"rows", "entity", "input", "output", "detected": role -> header,
    "columns": std column -> {"source", "standardized", "blank", "invalid"}}.
    Raises StandardizeError for an unreadable or malformed file or when no column is recognized."""
    input_csv, out_csv = Path(input_csv), Path(out_csv)
    if entity not in ENTITY_ROLES:
        raise StandardizeError(f"unknown entity {entity!r}; known: {', '.join(sorted(ENTITY_ROLES))}")
    headers = _read_header(input_csv)
    roles = detect_columns(headers, entity)
    if not roles:
        raise StandardizeError(f"{input_csv}: no column this tool knows for entity {entity!r} among headers "
                               f"{headers}; expected names like company, first_name, email, phone, street, "
                               "city, state, zip, country, sku")
    template = _outputs(roles, pd.DataFrame(columns=headers, dtype=str), default_country)
    clash = sorted(set(template) & set(headers))
    if clash:
        raise StandardizeError(f"{input_csv}: already has output columns {clash}; standardize the original export")
    counts = {name: {"source": source, "standardized": 0, "blank": 0, "invalid": 0}
              for name, (source, _) in template.items()}
    rows = 0
    partial = out_csv.with_name(out_csv.name + ".partial")
    try:
        chunks = pd.read_csv(input_csv, dtype=str, keep_default_na=False, na_filter=False,
                             encoding="utf-8-sig", chunksize=max(1, chunksize))
        for chunk in chunks:
            outputs = _outputs(roles, chunk, default_country)
            written = chunk.copy()
            for name, (source, values) in outputs.items():
                written[name] = values
                blank = blank_to_na(chunk[source]).isna()
                tally = counts[name]
                tally["standardized"] += int(values.notna().sum())
                tally["blank"] += int(blank.sum())
                if name not in _OPTIONAL:
                    tally["invalid"] += int((~blank & values.isna()).sum())
            write_csv(written, partial, mode="w" if rows == 0 else "a", header=rows == 0, index=False)
            rows += len(chunk)
            if progress is not None:
                progress(len(chunk))
        if rows == 0:                          # header only: still write the header with std columns
            write_csv(pd.DataFrame(columns=headers + list(template)), partial, index=False)
        os.replace(partial, out_csv)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        partial.unlink(missing_ok=True)
        raise StandardizeError(f"{input_csv}: malformed CSV after row {rows}: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return {"rows": rows, "entity": entity, "input": str(input_csv), "output": str(out_csv),
            "detected": roles, "columns": counts}
