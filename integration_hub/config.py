"""Where the hub keeps its files and databases, read from the environment at run time.

| variable | default |
| --- | --- |
| IH_DATA_DIR | ./data |
| IH_SOURCE_DIR | $IH_DATA_DIR/sample (export files of every source system) |
| IH_INBOX_DIR | $IH_DATA_DIR/inbox (bank statement drops watched by the sensor) |
| IH_HUB_DB_URL | sqlite:///$IH_DATA_DIR/hub.db (quarantine, cursors, metrics, audit) |
| IH_ERP_URL | sqlite:///$IH_DATA_DIR/ledger.db (the SQL ledger ERP) |
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    source_dir: Path
    inbox_dir: Path
    hub_db_url: str
    erp_url: str

    @property
    def asset_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"


def settings() -> Settings:
    data_dir = Path(os.environ.get("IH_DATA_DIR", "data")).resolve()
    return Settings(
        data_dir=data_dir,
        source_dir=Path(os.environ.get("IH_SOURCE_DIR", data_dir / "sample")).resolve(),
        inbox_dir=Path(os.environ.get("IH_INBOX_DIR", data_dir / "inbox")).resolve(),
        hub_db_url=os.environ.get("IH_HUB_DB_URL", f"sqlite:///{data_dir / 'hub.db'}"),
        erp_url=os.environ.get("IH_ERP_URL", f"sqlite:///{data_dir / 'ledger.db'}"),
    )


def normalize_db_url(url: str) -> str:
    """Pin PostgreSQL URLs to psycopg2 (SQLAlchemy 2.1 otherwise picks psycopg 3, which is not installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
