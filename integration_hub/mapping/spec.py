"""Declarative mapping specs: how one source entity becomes one canonical entity.

A spec is YAML; each canonical field names its source column(s), the transforms applied in
order, what a blank becomes (`null`, `reject`, or a `default`) and, when several source
columns feed it, what wins on conflict (`first_non_blank`, `must_agree`, `join`).

`checks` are rules a source row must meet to be mapped at all, for facts that live in the
source row but in no canonical column (a Stripe charge's `amount_refunded` above its
`amount`). Each is one comparison, `left op right`, of source columns and literals: parsed
here, never evaluated as code.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CONFLICT_POLICIES = ("first_non_blank", "must_agree", "join")
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
_OPERAND = r"[A-Za-z_]\w*|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|'[^']*'|\"[^\"]*\""
_REQUIRE = re.compile(rf"\s*({_OPERAND})\s*(<=|>=|==|!=|<|>)\s*({_OPERAND})\s*")


class SpecError(ValueError):
    pass


@dataclass(frozen=True)
class Transform:
    name: str
    arg: object = None

    def describe(self) -> str:
        return self.name if self.arg is None else f"{self.name}({self.arg})"


@dataclass(frozen=True)
class FieldRule:
    target: str
    sources: tuple[str, ...] = ()
    const: object = None
    transforms: tuple[Transform, ...] = ()
    blank: str = "null"          # "null" | "reject" | "default"
    default: object = None
    conflict: str = "first_non_blank"
    fallback: "FieldRule | None" = None   # used where this rule's value is blank

    @property
    def all_sources(self) -> tuple[str, ...]:
        return self.sources + (self.fallback.all_sources if self.fallback else ())

    def describe(self) -> str:
        """Human-readable rule, shown in lineage answers and asset metadata."""
        if not self.sources:
            return f"constant {self.const!r}"
        text = " + ".join(self.sources) if self.conflict == "join" else ", ".join(self.sources)
        if len(self.sources) > 1:
            text = f"{self.conflict}({text})"
        for t in self.transforms:
            text = f"{t.describe()}({text})"
        if self.fallback is not None:
            text += f", else {self.fallback.describe()}"
        if self.blank == "reject":
            text += "; blank rejects the record"
        elif self.blank == "default":
            text += f"; blank becomes {self.default!r}"
        return text


@dataclass(frozen=True)
class Operand:
    """One side of a row check: a source column, or a literal number or text."""

    column: str | None = None
    literal: object = None


@dataclass(frozen=True)
class RowCheck:
    """`left op right` must hold for a source row, else it is rejected with `rule`.

    A row whose compared column is blank passes: whether a value must be present is the
    cleaning declaration's and the blank policy's job.
    """

    rule: str
    left: Operand
    op: str
    right: Operand
    text: str

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(side.column for side in (self.left, self.right) if side.column)


@dataclass(frozen=True)
class MappingSpec:
    name: str
    version: int
    target: str
    fields: tuple[FieldRule, ...]
    fingerprint: str
    checks: tuple[RowCheck, ...] = ()

    @property
    def source_columns(self) -> set[str]:
        """Every source column the spec reads, for fields or checks."""
        return {c for f in self.fields for c in f.all_sources} | {c for k in self.checks for c in k.columns}

    @property
    def version_tag(self) -> str:
        """What every load records: spec name, declared version and a hash of the spec text."""
        return f"{self.name}@v{self.version}#{self.fingerprint}"

    def column_lineage(self) -> dict[str, list[str]]:
        return {f.target: list(f.all_sources) for f in self.fields}


def _transforms(where: str, raw) -> tuple[Transform, ...]:
    if raw is None:
        return ()
    out = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            out.append(Transform(item))
        elif isinstance(item, dict) and len(item) == 1:
            (name, arg), = item.items()
            out.append(Transform(name, arg))
        else:
            raise SpecError(f"{where}: a transform is a name or a one-key mapping, got {item!r}")
    return tuple(out)


def _field(spec_name: str, target: str, raw: dict) -> FieldRule:
    where = f"{spec_name}.{target}"
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected a mapping with 'from' or 'const'")
    if "const" in raw:
        return FieldRule(target=target, const=raw["const"])
    if "from" not in raw:
        raise SpecError(f"{where}: needs 'from' (source column or list) or 'const'")
    sources = tuple(raw["from"]) if isinstance(raw["from"], list) else (raw["from"],)
    blank = raw.get("blank", "null")
    default = None
    if isinstance(blank, dict):
        if set(blank) != {"default"}:
            raise SpecError(f"{where}: blank must be null, reject or {{default: value}}")
        blank, default = "default", blank["default"]
    elif blank is None:
        blank = "null"
    if blank not in ("null", "reject", "default"):
        raise SpecError(f"{where}: blank must be null, reject or {{default: value}}, got {blank!r}")
    conflict = raw.get("conflict", "first_non_blank")
    if conflict not in CONFLICT_POLICIES:
        raise SpecError(f"{where}: conflict must be one of {CONFLICT_POLICIES}, got {conflict!r}")
    fallback = _field(spec_name, target, raw["fallback"]) if "fallback" in raw else None
    return FieldRule(target=target, sources=sources, transforms=_transforms(where, raw.get("transforms")),
                     blank=blank, default=default, conflict=conflict, fallback=fallback)


def _operand(text: str) -> Operand:
    if text[0] in "'\"":
        return Operand(literal=text[1:-1])
    if text[0].isalpha() or text[0] == "_":
        return Operand(column=text)
    return Operand(literal=int(text) if re.fullmatch(r"-?\d+", text) else float(text))


def _check(spec_name: str, raw) -> RowCheck:
    if not isinstance(raw, dict) or not isinstance(raw.get("rule"), str) or not raw["rule"].strip():
        raise SpecError(f"{spec_name}.checks: each check needs a 'rule' name and a 'require' comparison, got {raw!r}")
    require = raw.get("require")
    match = _REQUIRE.fullmatch(require) if isinstance(require, str) else None
    if match is None:
        raise SpecError(f"{spec_name}.checks.{raw['rule']}: require must be one comparison 'left op right' of "
                        f"columns and literals, op one of {' '.join(COMPARISONS)}; got {require!r}")
    left, op, right = match.groups()
    return RowCheck(rule=raw["rule"].strip(), left=_operand(left), op=op, right=_operand(right), text=require.strip())


def parse_spec(text: str, origin: str = "<spec>") -> MappingSpec:
    data = yaml.safe_load(text)
    for key in ("spec", "version", "target", "fields"):
        if key not in data:
            raise SpecError(f"{origin}: missing {key!r}")
    fields = tuple(_field(data["spec"], t, r) for t, r in data["fields"].items())
    checks = tuple(_check(data["spec"], c) for c in data.get("checks") or ())
    return MappingSpec(name=data["spec"], version=int(data["version"]), target=data["target"], fields=fields,
                       fingerprint=hashlib.sha256(text.encode()).hexdigest()[:12], checks=checks)


def load_spec(path: Path) -> MappingSpec:
    return parse_spec(path.read_text(), str(path))
