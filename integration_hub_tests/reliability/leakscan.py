"""Searching everything a run wrote for planted secrets, in every form a writer could have given them.

A secret counts as leaked when any of its encodings appears: as planted, without spaces and
dashes, URL-encoded (%20 and +), JSON-escaped, and base64 (standard and URL-safe, of the raw
and the compact value; only the characters fully determined by the value, so it also matches
inside a longer base64 text). Text forms match case-insensitively, base64 exactly. Forms
shorter than MIN_NEEDLE characters are dropped: they would match by chance.

A hit strictly inside a longer hex run of 32+ characters (a SHA-256 or other digest, a
fingerprint) or inside a field-level ciphertext token is not a leak and is reported as ignored: a digit-only needle
can appear in a digest by chance, and ciphertext is what sensitive columns are supposed to hold.
"""
from __future__ import annotations

import base64
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import pyarrow.parquet as pq

from integration_hub.security.fields import PREFIX as CIPHERTEXT_PREFIX

MIN_NEEDLE = 8
_HEX_RUN = re.compile(rb"[0-9a-f]{32,}", re.IGNORECASE)
_CIPHERTEXT = re.compile(re.escape(CIPHERTEXT_PREFIX.encode()) + rb"[A-Za-z0-9_\-:+/=]+")


@dataclass(frozen=True)
class Needle:
    secret: str        # name of the planted secret
    form: str          # which encoding
    data: bytes
    exact: bool        # case-sensitive (base64) or not


def encodings(value: str | bytes) -> dict[str, bytes]:
    """Every form of `value` to search for, by name (short forms dropped)."""
    if isinstance(value, bytes):     # raw key material: itself and its base64
        forms = {"raw-bytes": value, **_b64_forms("base64", value)}
        return {k: v for k, v in forms.items() if len(v) >= MIN_NEEDLE}
    compact = re.sub(r"[\s-]", "", value)
    forms = {"as-is": value, "compact": compact, "url": quote(value, safe=""), "url-plus": quote_plus(value),
             "json": json.dumps(value)[1:-1], "json-ascii": json.dumps(value, ensure_ascii=True)[1:-1]}
    out = {k: v.encode() for k, v in forms.items()}
    out.update(_b64_forms("base64", value.encode()))
    if compact != value:
        out.update(_b64_forms("base64-compact", compact.encode()))
    return {k: v for k, v in out.items() if len(v) >= MIN_NEEDLE}


def _b64_forms(label: str, raw: bytes) -> dict[str, bytes]:
    settled = len(raw) * 8 // 6          # characters that do not depend on what follows the value
    return {label: base64.b64encode(raw)[:settled], f"{label}-urlsafe": base64.urlsafe_b64encode(raw)[:settled]}


def needles(secrets: dict[str, str | bytes]) -> list[Needle]:
    out, seen = [], set()
    for name, value in secrets.items():
        for form, data in encodings(value).items():
            exact = form.startswith("base64") or form == "raw-bytes"
            key = (data if exact else data.lower(), exact)
            if key in seen:
                continue
            seen.add(key)
            out.append(Needle(name, form, data, exact))
    return out


@dataclass
class Hit:
    where: str         # file, table.column, "log", "stderr"...
    secret: str
    form: str
    context: str


