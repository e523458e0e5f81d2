"""The one exception every bank statement reader raises for malformed input."""
from __future__ import annotations

from pathlib import Path


class StatementFormatError(ValueError):
    """A statement file breaks its format; names the file and the 1-based line.

    Messages name accounts only by their mask: the full number never appears in
    an error, because errors end up in logs, quarantine tables and the UI.
    """

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = int(line)
        self.message = message
        super().__init__(f"{self.path} line {self.line}: {message}")
