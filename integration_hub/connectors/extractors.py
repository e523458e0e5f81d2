"""One entry point per extractor kind a system declares: export files, live APIs, bank statements."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from integration_hub.connectors.csv_rows import REJECT_COLUMNS
from integration_hub.connectors.exports import ROW, UnreadableExport, read_export, stamp
from integration_hub.mapping.systems import EntityDeclaration
from integration_hub.security.redact import redact_text

WITHHELD = "[withheld: sensitive column]"
STATEMENT_SUFFIXES = {".bai", ".bai2", ".txt", ".xml", ".sta", ".mt940", ".940", ".camt"}


@dataclass(frozen=True)
class RejectedFile:
    file: str
    rule: str                              # file.empty, file.binary, file.header, statement_format
    reason: str


@dataclass
class Extraction:
    frame: pd.DataFrame                    # every column as the source gave it, plus _row/_origin/_extracted_at
    origin: str
    cursor: str | None = None              # where the next incremental extraction resumes
    rejected_files: list[RejectedFile] = field(default_factory=list)
    rejected_rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    encoding: str | None = None            # of an export file: utf-8, or cp1252 when written in it
    incomplete_statements: list = field(default_factory=list)   # bank IncompleteStatement flags, kept rows
    repeated_skipped: int = 0              # objects a live API served again on a later page, dropped by id

    def quarantine(self, sensitive: tuple[str, ...] = ()) -> pd.DataFrame:
        """Quarantine records of the rejected files and rows, their raw text redacted. With declared
        sensitive columns the raw line is withheld: a malformed line's fields cannot be told apart."""
        files = pd.DataFrame({"source_id": [f.file for f in self.rejected_files], "row_number": None,
                              "rule": [f.rule for f in self.rejected_files], "column_name": None,
                              "value": [redact_text(f.reason) for f in self.rejected_files], "record": None})
        bad = self.rejected_rows
        rows = pd.DataFrame({
            "source_id": [None if v is None else redact_text(v) for v in bad["source_id"]],
            "row_number": bad["row_number"].to_numpy(), "rule": bad["rule"].to_numpy(),
            "column_name": bad["column_name"].to_numpy(),
            "value": [WITHHELD if c in sensitive else redact_text(v) for c, v in zip(bad["column_name"], bad["value"])],
            "record": [{"file": self.origin, "line": line, "text": WITHHELD if sensitive else redact_text(text)}
                       for line, text in zip(bad["line"], bad["text"])]})
        return pd.concat([f for f in (files, rows) if not f.empty] or [files], ignore_index=True)


def extract_from_api(client, entity: EntityDeclaration, cursor: str | None) -> Extraction:
    """Live mode: the client pages through the entity's objects created since `cursor` (inclusive)."""
    frame, new_cursor = client.extract(entity.name, int(cursor) if cursor else None)
    url = getattr(client, "resource_url", None)
    origin = url(entity.name) if url else f"{entity.system} api: {entity.name}"
    repeated = getattr(client, "duplicates_skipped", {}).get(entity.name, 0)
    return Extraction(stamp(frame, origin=origin), origin=origin,
                      cursor=str(new_cursor) if new_cursor is not None else cursor, repeated_skipped=repeated)


def extract_export(source_dir: Path, entity: EntityDeclaration) -> Extraction:
    """Bad rows are set aside with their line and rule; a file that is not CSV at all is rejected
    whole. A vendor's own export layout (vendor_exports) is read in place of the hub's file."""
    from integration_hub.connectors.vendor_exports import extract_vendor_export   # its adapters build Extractions

    vendor = extract_vendor_export(source_dir, entity)
    if vendor is not None:
        return vendor
    path = source_dir / entity.system / entity.file
    try:
        read = read_export(path, id_column=entity.source_id)
    except UnreadableExport as exc:
        return refused_file(path, entity, exc.rule, str(exc))
    return Extraction(read.frame, origin=str(path), rejected_rows=read.rejects, encoding=read.encoding)


def refused_file(path: Path, entity: EntityDeclaration, rule: str, reason: str) -> Extraction:
    """A file refused whole stands in as no rows with the declared columns, so the entity's gates decide."""
    empty = pd.DataFrame(columns=[c.column for c in entity.columns], dtype=object)
    return Extraction(stamp(empty, origin=str(path)), origin=str(path),
                      rejected_files=[RejectedFile(str(path), rule, reason)])


def statement_files(*folders: Path) -> list[Path]:
    files = []
    for folder in folders:
        if folder.is_dir():
            files += [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in STATEMENT_SUFFIXES]
    return files


def extract_statements(files: list[Path]) -> Extraction:
    """Parse every statement file; a malformed file is rejected whole with its reason, the rest continue.
    A statement that parses but is not proven complete keeps its rows and is listed as a flag."""
    from integration_hub.connectors.bank import StatementFormatError, read_statement

    frames, rejected, incomplete = [], [], []
    for path in files:
        try:
            parsed = read_statement(path)
        except StatementFormatError as exc:
            rejected.append(RejectedFile(str(path), exc.rule, str(exc)))
            continue
        incomplete += parsed.incomplete
        frame = parsed.frame.astype({c: "string" for c in parsed.frame.columns if c != "line"})
        frame["_origin"] = str(path)
        frames.append(frame)
    if frames:
        frame = pd.concat(frames, ignore_index=True)
        origins = frame.pop("_origin")
        frame = stamp(frame, origin="")
        frame["_origin"] = origins.to_numpy()
    else:
        frame = stamp(pd.DataFrame(columns=["source_id"]), origin="")
    frame[ROW] = range(1, len(frame) + 1)
    return Extraction(frame, origin=", ".join(str(p) for p in files), rejected_files=rejected,
                      incomplete_statements=incomplete)
