"""One declaration per canonical entity, read by every layer.

A declaration (one module per entity in `canonical/entities/`) names the entity, its plural
(asset keys, the ledger table), its columns as typed fields, the key fields a go-live suite
requires, the entities it refers to, and its child lines. From it come the `mapped` gate's
pandera schema, the ERP targets' column lists and types, the ledger table, the load order and
the reference checks. Adding an entity is adding a module there; nothing else names it.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cached_property

import pandera.pandas as pa

UTC_TS = "datetime64[ns, UTC]"
SOURCE_COLUMNS = ("external_id", "source_system", "source_id")
_KINDS = ("text", "money", "timestamp", "number")


@dataclass(frozen=True)
class Field:
    """One canonical column: its kind (text, integer minor units, UTC timestamp, decimal number),
    whether it may be missing, and the value checks pandera applies at the `mapped` gate."""

    kind: str = "text"
    nullable: bool = True
    checks: tuple = ()
    unique: bool = False
    indexed: bool = False     # looked up by value in the ERP (an invoice by its number)
    hub_only: bool = False    # kept for lineage and gates; ERP targets do not load it

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}; one of {_KINDS}")

    @property
    def dtype(self) -> str:
        if self.kind == "money":
            return "Int64" if self.nullable else "int64"
        return {"text": str, "timestamp": UTC_TS, "number": "float64"}[self.kind]

    def column(self) -> pa.Column:
        return pa.Column(self.dtype, list(self.checks), nullable=self.nullable, unique=self.unique)


def text(*checks, nullable: bool = True, **kw) -> Field:
    return Field("text", nullable, checks, **kw)


def pattern(regex: str, *, nullable: bool = True, **kw) -> Field:
    return Field("text", nullable, (pa.Check.str_matches(regex),), **kw)


def one_of(values, *, nullable: bool = False) -> Field:
    return Field("text", nullable, (pa.Check.isin(list(values)),))


def money(*, nullable: bool = False) -> Field:
    """Integer minor units of the record's currency."""
    return Field("money", nullable)


def timestamp(*, nullable: bool = True) -> Field:
    return Field("timestamp", nullable)


def number(*checks, nullable: bool = True) -> Field:
    return Field("number", nullable, checks)


CURRENCY = pattern(r"^[A-Z]{3}$", nullable=False)
OPTIONAL_CURRENCY = pattern(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class CanonicalEntity:
    """A canonical entity. Columns are in canonical order, the three source columns first.

    `references` maps a column to the entity whose external id it holds: those records load
    first and a record naming one the ERP does not hold is held back. A self-reference
    (a customer's parent account) loads in the same batch, parents before children.
    `lines` names the child entity holding this document's lines; a line entity names its
    document in `parent`. `total` is the money column reconciled per currency.
    """

    name: str
    plural: str
    fields: dict[str, Field]
    required: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)
    loads_after: tuple[str, ...] = ()   # entities it names other than by external id (a charge's invoice)
    lines: str | None = None
    parent: str | None = None
    total: str | None = None
    checks: tuple = ()
    description: str = ""

    def __post_init__(self):
        unknown = [c for c in (*self.required, *self.references, *([self.parent] if self.parent else []),
                               *([self.total] if self.total else [])) if c not in self.fields]
        if unknown:
            raise ValueError(f"canonical {self.name}: {unknown} are not among its fields")
        if self.parent and self.parent not in self.references:
            raise ValueError(f"canonical {self.name}: parent {self.parent!r} must be a reference")

    @property
    def table(self) -> str:
        return self.plural

    @cached_property
    def all_columns(self) -> tuple[str, ...]:
        """Every canonical column, hub-only ones included (the `mapped` stage's schema)."""
        return (*SOURCE_COLUMNS, *self.fields)

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """The columns an ERP target loads and reads back."""
        return (*SOURCE_COLUMNS, *(c for c, f in self.fields.items() if not f.hub_only))

    def _of(self, kind: str, nullable: bool | None = None) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c in self.fields and self.fields[c].kind == kind
                     and (nullable is None or self.fields[c].nullable == nullable))

    @cached_property
    def money(self) -> tuple[str, ...]:
        """Money columns that must be present (int64)."""
        return self._of("money", nullable=False)

    @cached_property
    def nullable_money(self) -> tuple[str, ...]:
        return self._of("money", nullable=True)

    @cached_property
    def timestamps(self) -> tuple[str, ...]:
        return self._of("timestamp")

    @cached_property
    def numbers(self) -> tuple[str, ...]:
        return self._of("number")

    @cached_property
    def text(self) -> tuple[str, ...]:
        return (*SOURCE_COLUMNS, *self._of("text"))

    @cached_property
    def indexed(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c in self.fields and self.fields[c].indexed)

    @property
    def currency_required(self) -> bool:
        currency = self.fields.get("currency")
        return currency is not None and not currency.nullable

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Other entities that must load first."""
        return tuple(dict.fromkeys([*(e for e in self.references.values() if e != self.name), *self.loads_after]))

    @property
    def self_reference(self) -> str | None:
        return next((c for c, e in self.references.items() if e == self.name), None)

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        """The `mapped` gate: every canonical column typed, nothing else allowed."""
        columns = {
            "external_id": pa.Column(str, pa.Check.str_matches(r"^[a-z_]+:.+$"), unique=True, nullable=False),
            "source_system": pa.Column(str, nullable=False),
            "source_id": pa.Column(str, nullable=False),
            **{name: f.column() for name, f in self.fields.items()},
        }
        return pa.DataFrameSchema(columns, checks=list(self.checks), name=self.name, strict=True, coerce=True)


_REGISTRY: dict[str, CanonicalEntity] | None = None


def all_entities() -> dict[str, CanonicalEntity]:
    """Every declared entity by name, in load order (an entity after those it refers to)."""
    global _REGISTRY
    if _REGISTRY is None:
        from integration_hub.canonical import entities as package

        found: dict[str, CanonicalEntity] = {}
        for module in pkgutil.iter_modules(package.__path__):
            declared = getattr(importlib.import_module(f"{package.__name__}.{module.name}"), "ENTITY", None)
            if isinstance(declared, CanonicalEntity):
                if declared.name in found:
                    raise ValueError(f"canonical entity {declared.name!r} is declared twice")
                found[declared.name] = declared
        _REGISTRY = _in_load_order(found)
    return _REGISTRY


def _in_load_order(found: dict[str, CanonicalEntity]) -> dict[str, CanonicalEntity]:
    ordered: dict[str, CanonicalEntity] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in path:
            raise ValueError(f"canonical entities refer to each other in a cycle: {' -> '.join((*path, name))}")
        if name not in found:
            raise ValueError(f"canonical {path[-1]} refers to {name!r}, which is not declared")
        for dep in found[name].depends_on:
            visit(dep, (*path, name))
        ordered[name] = found[name]

    for name in sorted(found):
        visit(name, ())
    return ordered


def get(name: str) -> CanonicalEntity:
    try:
        return all_entities()[name]
    except KeyError:
        raise ValueError(f"unknown entity {name!r}; expected one of {sorted(all_entities())}") from None


def by_plural(plural: str) -> CanonicalEntity:
    for declared in all_entities().values():
        if declared.plural == plural:
            return declared
    raise ValueError(f"no canonical entity is called {plural!r}")
