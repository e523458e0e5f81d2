"""`integration-hub dedupe INPUT.csv --out OUTPUT.csv`: find the duplicates in any export.

Two passes over the input. The first reads it in chunks and keeps only the match-ready keys of
each row (never whole rows); the second streams every row to the output unchanged, with
`master_id` and `match_confidence` appended. Uncertain pairs go to OUTPUT.review.csv beside it.
"""
from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from integration_hub.resolve.engine import ResolverConfig, link
from integration_hub.resolve.records import ROLES, RecordError, check_roles, detect_roles, prepare, records_from
from integration_hub.security.csv_cells import neutralize_cell, write_csv

OUTPUT_COLUMNS = ("master_id", "match_confidence")
# Roles that can tell one customer from another; location alone (city, country) cannot.
_IDENTIFYING = ("company", "full_name", "first_name", "last_name", "email", "phone", "national_id", "tax_id")
SYSTEM = "input"

Progress = Callable[[str, int, "int | None"], None]


class DedupeError(Exception):
    """Input the dedupe command cannot work with; the message says what to fix."""


def _read_header(path: Path, encoding: str) -> list[str]:
    try:
        with path.open(newline="", encoding=encoding) as handle:
            header = next(csv.reader(handle), None)
    except FileNotFoundError as exc:
        raise DedupeError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise DedupeError(f"{path}: not {encoding} text ({exc.reason} at byte {exc.start}); "
                          "re-export it as UTF-8 CSV") from exc
    except (OSError, csv.Error) as exc:
        raise DedupeError(f"{path}: cannot read: {exc}") from exc
    if not header or not any(h.strip() for h in header):
        raise DedupeError(f"{path}: empty file, or no header row")
    return header


def parse_fields(values: list[str] | None) -> dict[str, str]:
    """`--field ROLE=COLUMN` options as a dict; the column may itself contain "=" or spaces."""
    fields: dict[str, str] = {}
    for value in values or []:
        role, sep, column = value.partition("=")
        if not sep or not role.strip() or not column:
            raise DedupeError(f"--field {value!r}: expected ROLE=COLUMN, e.g. --field email=\"E-mail Address\"; "
                              f"valid roles: {', '.join(ROLES)}")
        if role.strip() in fields:
            raise DedupeError(f"--field {value!r}: role {role.strip()!r} given twice")
        fields[role.strip()] = column
    return fields


def resolve_roles(header: list[str], fields: dict[str, str] | None) -> dict[str, str]:
    """Roles detected from the header, overridden by `fields` (role -> column)."""
    fields = dict(fields or {})
    try:
        check_roles(fields, header)
    except RecordError as exc:
        raise DedupeError(str(exc)) from exc
    detected = {role: column for role, column in detect_roles(header).items()
                if role not in fields and column not in fields.values()}
    roles = {role: column for role, column in {**detected, **fields}.items()}
    if not any(role in roles for role in _IDENTIFYING):
        raise DedupeError(f"no column usable for matching among {header}: name one with --field ROLE=COLUMN "
                          f"(valid roles: {', '.join(ROLES)}); at least one of {', '.join(_IDENTIFYING)} is needed")
    return {role: roles[role] for role in ROLES if role in roles}


def _prepare_pass(path: Path, roles: dict[str, str], id_column: str | None, config: ResolverConfig,
                  chunksize: int, encoding: str, progress: Progress | None) -> pd.DataFrame:
    usecols = sorted(set(roles.values()) | ({id_column} if id_column else set()))
    parts, rows = [], 0
    try:
        chunks = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, usecols=usecols,
                             encoding=encoding, chunksize=chunksize)
        for chunk in chunks:
            chunk.index = pd.RangeIndex(rows, rows + len(chunk))
            records = records_from(chunk, roles, system=SYSTEM, id_column=id_column)
            if id_column is None:   # row numbers continue across chunks
                records["source_id"] = pd.Series(range(rows + 1, rows + len(chunk) + 1), index=chunk.index).astype("string")
                records["record_key"] = SYSTEM + ":" + records["source_id"]
            parts.append(prepare(records, default_region=config.default_region))
            rows += len(chunk)
            if progress:
                progress("prepare", rows, None)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        raise DedupeError(f"{path}: malformed CSV after data row {rows}: {exc}") from exc
    except RecordError as exc:
        raise DedupeError(f"{path}: {exc}") from exc
    prepared = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if id_column and len(prepared):
        repeated = prepared["source_id"].duplicated(keep=False)
        if repeated.any():
            rows_at = (prepared.index[repeated] + 1).tolist()[:10]
            raise DedupeError(f"{path}: id column {id_column!r} repeats ids on data row(s) {rows_at}: "
                              f"{sorted(set(prepared.loc[repeated, 'source_id']))[:5]}")
    return prepared


