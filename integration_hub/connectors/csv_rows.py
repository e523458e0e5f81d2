"""The tolerant row reader: an export the fast reader refused, read record by record so that each bad
row is set aside with its line number and the rule it broke while the rest of the file still loads.

It only runs when pyarrow could not read a file, so it may be slow; Python's csv module parses
the way pyarrow does (RFC 4180, lenient about stray quotes), which keeps the two paths agreeing
on every good row. Data rows are numbered as in the file, bad ones included, so the good rows
keep the numbers the fast reader would have given them and each bad row has its own.
"""
from __future__ import annotations

import csv
import io
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from integration_hub.connectors.csv_encoding import BAD_BYTES, show_bytes

FIELD_LIMIT = 1 << 20      # characters: a field past a megabyte is a broken export, not ERP data
VALUE_PREFIX = 200         # what the quarantine keeps of a bad value or line, with its full length
TEXT_PREFIX = 1000
REJECT_COLUMNS = ["row_number", "line", "rule", "column_name", "value", "text", "source_id"]

UNBALANCED_QUOTE = "row.unbalanced_quote"
ENCODING = "row.encoding"
FIELD_COUNT = "row.field_count"
FIELD_TOO_LARGE = "row.field_too_large"
NUL_BYTE = "row.nul_byte"
DUPLICATE_COLUMN = "header.duplicate_column"

# Fed after the last line: a quote still open at the end of the file swallows it, which is how an
# unclosed quote is told from a complete record. Decoded text never holds U+DFFF (damaged bytes
# become U+DC80..U+DCFF), so no file can contain it.
_END = "\udfff"


class UnreadableFile(ValueError):
    """The file cannot be read as CSV at all; `rule` names why (file.empty, file.header, ...)."""

    def __init__(self, rule: str, reason: str):
        super().__init__(reason)
        self.rule = rule


@dataclass
class Rows:
    header: list[str]
    records: list[list[str]]
    row_numbers: list[int]
    rejects: pd.DataFrame      # REJECT_COLUMNS, one row per bad row (row_number None: the header)


class _Lines:
    """The file's physical lines fed to csv one at a time, from a position that can be moved back."""

    def __init__(self, lines: list[str]):
        self.lines = [*lines, _END + "\n"]
        self.real = len(lines)
        self.pos = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]

    def text(self, start: int, end: int) -> str:
        return "".join(self.lines[start:min(end, self.real)])


def _records(feed: _Lines):
    """(first line index, end line index, fields) of each non-blank record, until the end marker."""
    reader = csv.reader(feed)
    while True:
        start = feed.pos
        fields = next(reader, None)
        if fields is None or fields == [_END]:
            return
        if fields:
            yield start, feed.pos, fields


