"""MT940 text to field tokens with line numbers, SWIFT envelope removed.

Lines keep their numbers: envelope lines ({1:...}{2:...}{4: and -}{5:...}) become blank
instead of disappearing, so every field knows the line it starts on in the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import mt940

_ENVELOPE_START = re.compile(r"^\s*(?:\{[1-3]:(?:[^{}]|\{[^{}]*\})*\})*\{4:")
_ENVELOPE_END = re.compile(r"^\s*-\}")
_TAG = re.compile(r"^:(?P<tag>(?P<id>\d{2}|NS)[A-Z]?):")
_KNOWN_IDS = set(mt940.models.Transactions.default_tags())


@dataclass
class Field:
    """One SWIFT field: its tag (e.g. "61", "60F"), first line number and raw lines."""

    tag: str
    line: int
    lines: list[str] = field(default_factory=list)
    last_line: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _unwrap(line: str) -> str:
    line = line.replace("\x01", "").replace("\x03", "")
    start = _ENVELOPE_START.match(line)
    if start:
        return line[start.end():]
    if _ENVELOPE_END.match(line) or line.strip() == "-":
        return ""
    return line


def _known(tag_id: str) -> bool:
    return (int(tag_id) if tag_id.isdigit() else tag_id) in _KNOWN_IDS


def tokenize(lines: list[str]) -> list[Field]:
    """Fields in file order. A line starting with an unknown tag continues the previous
    field, as the `mt940` package treats it; text before the first field (a bank's file
    preamble) is ignored."""
    fields: list[Field] = []
    for number, raw in enumerate(lines, 1):
        line = _unwrap(raw).rstrip()
        match = _TAG.match(line)
        if match and _known(match.group("id")):
            fields.append(Field(match.group("tag"), number, [line], number))
        elif line.strip() and fields:
            fields[-1].lines.append(line)
            fields[-1].last_line = number
    return fields


def split_statements(fields: list[Field]) -> tuple[list[Field], list[list[Field]]]:
    """(fields before the first :20:, one field list per statement opened by :20:)."""
    leading: list[Field] = []
    statements: list[list[Field]] = []
    for item in fields:
        if item.tag == "20":
            statements.append([item])
        elif statements:
            statements[-1].append(item)
        else:
            leading.append(item)
    return leading, statements