def _write_pass(path: Path, out_csv: Path, master_id, confidence, encoding: str, progress: Progress | None) -> None:
    partial = out_csv.with_name(out_csv.name + ".partial")
    total = len(master_id)
    try:
        with path.open(newline="", encoding=encoding) as source, partial.open("w", newline="", encoding="utf-8") as sink:
            reader, writer = csv.reader(source), csv.writer(sink)
            writer.writerow([neutralize_cell(c) for c in next(reader)] + list(OUTPUT_COLUMNS))
            i = 0
            for row in reader:
                if not row:          # blank line: read_csv skipped it too
                    continue
                if i >= total:
                    raise DedupeError(f"{path}: changed while being read (more rows than the first pass saw)")
                writer.writerow([neutralize_cell(c) for c in row] + [master_id[i], f"{confidence[i]:.4f}"])
                i += 1
                if progress and i % 100_000 == 0:
                    progress("write", i, total)
            if i != total:
                raise DedupeError(f"{path}: changed while being read ({i} rows now, {total} before)")
        os.replace(partial, out_csv)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if progress:
        progress("write", total, total)


def review_path(out_csv: str | Path) -> Path:
    out_csv = Path(out_csv)
    return out_csv.with_name(out_csv.stem + ".review.csv")


def model_path(out_csv: str | Path) -> Path:
    out_csv = Path(out_csv)
    return out_csv.with_name(out_csv.stem + ".model.json")


def dedupe_file(input_csv: str | Path, out_csv: str | Path, *, id_column: str | None = None,
                fields: dict[str, str] | None = None, config: ResolverConfig | None = None,
                progress: Progress | None = None, chunksize: int = 100_000, encoding: str = "utf-8-sig") -> dict:
    """Write `out_csv` (every input row unchanged, plus master_id and match_confidence), the review
    queue beside it (OUTPUT.review.csv: id_a, id_b, score, reason, evidence) and the model the pairs
    were scored with (OUTPUT.model.json: learned m, u and weight per comparison level, the prior).
    Records are identified by `id_column`, else by data row number (1-based). `fields` maps roles to columns where header
    detection is not enough. `progress(stage, done, total)` is called per chunk ("prepare", "match",
    "write"; total None while unknown). Returns the summary: records, clusters, merged, sent_to_review,
    seconds, roles, output, review, model (the sidecar's path). Raises DedupeError with what to fix."""
    started = time.perf_counter()
    input_csv, out_csv = Path(input_csv), Path(out_csv)
    config = config or ResolverConfig()
    header = _read_header(input_csv, encoding)
    roles = resolve_roles(header, fields)
    if id_column is not None and id_column not in header:
        raise DedupeError(f"{input_csv}: id column {id_column!r} not in the header {header}")
    clash = [c for c in OUTPUT_COLUMNS if c in header]
    if clash:
        raise DedupeError(f"{input_csv}: already has column(s) {clash}; dedupe the original export")
    if input_csv.resolve() == out_csv.resolve():
        raise DedupeError(f"{out_csv}: the output must not overwrite the input")
    prepared = _prepare_pass(input_csv, roles, id_column, config, chunksize, encoding, progress)
    if len(prepared):
        linkage = link(prepared, config)
        master_id, confidence, review, stats = (linkage.master_id.tolist(), linkage.confidence.tolist(),
                                                linkage.review, linkage.stats)
    else:
        master_id, confidence, review, stats = [], [], pd.DataFrame(), {"records": 0, "clusters": 0, "merged": 0,
                                                                       "sent_to_review": 0}
    if progress:
        progress("match", len(prepared), len(prepared))
    _write_pass(input_csv, out_csv, master_id, confidence, encoding, progress)
    review_csv = review_path(out_csv)
    model_json = model_path(out_csv)
    model_json.write_text(json.dumps({"records": stats["records"], "model": stats.get("model"),
                                      "thresholds": {"match": config.match_threshold, "review": config.review_threshold,
                                                     "cannot_link": config.cannot_link_threshold}}, indent=2) + "\n")
    prefix = len(SYSTEM) + 1
    write_csv(pd.DataFrame({"id_a": review.get("record_key_a", pd.Series(dtype=str)).str[prefix:],
                            "id_b": review.get("record_key_b", pd.Series(dtype=str)).str[prefix:],
                            "score": review.get("score"), "reason": review.get("reason"),
                            "evidence": review.get("evidence")}), review_csv, index=False)
    return {"records": stats["records"], "clusters": stats["clusters"], "merged": stats["merged"],
            "sent_to_review": stats["sent_to_review"], "seconds": round(time.perf_counter() - started, 3),
            "roles": roles, "input": str(input_csv), "output": str(out_csv), "review": str(review_csv), "model": str(model_json),
            "skipped_blocks": stats.get("blocking", {}).get("skipped_blocks", {})}
