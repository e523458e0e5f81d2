"""Phase declarations (governance/phases.yaml): which systems go live together, and their budgets."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

PHASES_FILE = Path(__file__).with_name("phases.yaml")
# planned: declared only; locked: scope frozen, loads only inside a go-live run; parallel: loads beside
# the legacy process; live: the ERP's system of record; rolled_back: its go-live undone, loads refused.
STATUSES = ("planned", "locked", "parallel", "live", "rolled_back")
LOADING_STATUSES = {"live", "parallel"}
# Success criteria a phase switches on with `true`, each enforced by a blocking go-live check
# (the other criteria are prose for the go-live review).
ENFORCED_CRITERIA = {"complete_statements": "every bank transaction comes from a statement proven complete"}


@dataclass(frozen=True)
class Phase:
    name: str
    order: int
    title: str
    status: str
    systems: tuple[str, ...]
    error_budget: float
    go_live: date | None
    enforced: frozenset[str] = frozenset()     # ENFORCED_CRITERIA this phase switched on
    depends_on: tuple[str, ...] = ()           # phases that must have loaded before this one may
    # Tuples of pairs, not dicts: a Phase is hashed (dict.fromkeys over phases).
    criteria: tuple[tuple[str, str], ...] = ()            # success criterion -> what it demands
    scope_in: tuple[tuple[str, tuple[str, ...]], ...] = ()   # canonical entity -> ERP fields ("all": every one)
    scope_out: tuple[tuple[str, tuple[str, ...]], ...] = ()  # system/entity or entity -> fields left out
    expected_volumes: tuple[tuple[str, int], ...] = ()    # system/entity -> rows one extraction brings
    roi_target_hours_per_month: float | None = None

    @property
    def loads_erp(self) -> bool:
        """Whether the phase's job holds ERP loads: every phase past `planned` (whether a run may
        load is decided at run time from its current status: governance/phase_state.py)."""
        return self.status != "planned"

    def requires(self, criterion: str) -> bool:
        return criterion in self.enforced

    @property
    def success_criteria(self) -> dict[str, str]:
        return dict(self.criteria)

    @property
    def volumes(self) -> dict[str, int]:
        return dict(self.expected_volumes)


def _enforced(path: Path, name: str, criteria: dict) -> frozenset[str]:
    switches = {key: value for key, value in (criteria or {}).items() if isinstance(value, bool)}
    unknown = sorted(set(switches) - set(ENFORCED_CRITERIA))
    if unknown:
        raise ValueError(f"{path}: phase {name}: success criteria {unknown} cannot be enforced; "
                         f"the enforceable ones are {sorted(ENFORCED_CRITERIA)}")
    return frozenset(key for key, on in switches.items() if on)


def _declared(path: Path, name: str, raw: dict) -> dict:
    """The phase's criteria, scope, expected volumes and ROI target, checked for shape."""
    where = f"{path}: phase {name}"
    criteria = raw.get("success_criteria") or {}
    if not isinstance(criteria, dict):
        raise ValueError(f"{where}: success_criteria must map a criterion to what it demands")
    described = tuple((str(k), ENFORCED_CRITERIA.get(k, "") if isinstance(v, bool) else str(v))
                      for k, v in criteria.items() if v is not False)
    scope = raw.get("scope") or {}
    if not isinstance(scope, dict) or set(scope) - {"in", "out"}:
        raise ValueError(f"{where}: scope must be a mapping with `in` and `out`")
    lists = {}
    for side in ("in", "out"):
        entries = scope.get(side) or {}
        if not isinstance(entries, dict):
            raise ValueError(f"{where}: scope.{side} must map an entity to its fields (a list, or all)")
        for entity, fields in entries.items():
            if fields != "all" and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
                raise ValueError(f"{where}: scope.{side}.{entity} must be a list of field names or all, "
                                 f"not {fields!r}")
        lists[side] = tuple((str(e), ("all",) if f == "all" else tuple(f)) for e, f in entries.items())
    volumes = raw.get("expected_volumes") or {}
    if not isinstance(volumes, dict):
        raise ValueError(f"{where}: expected_volumes must map system/entity to a row count")
    for key, rows in volumes.items():
        system = str(key).split("/")[0]
        if "/" not in str(key) or system not in raw.get("systems", []):
            raise ValueError(f"{where}: expected_volumes.{key}: must be <system>/<entity> of one of the "
                             f"phase's systems {raw.get('systems', [])}")
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
            raise ValueError(f"{where}: expected_volumes.{key}: must be a whole number of rows, not {rows!r}")
    roi = raw.get("roi_target_hours_per_month")
    if roi is not None and (isinstance(roi, bool) or not isinstance(roi, (int, float)) or roi < 0):
        raise ValueError(f"{where}: roi_target_hours_per_month must be a number of hours, not {roi!r}")
    return dict(criteria=described, scope_in=lists["in"], scope_out=lists["out"],
                expected_volumes=tuple((str(k), int(v)) for k, v in volumes.items()),
                roi_target_hours_per_month=None if roi is None else float(roi))


def phases_file() -> Path:
    """$IH_PHASES_FILE (a company's own phases, or a test's), else the packaged phases.yaml."""
    return Path(os.environ["IH_PHASES_FILE"]) if os.environ.get("IH_PHASES_FILE") else PHASES_FILE


def load_phases(path: Path | None = None) -> dict[str, Phase]:
    path = Path(path) if path is not None else phases_file()
    data = yaml.safe_load(path.read_text())["phases"]
    phases = {}
    for name, raw in data.items():
        budget = float(raw.get("error_budget", 0.0))
        if not 0 <= budget < 1:
            raise ValueError(f"{path}: phase {name}: error_budget must be a share between 0 and 1, got {budget}")
        if raw.get("status", "planned") not in STATUSES:
            raise ValueError(f"{path}: phase {name}: status must be one of {list(STATUSES)}, "
                             f"not {raw.get('status')!r}")
        phases[name] = Phase(name=name, order=int(raw["order"]), title=raw.get("title", name),
                             status=raw.get("status", "planned"), systems=tuple(raw.get("systems", [])),
                             error_budget=budget, go_live=raw.get("go_live"),
                             enforced=_enforced(path, name, raw.get("success_criteria")),
                             depends_on=tuple(raw.get("depends_on", [])),
                             **_declared(path, name, raw))
    for phase in phases.values():
        unknown = [d for d in phase.depends_on if d not in phases]
        if unknown:
            raise ValueError(f"{path}: phase {phase.name} depends on undeclared phases {unknown}")
        later = [d for d in phase.depends_on if phases[d].order >= phase.order]
        if later:
            raise ValueError(f"{path}: phase {phase.name} cannot depend on {later}, which come after it")
    return dict(sorted(phases.items(), key=lambda kv: kv[1].order))


class PhaseNotReady(RuntimeError):
    """A phase tried to load before a phase it depends on has loaded at least once."""


def check_dependencies_loaded(phase: Phase, phases: dict[str, Phase], loaded_systems: set[str]) -> None:
    """Raise PhaseNotReady naming the first phase `phase` depends on none of whose systems has ever
    loaded into the ERP (`loaded_systems`: systems with a recorded load)."""
    for name in phase.depends_on:
        if not set(phases[name].systems) & loaded_systems:
            raise PhaseNotReady(f"phase {phase.name} cannot load before phase {name} has loaded at least once: "
                                f"run the {name}_phase job first")
