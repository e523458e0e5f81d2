"""Export files as their source wrote them: every value kept as text, row numbers attached."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

ROW = "_row"
ORIGIN = "_origin"
EXTRACTED_AT = "_extracted_at"


class ExportFileError(ValueError):
    pass


def read_export(path: Path) -> pd.DataFrame:
    """Read a CSV export with every column as text (blank stays ""), adding `_row` (1-based data row)."""
    if not path.is_file():
        raise ExportFileError(f"{path}: export file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="pyarrow")
    except Exception as exc:  # pyarrow raises several types for malformed CSV
        raise ExportFileError(f"{path}: cannot be read as CSV ({exc})") from exc
    return stamp(frame, origin=str(path))


def stamp(frame: pd.DataFrame, *, origin: str, rows: pd.Series | None = None) -> pd.DataFrame:
    """Add the extraction columns every `extracted` dataset carries."""
    frame = frame.reset_index(drop=True)
    frame[ROW] = rows.to_numpy() if rows is not None else range(1, len(frame) + 1)
    frame[ORIGIN] = origin
    frame[EXTRACTED_AT] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return frame
