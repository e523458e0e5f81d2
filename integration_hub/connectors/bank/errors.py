"""The one exception every bank statement reader raises for malformed input."""
from __future__ import annotations

import re
from pathlib import Path

_CONTROL = re.compile(r"(statement\.[a-z_]+): ")


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

    @property
    def rule(self) -> str:
        """The control the file failed, as its message starts (statement.summary_mismatch: a BAI2
        trailer that disagrees with its records), else statement_format: the quarantine rule."""
        control = _CONTROL.match(self.message)
        return control.group(1) if control else "statement_format"
