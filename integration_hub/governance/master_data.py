"""Resolver settings for master data, read from governance/master_data.yaml."""
from __future__ import annotations

from pathlib import Path

import yaml

from integration_hub.resolve.engine import ResolverConfig

MASTER_DATA_FILE = Path(__file__).with_name("master_data.yaml")
_TUNABLE = ("match_threshold", "review_threshold", "cannot_link_threshold")
ALL_FIELDS = "*"    # a section listing one order of systems for every field (items)


def systems_of_record(domain: str, path: Path = MASTER_DATA_FILE) -> dict[str, tuple[str, ...]]:
    """Which system's value wins, per field domain, best first: what survivorship follows, and what
    governance/domains.py declares for the domain. A plain list reads as {"*": systems}."""
    declared = ((yaml.safe_load(path.read_text()) or {}).get(domain) or {}).get("systems_of_record")
    if declared is None:
        return {}
    if isinstance(declared, list):
        return {ALL_FIELDS: _systems(path, f"{domain}.systems_of_record", declared)}
    if isinstance(declared, dict):
        return {str(f): _systems(path, f"{domain}.systems_of_record.{f}", v) for f, v in declared.items()}
    raise ValueError(f"{path}: {domain}.systems_of_record must be a list of systems or a mapping of field to one")


def _systems(path: Path, where: str, value) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValueError(f"{path}: {where} must be a list of system names, not {value!r}")
    return tuple(value)


def resolver_config(entity: str = "customers", path: Path = MASTER_DATA_FILE) -> ResolverConfig:
    raw = (yaml.safe_load(path.read_text()) or {}).get(entity, {})
    unknown = set(raw) - {*_TUNABLE, "systems_of_record", "learn_parameters"}
    if unknown:
        raise ValueError(f"{path}: {entity}: unknown settings {sorted(unknown)}")
    config = ResolverConfig(**{k: float(raw[k]) for k in _TUNABLE if k in raw})
    if "learn_parameters" in raw:
        if not isinstance(raw["learn_parameters"], bool):
            raise ValueError(f"{path}: {entity}: learn_parameters must be true or false, not {raw['learn_parameters']!r}")
        config.learn_parameters = raw["learn_parameters"]
    if not 0 < config.review_threshold <= config.match_threshold <= 1:
        raise ValueError(f"{path}: {entity}: need 0 < review_threshold <= match_threshold <= 1")
    if "systems_of_record" in raw:
        declared = systems_of_record(entity, path)
        if ALL_FIELDS in declared:
            raise ValueError(f"{path}: {entity}: systems_of_record must name the systems per field domain")
        config.systems_of_record.update(declared)
    return config


def item_precedence(path: Path = MASTER_DATA_FILE) -> tuple[str, ...]:
    """The systems of record for master items, best first."""
    declared = systems_of_record("items", path)
    if set(declared) - {ALL_FIELDS}:
        raise ValueError(f"{path}: items: systems_of_record must be a list of system names")
    return declared.get(ALL_FIELDS, ())
