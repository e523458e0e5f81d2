"""What the command modules share: the errors `main` turns into exit statuses, and progress bars."""
from __future__ import annotations

import sys


class UsageError(Exception):
    """A mistake the user can fix; shown as one line, without a traceback."""


class DataCommandError(Exception):
    """A mistake in the input the user can fix (unreadable file, unknown role, missing column)."""


class CommandFailed(Exception):
    """A check that found a problem: printed as it is, exit status 1."""


def step_bar(total: int, desc: str):
    """A progress bar on a terminal's stderr; silent when output is not a terminal (CI, pipes)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="step", leave=False, disable=None, file=sys.stderr)


def row_bar(desc: str):
    """A progress bar counting rows, of unknown total; silent when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(desc=desc, unit="row", leave=False, disable=None, file=sys.stderr)
