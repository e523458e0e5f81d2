"""Resolver settings for master data, read from governance/master_data.yaml."""
from __future__ import annotations

from pathlib import Path

import yaml

from integration_hub.resolve.engine import ResolverConfig

MASTER_DATA_FILE = Path(__file__).with_name("master_data.yaml")
_TUNABLE = ("match_threshold", "review_threshold", "cannot_link_threshold")


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
        config.systems_of_record.update({k: tuple(v) for k, v in raw["systems_of_record"].items()})
    return config


def item_precedence(path: Path = MASTER_DATA_FILE) -> tuple[str, ...]:
    """The systems of record for master items, best first."""
    raw = (yaml.safe_load(path.read_text()) or {}).get("items", {})
    systems = raw.get("systems_of_record", [])
    if not isinstance(systems, list) or not all(isinstance(s, str) for s in systems):
        raise ValueError(f"{path}: items: systems_of_record must be a list of system names")
    return tuple(systems)
