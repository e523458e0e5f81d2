"""Data domains: each one's owner, canonical entities, rule files and systems of record.

Declared in governance/domains.yaml ($IH_DOMAINS_FILE for a company's own). The systems of
record are read from master_data.yaml, the file survivorship reads, so the two cannot disagree.
A domain is touched by a change to a mapping spec (source or ERP) carrying one of its entities,
or to one of its rule files; change control then asks its owner to approve.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from integration_hub.governance import master_data
from integration_hub.governance.access import AccessPolicy, load_policy

DOMAINS_FILE = Path(__file__).with_name("domains.yaml")
REPO_ROOT = Path(__file__).resolve().parents[2]
OWNER_ROLE = "data_owner"
_KEYS = {"owner", "entities", "rule_files"}


@dataclass(frozen=True)
class Domain:
    name: str
    owner: str
    entities: tuple[str, ...]
    rule_files: tuple[str, ...]       # repo-relative paths
    systems_of_record: dict[str, tuple[str, ...]]   # field domain ("*": every field) -> systems, best first


def domains_file() -> Path:
    return Path(os.environ["IH_DOMAINS_FILE"]) if os.environ.get("IH_DOMAINS_FILE") else DOMAINS_FILE


def load_domains(path: Path | None = None, *, master_data_path: Path | None = None,
                 policy: AccessPolicy | None = None, root: Path = REPO_ROOT) -> dict[str, Domain]:
    """Every declared domain by name, checked: the owner is an active data_owner account of the access
    policy, the entities are canonical, the rule files exist under `root`, the systems of record are
    declared systems. A mistake raises ValueError naming the file and field."""
    from integration_hub.canonical import registry
    from integration_hub.mapping.systems import load_systems

    path = path or domains_file()
    master_data_path = master_data_path or master_data.MASTER_DATA_FILE
    if not path.exists():
        raise ValueError(f"domains file {path} does not exist (set IH_DOMAINS_FILE)")
    raw = yaml.safe_load(path.read_text()) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of domain name to its declaration")
    policy = policy or load_policy()
    entities, systems = set(registry.all_entities()), {s.name for s in load_systems()}
    domains = {}
    for name, entry in raw.items():
        where = f"{path}: {name}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected owner, entities and rule_files")
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown settings {unknown}; known: {sorted(_KEYS)} (systems of record "
                             f"belong in {master_data_path})")
        owner = str(entry.get("owner") or "")
        account = policy.accounts.get(owner)
        if account is None:
            raise ValueError(f"{where}.owner: {owner!r} is not an account in {policy.source}")
        if OWNER_ROLE not in account.roles or not account.active:
            raise ValueError(f"{where}.owner: {owner!r} must be an active {OWNER_ROLE} in {policy.source} "
                             f"(roles {list(account.roles)}, {account.status})")
        held = tuple(entry.get("entities") or ())
        if sorted(set(held) - entities):
            raise ValueError(f"{where}.entities: not canonical entities: {sorted(set(held) - entities)}")
        rule_files = tuple(str(f) for f in entry.get("rule_files") or ())
        missing = [f for f in rule_files if not (root / f).is_file()]
        if missing:
            raise ValueError(f"{where}.rule_files: no such file under {root}: {missing}")
        sor = master_data.systems_of_record(name, master_data_path)
        for field, named in sor.items():
            if set(named) - systems:
                raise ValueError(f"{master_data_path}: {name}.systems_of_record"
                                 f"{'' if field == master_data.ALL_FIELDS else '.' + field}: not declared systems: "
                                 f"{sorted(set(named) - systems)}; declared: {sorted(systems)}")
        domains[str(name)] = Domain(str(name), owner, held, rule_files, sor)
    return domains


def entities_of_files(files: set[str], root: Path = REPO_ROOT) -> set[str]:
    """The canonical entities the changed spec files among `files` carry: a source mapping spec's
    `target`, an ERP spec's `entity`. Files that are gone or are not specs carry none."""
    carried = set()
    for name in files:
        file = root / name
        if not name.endswith((".yaml", ".yml")) or not file.is_file():
            continue
        raw = yaml.safe_load(file.read_text())
        if not isinstance(raw, dict):
            continue
        if "entity" in raw:
            carried.add(str(raw["entity"]))
        elif name.endswith(".mapping.yaml") and "target" in raw:
            carried.add(str(raw["target"]))
    return carried


def domains_touching(entities: set[str], files: set[str], domains: dict[str, Domain] | None = None,
                     root: Path = REPO_ROOT) -> list[Domain]:
    """The domains a change touches, in declaration order: one of their entities is in `entities` or
    carried by a changed spec among `files`, or one of their rule files is in `files` (repo-relative)."""
    domains = load_domains() if domains is None else domains
    files = {Path(f).as_posix() for f in files}
    entities = set(entities) | entities_of_files(files, root)
    return [d for d in domains.values() if entities & set(d.entities) or files & set(d.rule_files)]
