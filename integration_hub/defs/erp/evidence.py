"""Audit evidence of an ERP load, gathered from Dagster: who ran it, which gates passed, where rows came from."""

from pathlib import Path

import dagster as dg
import pandas as pd

from integration_hub.audit.config_changes import ConfigItem, file_item, spec_item
from integration_hub.connectors.exports import EXTRACTED_AT, ORIGIN, ROW
from integration_hub.defs.factory import STAGE_CHECKS, asset_key
from integration_hub.defs.metadata import latest_materialization, passed_checks
from integration_hub.governance.phases import PHASES_FILE
from integration_hub.mapping.systems import DEFS_DIR, EntityDeclaration

ACTOR_TAG = "ih/actor"


def actor(context) -> str:
    """Who loads: the person behind a CLI run (run tag), else the Dagster run itself."""
    return context.run.tags.get(ACTOR_TAG) or f"dagster:{context.run.run_id}"


def config_items(entities: list[EntityDeclaration]) -> list[ConfigItem]:
    """The configuration a load runs with: the phase plan, each feeding system's declaration and mapping spec."""
    items = [file_item(PHASES_FILE, "governance/phases.yaml"), *(spec_item(e.mapping) for e in entities)]
    for system in sorted({e.system for e in entities}):
        path = DEFS_DIR / system / "system.yaml"
        if path.is_file():
            items.append(file_item(path, f"defs/{system}/system.yaml"))
    return items


def gates(context, entity: EntityDeclaration) -> list[dict]:
    keys = [dg.AssetCheckKey(asset_key(entity, stage), name) for stage, names in STAGE_CHECKS.items() for name in names]
    return passed_checks(context, keys)


def origins(context, entity: EntityDeclaration) -> pd.DataFrame | None:
    """Source row -> file or URL and extraction time, read from the extracted dataset's file (3 columns only)."""
    _, meta = latest_materialization(context, asset_key(entity, "extracted"))
    path = meta.get("path")
    if not path or not Path(str(path)).is_file():
        return None
    return pd.read_parquet(str(path), columns=[ROW, ORIGIN, EXTRACTED_AT])


def merges(context, store, entity: EntityDeclaration) -> pd.DataFrame:
    run, _ = latest_materialization(context, asset_key(entity, "cleaned"))
    return store.merged(run_ids=[run], system=entity.system, entity=entity.name) if run else pd.DataFrame()


def column_lineage(columns: list[str], entities: list[EntityDeclaration]) -> dg.TableColumnLineage:
    """Each canonical column of the loaded asset comes from the same column of every feeding mapped asset."""
    return dg.TableColumnLineage(deps_by_column={
        c: [dg.TableColumnDep(asset_key=asset_key(e, "mapped"), column_name=c) for e in entities] for c in columns})