@dataclass
class Scan:
    needles: list[Needle]
    hits: list[Hit] = field(default_factory=list)
    ignored: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def text(self, where: str, data: bytes | str) -> None:
        """Search one haystack."""
        if isinstance(data, str):
            data = data.encode("utf-8", errors="surrogateescape")
        lower = data.lower()
        for needle in self.needles:
            haystack, probe = (data, needle.data) if needle.exact else (lower, needle.data.lower())
            start = haystack.find(probe)
            while start != -1:
                end = start + len(probe)
                hit = Hit(where, needle.secret, needle.form,
                          data[max(0, start - 40):end + 40].decode("utf-8", errors="replace"))
                (self.ignored if _inside_digest_or_ciphertext(data, start, end) else self.hits).append(hit)
                start = haystack.find(probe, end)

    def file(self, path: Path) -> None:
        raw = path.read_bytes()
        self.count("files")
        self.count("bytes", len(raw))
        self.text(str(path), raw)
        if raw[:4] == b"PAR1":
            table = pq.read_table(path)
            self.count("parquet rows", table.num_rows)
            self.text(f"{path} (decoded)", table.to_pandas().astype(str).to_csv())
        elif raw[:16] == b"SQLite format 3\x00":
            self.sqlite(path)

    def sqlite(self, path: Path) -> None:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                self.count("sqlite tables")
                self.count("sqlite rows", len(rows))
                self.text(f"{path}:{table}", "\n".join(map(repr, rows)))
        finally:
            conn.close()

    def tree(self, root: Path) -> None:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            self.file(path)

    def postgres(self, url: str) -> None:
        """Every text-like column (text, varchar, char, json, jsonb, bytea) of every table, as text."""
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                columns = conn.execute(sa.text(
                    "SELECT table_schema, table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND data_type IN "
                    "('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'USER-DEFINED', "
                    "'ARRAY') ORDER BY 1, 2, 3")).fetchall()
                by_table: dict[tuple[str, str], list[str]] = {}
                for schema, table, column in columns:
                    by_table.setdefault((schema, table), []).append(column)
                for (schema, table), names in by_table.items():
                    selected = ", ".join(f'"{c}"::text' for c in names)
                    rows = conn.execute(sa.text(f'SELECT {selected} FROM "{schema}"."{table}"')).fetchall()
                    self.count("postgres tables")
                    self.count("postgres rows", len(rows))
                    self.count("postgres text columns", len(names))
                    self.text(f"{url.rsplit('/', 1)[-1]}:{schema}.{table}", "\n".join(map(repr, rows)))
        finally:
            engine.dispose()

    def report(self, title: str, tried: Iterable[str]) -> str:
        lines = [f"== {title}", f"planted: {', '.join(sorted(set(tried)))}",
                 f"needles (secret x encoding): {len(self.needles)}",
                 "scanned: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))]
        for (secret, form, where), hits in _grouped(self.hits).items():
            lines.append(f"LEAK {secret} ({form}) in {where} x{len(hits)}: ...{hits[0].context}...")
        for (secret, form, where), hits in _grouped(self.ignored).items():
            lines.append(f"ignored (inside a digest or ciphertext) {secret} ({form}) in {where} x{len(hits)}")
        lines.append(f"found: {len(self.hits)} leak(s), {len(self.ignored)} ignored hit(s)")
        return "\n".join(lines)


def _inside_digest_or_ciphertext(data: bytes, start: int, end: int) -> bool:
    """The hit is part of a longer hex run (a digest that happens to contain it) or of a ciphertext token.

    A hex secret that *is* the whole hex run (a NetSuite token, say) is a leak, not a digest."""
    lo, hi = max(0, start - 200), min(len(data), end + 200)
    window = data[lo:hi]
    for match in _HEX_RUN.finditer(window):
        if match.start() + lo <= start and end <= match.end() + lo and match.end() - match.start() > end - start:
            return True
    return any(match.start() + lo <= start and end <= match.end() + lo for match in _CIPHERTEXT.finditer(window))


def _grouped(hits: list[Hit]) -> dict[tuple[str, str, str], list[Hit]]:
    out: dict[tuple[str, str, str], list[Hit]] = {}
    for hit in hits:
        out.setdefault((hit.secret, hit.form, hit.where), []).append(hit)
    return out


def found_secrets(root: Path, secrets: dict[str, str | bytes]) -> set[str]:
    """The names of `secrets` that appear (as-is) under `root`: the positive control of a scan."""
    scan = Scan([n for n in needles(secrets) if n.form == "as-is"])
    scan.tree(root)
    return {h.secret for h in scan.hits + scan.ignored}
