"""One entry point per extractor kind a system declares: export files, live APIs, bank statements."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from integration_hub.connectors.exports import ROW, read_export, stamp
from integration_hub.mapping.systems import EntityDeclaration

STATEMENT_SUFFIXES = {".bai", ".bai2", ".txt", ".xml", ".sta", ".mt940", ".940", ".camt"}


@dataclass
class Extraction:
    frame: pd.DataFrame                    # every column as the source gave it, plus _row/_origin/_extracted_at
    origin: str
    cursor: str | None = None              # where the next incremental extraction resumes
    rejected_files: list[tuple[str, str]] = field(default_factory=list)   # (file, reason)


def extract_from_api(client, entity: EntityDeclaration, cursor: str | None) -> Extraction:
    """Live mode: the client pages through the entity's objects created since `cursor` (inclusive)."""
    frame, new_cursor = client.extract(entity.name, int(cursor) if cursor else None)
    url = getattr(client, "resource_url", None)
    origin = url(entity.name) if url else f"{entity.system} api: {entity.name}"
    return Extraction(stamp(frame, origin=origin), origin=origin,
                      cursor=str(new_cursor) if new_cursor is not None else cursor)


def extract_export(source_dir: Path, entity: EntityDeclaration) -> Extraction:
    path = source_dir / entity.system / entity.file
    return Extraction(read_export(path), origin=str(path))


def statement_files(*folders: Path) -> list[Path]:
    files = []
    for folder in folders:
        if folder.is_dir():
            files += [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in STATEMENT_SUFFIXES]
    return files


def extract_statements(files: list[Path]) -> Extraction:
    """Parse every statement file; a malformed file is rejected whole with its reason, the rest continue."""
    from integration_hub.connectors.bank import StatementFormatError, parse_statement

    frames, rejected = [], []
    for path in files:
        try:
            frame = parse_statement(path)
        except StatementFormatError as exc:
            rejected.append((str(path), str(exc)))
            continue
        frame = frame.astype({c: "string" for c in frame.columns if c != "line"})
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
    return Extraction(frame, origin=", ".join(str(p) for p in files), rejected_files=rejected)
