"""Finding a vendor's export file in a system's folder, and its header, before reading it whole."""
from __future__ import annotations

import csv
import io
from pathlib import Path


_HEADER_BYTES = 1 << 16


def find_file(folder: Path, names: list[str]) -> Path | None:
    """The first of `names` present in `folder`, matched case-insensitively (a user saving a
    Data Loader extract or unzipping a Data Export picks or keeps any spelling)."""
    if not folder.is_dir():
        return None
    present = {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_file()}
    return next((present[n.lower()] for n in names if n.lower() in present), None)


def find_matching(folder: Path, prefix: str) -> list[Path]:
    """CSV files whose name starts with `prefix` (Shopify names a download `orders_export.csv`
    or `orders_export_1.csv`), case-insensitively."""
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() == ".csv" and p.name.lower().startswith(prefix)]


def header_of(path: Path) -> list[str]:
    """The header names of a CSV file (a byte-order mark dropped; undecodable bytes replaced:
    only recognition needs them, the full read judges the file)."""
    with path.open("rb") as f:
        head = f.read(_HEADER_BYTES)
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    return next(csv.reader(io.StringIO(first[0])), []) if first else []

