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
        if not path.exists():
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has not been materialized yet ({path} is missing): "
                "run its upstream assets first")
        return pd.read_parquet(path)
