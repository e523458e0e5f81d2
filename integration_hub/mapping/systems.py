"""System declarations: what each source system exports and how each column is cleaned.

A system lives in `integration_hub/defs/<system>/system.yaml` beside one mapping spec per
entity. Adding a system is adding that folder; nothing here names a system.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from integration_hub.mapping.spec import MappingSpec, load_spec

DEFS_DIR = Path(__file__).resolve().parent.parent / "defs"


def systems_dir() -> Path:
    """Where system folders are read from: $IH_SYSTEMS_DIR (a reviewed copy, a test's edited one), else defs/."""
    return Path(os.environ["IH_SYSTEMS_DIR"]).resolve() if os.environ.get("IH_SYSTEMS_DIR") else DEFS_DIR


class DeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class ColumnRule:
    column: str
    rule: str
    required: bool = False
    options: dict = field(default_factory=dict)
    min: float | None = None
    allowed: tuple[str, ...] | None = None
    on_invalid: str = "reject"     # "reject" (quarantine the record) or "null" (drop only the bad value)
    formats: dict = field(default_factory=dict)   # the system's reading formats (`_FORMAT_VALUES`)


@dataclass(frozen=True)
class EntityDeclaration:
    system: str
    name: str
    file: str
    source_id: str
    canonical: str
    mapping: MappingSpec
    columns: tuple[ColumnRule, ...]
    cursor: str | None = None
    sensitive: tuple[str, ...] = ()
    # A change feed's deletion marker: rows whose `deleted_flag` column reads "true" are a deletion in the
    # source, quarantined as <entity>.deleted_in_source for a steward to retire in the ERP.
    deleted_flag: str | None = None

    @property
    def deleted_rule(self) -> str:
        return f"{self.name}.deleted_in_source"


@dataclass(frozen=True)
class SystemDeclaration:
    name: str
    title: str
    phase: str
    extractor: str
    entities: tuple[EntityDeclaration, ...]
    folder: Path


# How a system writes numbers and dates, once for every column (`formats:` in system.yaml) or per
# column: the decimal mark of amounts and the day/month order of numeric dates. Undeclared, only
# values with a single reading are accepted.
_FORMAT_VALUES = {"decimal": (".", ","), "dayfirst": (True, False)}


def _check_formats(where: str, raw: dict) -> None:
    for key, allowed in _FORMAT_VALUES.items():
        if key in raw and (type(raw[key]) is not type(allowed[0]) or raw[key] not in allowed):
            raise DeclarationError(f"{where}: {key} must be one of {allowed}, got {raw[key]!r}")
    if "format" in raw and not isinstance(raw["format"], str):
        raise DeclarationError(f"{where}: format must be a strptime pattern such as \"%d/%m/%Y\"")


def _system_formats(where: str, raw: dict) -> dict:
    """The system-wide formats; a date `format` is per column, as dates and timestamps differ."""
    if unknown := set(raw) - set(_FORMAT_VALUES):
        raise DeclarationError(f"{where}: unknown formats {sorted(unknown)}; known: {sorted(_FORMAT_VALUES)}")
    _check_formats(where, raw)
    return dict(raw)


def _column_rule(entity: str, column: str, raw: dict | str, formats: dict) -> ColumnRule:
    raw = {"rule": raw} if isinstance(raw, str) else dict(raw)
    try:
        rule = raw.pop("rule", "text")
        required = bool(raw.pop("required", False))
        minimum = raw.pop("min", None)
        allowed = raw.pop("allowed", None)
        on_invalid = str(raw.pop("on_invalid", "reject"))
    except AttributeError as exc:
        raise DeclarationError(f"{entity}.{column}: a column rule must be a name or a mapping") from exc
    if on_invalid not in ("reject", "null"):
        raise DeclarationError(f"{entity}.{column}: on_invalid must be reject or null, got {on_invalid!r}")
    _check_formats(f"{entity}.{column}", raw)
    return ColumnRule(column, rule, required, raw, minimum, tuple(allowed) if allowed else None, on_invalid,
                      formats)


def load_system(folder: Path) -> SystemDeclaration:
    path = folder / "system.yaml"
    data = yaml.safe_load(path.read_text())
    name = data["system"]
    formats = _system_formats(f"{path}: formats", data.get("formats") or {})
    entities = []
    for entity_name, raw in data["entities"].items():
        where = f"{path}: entity {entity_name}"
        for key in ("file", "source_id", "canonical", "mapping", "columns"):
            if key not in raw:
                raise DeclarationError(f"{where}: missing {key!r}")
        columns = tuple(_column_rule(entity_name, c, r, formats) for c, r in raw["columns"].items())
        if raw["source_id"] not in {c.column for c in columns}:
            raise DeclarationError(f"{where}: source_id {raw['source_id']!r} is not a declared column")
        spec = load_spec(folder / raw["mapping"])
        if spec.target != raw["canonical"]:
            raise DeclarationError(f"{where}: mapping targets {spec.target!r}, entity declares {raw['canonical']!r}")
        entities.append(EntityDeclaration(
            system=name, name=entity_name, file=raw["file"], source_id=raw["source_id"],
            canonical=raw["canonical"], mapping=spec, columns=columns, cursor=raw.get("cursor"),
            sensitive=tuple(raw.get("sensitive", ())), deleted_flag=raw.get("deleted_flag"),
        ))
    return SystemDeclaration(name=name, title=data.get("title", name), phase=data["phase"],
                             extractor=data.get("extractor", "csv"), entities=tuple(entities), folder=folder)


def load_systems(defs_dir: Path | None = None) -> list[SystemDeclaration]:
    """Every folder under `defs_dir` (default: systems_dir()) that holds a system.yaml, in name order."""
    return [load_system(p.parent) for p in sorted((defs_dir or systems_dir()).glob("*/system.yaml"))]
