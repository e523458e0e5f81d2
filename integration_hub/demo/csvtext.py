"""Turning typed columns into export text, and writing CSV fast.

pandas' ``to_csv`` needs ~5 s per million rows here; joining pyarrow string columns and
writing the joined buffer takes ~1 s and quotes only the values that need it (RFC 4180),
as most exporting systems do.
"""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Column = pa.Array | pa.ChunkedArray | np.ndarray | list


def as_text(values: Column) -> pa.Array:
    """Any column as a pyarrow string array (numbers via their shortest decimal form)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values if values.type == pa.string() else pc.cast(values, pa.string())


def timestamp_text(ts: np.ndarray) -> pa.Array:
    """datetime64 -> 'YYYY-MM-DD HH:MM:SS'."""
    return pc.cast(pa.array(ts.astype("datetime64[s]")), pa.string())


def date_text(ts: np.ndarray) -> pa.Array:
    """datetime64 -> 'YYYY-MM-DD'."""
    return pc.cast(pa.array(ts.astype("datetime64[D]")), pa.string())


def epoch_text(ts: np.ndarray) -> pa.Array:
    """datetime64 -> unix seconds, as some exports write ``created``."""
    return as_text(ts.astype("datetime64[s]").astype(np.int64))


def major_text(minor: np.ndarray) -> pa.Array:
    """Integer minor units -> '1234.50' (two decimals, sign kept)."""
    minor = np.asarray(minor, dtype=np.int64)
    sign = pa.array(np.where(minor < 0, "-", ""))
    whole = as_text(np.abs(minor) // 100)
    cents = pc.utf8_lpad(as_text(np.abs(minor) % 100), 2, "0")
    return pc.binary_join_element_wise(sign, whole, ".", cents, "")


def where(mask: np.ndarray, when_true: Column, when_false: Column) -> pa.Array:
    """Element-wise choice between two text columns."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), as_text(when_true), as_text(when_false))


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.string())


_NEEDS_QUOTES = '[",\r\n]'


def _quote(col: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(col, _NEEDS_QUOTES)
    quoted = pc.binary_join_element_wise(_s('"'), pc.replace_substring(col, '"', '""'), _s('"'), _s(""))
    return pc.if_else(needs, quoted, col)


def _lines(parts: list[pa.Array]) -> pa.Array:
    """CSV lines. Checking one joined string per row is ~10x cheaper than checking every cell,
    so cells are only inspected in the (rare) columns of rows that need quotes."""
    raw = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, _s("\x1f"))
    needs = pc.match_substring_regex(raw, _NEEDS_QUOTES)
    if pc.any(needs).as_py():
        rows = pc.indices_nonzero(needs)
        parts = [_quote(p) if pc.any(pc.match_substring_regex(p.take(rows), _NEEDS_QUOTES)).as_py() else p
                 for p in parts]
    row = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, _s(","))
    return pc.binary_join_element_wise(row, _s("\n"), _s(""))


def _slice(values: Column, start: int, stop: int):
    return values.slice(start, stop - start) if isinstance(values, (pa.Array, pa.ChunkedArray)) else values[start:stop]


def write_csv(path: Path, columns: dict[str, Column], chunk_rows: int = 100_000) -> int:
    """Write ``columns`` (all the same length) as UTF-8 CSV with a header; return the data row count.

    Text is made one chunk at a time, so a million-row file never exists twice in memory.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lengths = {len(c) for c in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"{path.name}: columns differ in length: { {k: len(v) for k, v in columns.items()} }")
    n = lengths.pop() if lengths else 0
    with open(path, "wb") as out:
        header = _lines([pa.array([name], pa.string()) for name in columns])
        out.write(header[0].as_py().encode())
        for start in range(0, n, chunk_rows):
            stop = min(n, start + chunk_rows)
            lines = _lines([as_text(_slice(c, start, stop)).fill_null(_s("")) for c in columns.values()])
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)  # a chunk stays far below 2 GiB
            lo, hi = offsets[lines.offset], offsets[lines.offset + len(lines)]
            out.write(memoryview(lines.buffers()[2])[lo:hi])
    return n


_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£"}


def styled_money(minor: np.ndarray, style: np.ndarray, currency: np.ndarray) -> pa.Array:
    """Major-unit text; style 1 adds thousands separators ('1,234.50'), style 2 also a symbol ('$1,234.50')."""
    plain = major_text(minor)
    rows = np.flatnonzero(style > 0)
    if rows.size == 0:
        return plain
    fancy = [f"{_SYMBOL[c] if s == 2 else ''}{v / 100:,.2f}" for v, s, c in zip(minor[rows], style[rows], currency[rows])]
    mask = np.zeros(len(minor), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(plain, pa.array(mask), pa.array(fancy, pa.string()))


def salesforce_time_text(ts: np.ndarray) -> pa.Array:
    """datetime64 -> Salesforce API datetime '2025-03-01T12:00:00.000+0000'."""
    text = pa.array(np.datetime_as_string(np.asarray(ts, dtype="datetime64[s]"), unit="s"))
    return pc.binary_join_element_wise(text, _s(".000+0000"), _s(""))


def iso_z_text(ts: np.ndarray) -> pa.Array:
    """datetime64 -> ISO 8601 UTC '2025-03-01T12:00:00Z' (Shopify); NaT -> null."""
    ts = np.asarray(ts, dtype="datetime64[s]")
    text = pa.array(np.datetime_as_string(ts, unit="s"), mask=np.isnat(ts))
    return pc.binary_join_element_wise(text, _s("Z"), _s(""))


def api_number_text(minor: np.ndarray) -> pa.Array:
    """Integer hundredths -> a JSON number as the Salesforce API writes it: '1234.5', '1234.0', '1234.56'."""
    minor = np.asarray(minor, dtype=np.int64)
    sign = pa.array(np.where(minor < 0, "-", ""))
    whole, cents = np.abs(minor) // 100, np.abs(minor) % 100
    frac = pc.if_else(pa.array(cents % 10 == 0), as_text(cents // 10), pc.utf8_lpad(as_text(cents), 2, "0"))
    return pc.binary_join_element_wise(sign, as_text(whole), ".", frac, "")