@contextmanager
def _no_csv_field_limit():
    """csv refuses fields over 128 KiB; sizes are judged here against FIELD_LIMIT instead. The csv
    limit is process-wide, so it is put back afterwards."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def bounded(text: str, limit: int = VALUE_PREFIX) -> str:
    """`text`, or its first `limit` characters and its length: a 10 MB value is never stored whole.
    A digit run cut in two loses its kept half, so redaction still sees whole numbers."""
    if len(text) <= limit:
        return _shown(text)
    prefix = text[:limit]
    if text[limit].isdigit():
        prefix = prefix.rstrip("0123456789")
    return f"{_shown(prefix)}… [{len(text)} characters]"


def _shown(text: str) -> str:
    """Damaged bytes and NUL shown as \\xNN: a NUL cannot be stored in a PostgreSQL text column."""
    return show_bytes(text).replace("\x00", "\\x00")


def read_rows(text: str, id_column: str | None = None) -> Rows:
    """Read decoded CSV text; raise UnreadableFile when even its header cannot be read."""
    lines = list(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    damaged = {i for i, line in enumerate(lines) if BAD_BYTES.search(line)} if BAD_BYTES.search(text) else set()
    feed = _Lines(lines)
    with _no_csv_field_limit():
        records = _records(feed)
        first = next(records, None)
        if first is None:
            raise UnreadableFile("file.empty", "the file holds no header line")
        header = _header(feed, damaged, *first)
        judge = _RowJudge(header, first[:2], damaged, feed, id_column)
        kept, numbers = [], []
        for number, (start, end, fields) in enumerate(records, start=1):
            if judge.judge(number, start, end, fields):
                kept.append(judge.keep(fields))
                numbers.append(number)
    return Rows([header[i] for i in judge.kept_columns], kept, numbers,
                pd.DataFrame(judge.rejects, columns=REJECT_COLUMNS, dtype=object))


def _header(feed: _Lines, damaged: set[int], start: int, end: int, fields: list[str]) -> list[str]:
    if end > feed.real:
        raise UnreadableFile("file.header", "a quote in the header line is never closed")
    if any(i in damaged for i in range(start, end)):
        raise UnreadableFile("file.header", f"the header line is not valid text: {bounded(feed.text(start, end))}")
    if max(map(len, fields)) > FIELD_LIMIT:
        raise UnreadableFile("file.header", f"a header name is over {FIELD_LIMIT} characters long")
    return fields


class _RowJudge:
    """Decides, record by record, which rule a row breaks (the first of them) and keeps the rejects."""

    def __init__(self, header: list[str], header_lines: tuple[int, int], damaged: set[int], feed: _Lines,
                 id_column: str | None):
        self.header, self.damaged, self.feed = header, damaged, feed
        self.id_at = header.index(id_column) if id_column in header else None
        firsts: dict[str, int] = {}
        for i, name in enumerate(header):
            firsts.setdefault(name, i)
        self.copies = [(firsts[name], i) for i, name in enumerate(header) if firsts[name] != i]
        self.kept_columns = [i for i, name in enumerate(header) if firsts[name] == i]
        self.rejects: list[tuple] = []
        for name in dict.fromkeys(header[i] for _, i in self.copies):
            self.rejects.append((None, header_lines[0] + 1, DUPLICATE_COLUMN, name,
                                 f"the header names {name!r} {header.count(name)} times; the first is kept",
                                 bounded(feed.text(*header_lines), TEXT_PREFIX), None))

    def judge(self, number: int, start: int, end: int, fields: list[str]) -> bool:
        broken = self._broken(start, end, fields)
        if broken is None:
            return True
        rule, column, value = broken
        if rule == UNBALANCED_QUOTE:
            self.feed.pos = end = start + 1    # the lines the quote swallowed are rows of their own
        source_id = fields[self.id_at] if self.id_at is not None and self.id_at < len(fields) else None
        self.rejects.append((number, start + 1, rule, column, bounded(value),
                             bounded(self.feed.text(start, end), TEXT_PREFIX),
                             bounded(source_id) if source_id is not None else None))
        return False

    def keep(self, fields: list[str]) -> list[str]:
        return [fields[i] for i in self.kept_columns] if self.copies else fields

    def _broken(self, start: int, end: int, fields: list[str]) -> tuple[str, str | None, str] | None:
        n = len(self.header)
        if end > self.feed.real or (end - start > 1 and len(fields) != n):
            return UNBALANCED_QUOTE, None, "a quote opened on this line is not closed where its field ends"
        if self.damaged and any(i in self.damaged for i in range(start, end)):
            at = next(i for i, f in enumerate(fields) if BAD_BYTES.search(f))
            return ENCODING, self.header[at] if at < n else None, fields[at]
        if len(fields) != n:
            return FIELD_COUNT, None, f"{len(fields)} fields where the header has {n}"
        at = next((i for i, f in enumerate(fields) if "\x00" in f), None)
        if at is not None:      # a NUL is no character of any text: the row is damaged, not its file
            return NUL_BYTE, self.header[at], fields[at]
        lines = self.feed.lines
        if (len(lines[start]) if end - start == 1 else len(self.feed.text(start, end))) > FIELD_LIMIT:
            at = next((i for i, f in enumerate(fields) if len(f) > FIELD_LIMIT), None)
            if at is not None:
                return FIELD_TOO_LARGE, self.header[at], fields[at]
        for first, copy in self.copies:
            if fields[first] != fields[copy]:
                return DUPLICATE_COLUMN, self.header[first], f"{fields[first]!r} and {fields[copy]!r}"
        return None
