"""Intermediate datasets as Parquet files, one per asset, under $IH_DATA_DIR/assets/."""

from pathlib import Path

import dagster as dg
import pandas as pd

from integration_hub.config import settings


def asset_path(base_dir: Path, key: dg.AssetKey) -> Path:
    return base_dir.joinpath(*key.path).with_suffix(".parquet")


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores DataFrames as Parquet; `base_dir` defaults to $IH_DATA_DIR/assets at run time."""

    base_dir: str | None = None

    def _root(self) -> Path:
        return Path(self.base_dir) if self.base_dir else settings().asset_dir

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        if obj is None:
            return
        path = asset_path(self._root(), context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".parquet.tmp")
        obj.to_parquet(tmp, index=False)
        tmp.replace(path)  # readers never see a half-written file
        context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        path = asset_path(self._root(), context.asset_key)
        if not path.exists() and _never_materialized(context):
            # A system of a phase that has not run yet feeds this asset: it has extracted nothing.
            context.log.info(f"{context.asset_key.to_user_string()} was never materialized: read as no records")
            return empty_dataset(context.asset_key)
        if not path.exists():
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has not been materialized yet ({path} is missing): "
                "run its upstream assets first")
        return pd.read_parquet(path)


def _never_materialized(context: dg.InputContext) -> bool:
    try:
        return context.instance.get_latest_materialization_event(context.asset_key) is None
    except Exception:  # noqa: BLE001 - no instance to ask (a direct IO manager call): the file decides
        return False


def empty_dataset(key: dg.AssetKey) -> pd.DataFrame:
    """No records, with the columns the asset at `key` holds: what a dataset that was never
    materialized stands for (a later phase's system before its first run)."""
    from integration_hub.canonical import registry
    from integration_hub.connectors.exports import EXTRACTED_AT, ORIGIN, ROW
    from integration_hub.erp.base import LOAD_METADATA
    from integration_hub.mapping.systems import load_systems
    from integration_hub.resolve.master import CROSSWALK_COLUMNS

    path = key.path
    if path[0] == "erp":
        columns = [*registry.by_plural(path[1]).columns, *LOAD_METADATA]
    elif path[0] == "master":
        columns = [*CROSSWALK_COLUMNS, "source_entity", "row_number"] if path[1].endswith("_crosswalk") \
            else list(registry.by_plural(path[1]).all_columns)
    else:
        entity = next(e for s in load_systems() if s.name == path[0] for e in s.entities if e.name == path[1])
        declared = [c.column for c in entity.columns]
        columns = {"extracted": [*declared, ROW, ORIGIN, EXTRACTED_AT], "cleaned": [*declared, ROW],
                   "mapped": [*registry.get(entity.canonical).all_columns, ROW]}[path[2]]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
