"""Impact analysis of a scope drift: what a change to a locked phase's declarations reaches.

From the drift (file and field), the system declarations and mapping specs tell which source
entities and canonical fields a change rewrites; the asset graph tells every asset downstream
of them (ERP loads, master data, reports); the hub store's lineage tells how many ERP records
those entities have loaded; phases.yaml which phases build on this one; governance/domains.py
which data domains it touches and so whose approval it needs.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from integration_hub.audit.chain import engine_scope
from integration_hub.governance.phases import Phase
from integration_hub.governance.scope import Drift, display_path
from integration_hub.mapping.systems import SystemDeclaration

ALL = "*"     # every canonical field of the entity
# system.yaml settings of one entity that rewrite every canonical field it maps
_WHOLE_ENTITY = ("canonical", "mapping")


@dataclass(frozen=True)
class ErpRecords:
    erp_entity: str
    system: str
    source_entity: str
    records: int       # distinct ERP records the hub's lineage shows loaded from this source entity


@dataclass(frozen=True)
class DomainTouched:
    domain: str
    owner: str


@dataclass(frozen=True)
class Impact:
    assets: tuple[str, ...] = ()
    canonical_fields: tuple[str, ...] = ()      # "payment.amount_minor"; "payment.*" for all of them
    erp_records: tuple[ErpRecords, ...] = ()
    reports: tuple[str, ...] = ()
    downstream_phases: tuple[str, ...] = ()
    domains: tuple[DomainTouched, ...] = ()
    entities: tuple[str, ...] = field(default=())     # source entities touched, "system/entity"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Impact":
        return cls(assets=tuple(raw.get("assets", ())), canonical_fields=tuple(raw.get("canonical_fields", ())),
                   erp_records=tuple(ErpRecords(**r) for r in raw.get("erp_records", ())),
                   reports=tuple(raw.get("reports", ())), downstream_phases=tuple(raw.get("downstream_phases", ())),
                   domains=tuple(DomainTouched(**d) for d in raw.get("domains", ())),
                   entities=tuple(raw.get("entities", ())))

    def lines(self) -> list[str]:
        erp = [f"{r.erp_entity} ({r.records} loaded from {r.system}/{r.source_entity})" for r in self.erp_records]
        return [f"  source entities:   {', '.join(self.entities) or 'none'}",
                f"  canonical fields:  {', '.join(self.canonical_fields) or 'none'}",
                f"  ERP records:       {', '.join(erp) or 'none'}",
                f"  assets:            {len(self.assets)}: {', '.join(self.assets)}" if self.assets
                else "  assets:            none",
                f"  reports:           {', '.join(self.reports) or 'none'}",
                f"  downstream phases: {', '.join(self.downstream_phases) or 'none'}",
                "  data domains:      " + (', '.join(f"{d.domain} (owner {d.owner})" for d in self.domains)
                                          or "none")]


def _touched(drift: Drift, systems: dict[str, SystemDeclaration]) -> list[tuple[str, str, set[str]]]:
    """(system, entity, canonical targets or {ALL}) a drift rewrites; [] for a file nothing reads."""
    system = systems.get(drift.system or "")
    if system is None:
        return []
    name = Path(drift.file).name
    parts = drift.field.split(".")
    if name == "system.yaml":
        if parts[0] == "entities" and len(parts) > 1:
            entity = next((e for e in system.entities if e.name == parts[1]), None)
            if entity is None:
                return []
            if len(parts) > 3 and parts[2] == "columns":
                targets = {t for t, sources in entity.mapping.column_lineage().items() if parts[3] in sources}
            elif len(parts) > 2 and parts[2] in _WHOLE_ENTITY:
                targets = {ALL}
            else:
                targets = set()        # where and how records are read: the records, not a field
            return [(system.name, entity.name, targets)]
        return [(system.name, e.name, {ALL} if parts[0] == "formats" else set()) for e in system.entities]
    entity = _spec_files(system).get(drift.file)
    if entity is not None:
        if parts[0] == "fields" and len(parts) > 1:
            return [(system.name, entity, {parts[1]})]
        return [(system.name, entity, {ALL} if parts[0] in ("target", "fields") else set())]
    if name.endswith(".mapping.yaml"):
        return []      # a spec no entity declares maps nothing
    return [(system.name, e.name, set()) for e in system.entities]     # a source schema: all its entities


def _spec_files(system: SystemDeclaration) -> dict[str, str]:
    """Each entity's mapping spec, by file key (as scope.py names files)."""
    import yaml

    raw = yaml.safe_load((system.folder / "system.yaml").read_text())
    return {display_path(system.folder / e["mapping"]): name for name, e in raw["entities"].items()}


