"""Declarative mappings between canonical entities and each ERP's records.

`erp/specs/<erp>/<name>.yaml` holds one mapping per ERP record type. Besides the keys every
mapping spec has (spec, version, target, fields; see mapping.spec), it names:

- `entity`: the canonical entity it carries, and `record`: the ERP record type or endpoint;
- `where` (optional): canonical column values a record must have to use this spec, so one
  entity can become several record types (an invoice or a credit memo);
- `fields`: ERP field paths (dotted, `[n]` for list items) from prepared canonical columns
  (see documents.prepare: `*_major` amounts, `*_date` dates, `*_key` ERP-safe ids);
- `read`: canonical columns from the flattened ERP record, for read-back, and `read_where`
  (optional): field values an ERP record must have to be read by this spec, where several
  specs share one record type;
- `booleans` (optional): outbound field paths sent as JSON booleans (from "true"/"false");
- `lookup` (optional): {prefix: reference column}: the referenced record, as the ERP holds it
  (read back and prepared), joins the outbound columns as `<prefix>_<column>` (a refund takes
  its order's customer); a record whose referenced record the ERP does not hold is rejected;
- `sublist` (optional, line entities): the path of the list in the parent document that holds
  the lines (`item.items`, `Details`). `fields` and `read` are then paths inside one line, and
  `read` may name the parent document's fields as `parent.<path>`; the parent is the record
  the line entity's `parent` column names, posted before (see rest_target).

Adding an ERP record type (orders, items, vendors) is adding a file here, not code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from integration_hub.canonical import registry
from integration_hub.mapping.spec import MappingSpec, SpecError, parse_spec

SPEC_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ErpSpec:
    erp: str
    entity: str
    record: str
    outbound: MappingSpec
    inbound: MappingSpec
    where: dict[str, str] = field(default_factory=dict)
    read_where: dict[str, str] = field(default_factory=dict)
    booleans: tuple[str, ...] = ()
    lookup: dict[str, str] = field(default_factory=dict)
    sublist: str | None = None

    @property
    def version_tag(self) -> str:
        return self.outbound.version_tag

    def matches(self, frame: pd.DataFrame) -> pd.Series:
        """Rows of `frame` this spec applies to."""
        mask = pd.Series(True, index=frame.index)
        for column, value in self.where.items():
            mask &= frame[column].astype("string").eq(str(value)).fillna(False)
        return mask.astype(bool)

    def reads(self, flat: dict) -> bool:
        """Whether a flattened ERP record belongs to this spec."""
        return all(str(flat.get(path)) == value for path, value in self.read_where.items())


def parse_erp_spec(erp: str, text: str, origin: str) -> ErpSpec:
    data = yaml.safe_load(text)
    for key in ("entity", "record", "read"):
        if key not in data:
            raise SpecError(f"{origin}: missing {key!r}")
    registry.get(data["entity"])
    unknown = sorted(set(data["read"]) - set(registry.get(data["entity"]).columns))
    if unknown:
        raise SpecError(f"{origin}: read maps columns that {data['entity']} does not have: {unknown}")
    outbound = parse_spec(text, origin)
    read_text = yaml.safe_dump({"spec": f"{data['spec']}.read", "version": data["version"],
                                "target": data["entity"], "fields": data["read"]}, sort_keys=False)
    inbound = parse_spec(read_text, f"{origin} (read)")
    where = {str(k): str(v) for k, v in (data.get("where") or {}).items()}
    read_where = {str(k): str(v) for k, v in (data.get("read_where") or {}).items()}
    declared = registry.get(data["entity"])
    lookup = {str(k): str(v) for k, v in (data.get("lookup") or {}).items()}
    bad = sorted(c for c in lookup.values() if c not in declared.references)
    if bad:
        raise SpecError(f"{origin}: lookup names columns that are not references of {declared.name}: {bad}")
    sublist = data.get("sublist")
    if sublist and not declared.parent:
        raise SpecError(f"{origin}: sublist is for line entities; {declared.name} names no parent")
    return ErpSpec(erp=erp, entity=data["entity"], record=str(data["record"]), outbound=outbound,
                   inbound=inbound, where=where, read_where=read_where,
                   booleans=tuple(str(b) for b in data.get("booleans") or ()), lookup=lookup,
                   sublist=str(sublist) if sublist else None)


def load_specs(erp: str, folder: Path | None = None) -> dict[str, tuple[ErpSpec, ...]]:
    """Every spec of `erp` (erp/specs/<erp>/*.yaml unless `folder`), grouped by canonical entity."""
    folder = folder or SPEC_DIR / erp
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise FileNotFoundError(f"no mapping specs for ERP {erp!r} in {folder}")
    grouped: dict[str, list[ErpSpec]] = {}
    for path in paths:
        spec = parse_erp_spec(erp, path.read_text(), str(path))
        grouped.setdefault(spec.entity, []).append(spec)
    return {entity: tuple(specs) for entity, specs in grouped.items()}
