"""Export files as their source wrote them: every value kept as text, row numbers attached.

A clean file is read by pyarrow in one pass (about a second per million rows). Only a file pyarrow
cannot read, or reads in a way that cannot be trusted, goes through the tolerant row reader
(csv_rows), which sets each bad row aside with its line and rule; a file that cannot be read as
CSV at all is refused with its rule (UnreadableExport), so the caller can quarantine it and go on.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from integration_hub.connectors.csv_encoding import UTF8, decode
from integration_hub.connectors.csv_rows import REJECT_COLUMNS, UnreadableFile, read_rows

ROW = "_row"
ORIGIN = "_origin"
EXTRACTED_AT = "_extracted_at"

_SNIFF = 8192            # NUL bytes this early in a file mean a binary file (zip, xlsx, pdf), not CSV text
_BINARY_NULS = 8         # more NULs than this in the first _SNIFF bytes (or one in the header line): binary


class ExportFileError(ValueError):
    pass


class UnreadableExport(ExportFileError):
    """The file is not CSV text at all (empty, binary, no readable header); `rule` says which."""

    def __init__(self, path: Path, rule: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.rule = rule


@dataclass
class ExportRead:
    frame: pd.DataFrame          # the good rows, `_row` numbering every data row of the file
    rejects: pd.DataFrame        # csv_rows.REJECT_COLUMNS: the bad rows, with line and rule
    encoding: str                # utf-8, or cp1252 when the file was written in it


def read_export(path: Path, id_column: str | None = None) -> ExportRead:
    """Read a CSV export with every column as text (blank stays ""), adding `_row` (1-based data row).
    `id_column` names the column whose value identifies a rejected row in the quarantine."""
    if not path.is_file():
        raise ExportFileError(f"{path}: export file not found")
    data = path.read_bytes()
    try:
        _refuse_non_text(data)
        frame, encoding = _fast(data), UTF8
        if frame is None:
            text, encoding = decode(data)
            frame = _fast(text.encode(UTF8)) if encoding != UTF8 else None
        if frame is not None:
            return ExportRead(stamp(frame, origin=str(path)), pd.DataFrame(columns=REJECT_COLUMNS), encoding)
        rows = read_rows(text, id_column)
    except UnreadableFile as exc:
        raise UnreadableExport(path, exc.rule, str(exc)) from exc
    frame = pd.DataFrame(rows.records, columns=rows.header, dtype=object)
    return ExportRead(stamp(frame, origin=str(path), rows=pd.Series(rows.row_numbers, dtype="int64")),
                      rows.rejects, encoding)


def _refuse_non_text(data: bytes) -> None:
    if not re.search(rb"\S", data):
        raise UnreadableFile("file.empty", "the file is empty")
    head = data[:_SNIFF]
    first_line = head.split(b"\n", 1)[0]
    if b"\x00" in first_line or head.count(b"\x00") > _BINARY_NULS:
        raise UnreadableFile("file.binary", "the file holds binary data (NUL bytes), not CSV text")


def _fast(data: bytes) -> pd.DataFrame | None:
    """pyarrow's reading of UTF-8 `data`, or None when it failed or cannot be trusted: pyarrow takes
    duplicate header names, and a quote left open that swallows the rest of the file, without a word."""
    names = _header_names(data)
    if names is None or len(set(names)) != len(names) or b"\x00" in data:    # a stray NUL: that row is bad
        return None
    try:
        table = pcsv.read_csv(
            pa.BufferReader(data), parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:      # malformed rows, damaged UTF-8, a row larger than pyarrow's block
        return None
    if table.column_names != names or (data.count(b'"') % 2 and _last_row_spans_lines(table)):
        return None
    return table.to_pandas()


def _header_names(data: bytes) -> list[str] | None:
    first_line = data[:data.find(b"\n") if b"\n" in data[:1 << 20] else 1 << 20]
    try:
        return next(csv.reader(io.StringIO(first_line.decode("utf-8-sig"), newline="")), None)
    except UnicodeDecodeError:
        return None


def _last_row_spans_lines(table: pa.Table) -> bool:
    """An odd number of quotes may be a quote never closed; if so it swallowed the lines after it into
    the last row (a literal inch mark `12"` also makes the count odd, harmlessly)."""
    if table.num_rows == 0:
        return True
    last = table.slice(table.num_rows - 1).to_pylist()[0].values()
    return any("\n" in v or "\r" in v for v in last)


def stamp(frame: pd.DataFrame, *, origin: str, rows: pd.Series | None = None) -> pd.DataFrame:
    """Add the extraction columns every `extracted` dataset carries."""
    frame = frame.reset_index(drop=True)
    frame[ROW] = rows.to_numpy() if rows is not None else range(1, len(frame) + 1)
    frame[ORIGIN] = origin
    frame[EXTRACTED_AT] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return frame