def _downstream(graph, keys: Iterable[dg.AssetKey]) -> list[str]:
    known = set(graph.get_all_asset_keys())
    keys = [k for k in keys if k in known]
    if not keys:
        return []
    return sorted(k.to_user_string() for k in dg.AssetSelection.assets(*keys).downstream().resolve(graph))


def _erp_records(store, touched: set[tuple[str, str]], canonical: dict[tuple[str, str], str]) -> list[ErpRecords]:
    from integration_hub.audit.lineage import lineage

    counts: dict[tuple[str, str], int] = {}
    if store is not None and touched:
        with engine_scope(store) as engine:
            if sa.inspect(engine).has_table("lineage"):
                systems = sorted({s for s, _ in touched})
                query = (sa.select(lineage.c.source_system, lineage.c.source_entity,
                                   sa.func.count(sa.distinct(lineage.c.external_id)))
                         .where(lineage.c.source_system.in_(systems))
                         .group_by(lineage.c.source_system, lineage.c.source_entity))
                with engine.connect() as conn:
                    counts = {(s, e): int(n) for s, e, n in conn.execute(query)}
    return [ErpRecords(canonical[key], key[0], key[1], counts.get(key, 0)) for key in sorted(touched)]


def downstream_phases(phase: str, phases: dict[str, Phase]) -> list[str]:
    """Phases whose depends_on chain includes `phase`, in go-live order."""
    def reaches(name: str) -> bool:
        return any(d == phase or reaches(d) for d in phases[name].depends_on)

    return [p for p in phases if p != phase and reaches(p)]


def _domains(drifts: list[Drift], entities: set[str]) -> list[DomainTouched]:
    """Domains whose entities the change rewrites, and those whose rule files it edits (of a file several
    domains share, the domain whose section the field is in, else every one of them)."""
    from integration_hub.governance.domains import domains_touching, load_domains

    declared = load_domains()
    touched = {d.name for d in domains_touching(entities, set(), declared)}
    for drift in drifts:
        if drift.system is not None:
            continue
        sharing = [d.name for d in declared.values() if drift.file in d.rule_files]
        named = [d for d in sharing if drift.field.split(".")[0] == d]
        touched |= set(named or sharing)
    return [DomainTouched(d.name, d.owner) for d in declared.values() if d.name in touched]


def analyze(drifts: list[Drift], graph=None, systems: list[SystemDeclaration] | None = None, *,
            phase: str, phases: dict[str, Phase] | None = None, store: str | sa.Engine | None = None) -> Impact:
    """What `drifts` of `phase`'s scope touch. `graph` defaults to the hub's asset graph, `systems` to the
    working declarations, `phases` to phases.yaml; without `store` ERP record counts are 0."""
    from integration_hub.canonical import registry
    from integration_hub.governance.domains import load_domains
    from integration_hub.governance.phases import load_phases
    from integration_hub.mapping.systems import load_systems

    systems = {s.name: s for s in (systems if systems is not None else load_systems())}
    phases = phases or load_phases()
    if graph is None:
        from integration_hub.definitions import build_definitions

        graph = build_definitions().resolve_asset_graph()
    fields, touched = set(), set()
    canonical = {(s.name, e.name): e.canonical for s in systems.values() for e in s.entities}
    for drift in drifts:
        for system, entity, targets in _touched(drift, systems):
            touched.add((system, entity))
            fields |= {f"{canonical[(system, entity)]}.{t}" for t in targets}
    entities = {canonical[k] for k in touched}
    domains = _domains(drifts, entities)
    starts = [dg.AssetKey([s, e, "extracted"]) for s, e in touched]
    declared = load_domains()
    for d in domains:
        for entity in declared[d.domain].entities:
            plural = registry.get(entity).plural
            starts += [dg.AssetKey(["master", plural]), dg.AssetKey(["erp", plural, "loaded"])]
    assets = _downstream(graph, starts)
    return Impact(assets=tuple(assets), canonical_fields=tuple(sorted(fields)),
                  erp_records=tuple(_erp_records(store, touched, canonical)),
                  reports=tuple(a for a in assets if a.startswith("reports/")),
                  downstream_phases=tuple(downstream_phases(phase, phases)), domains=tuple(domains),
                  entities=tuple(f"{s}/{e}" for s, e in sorted(touched)))
