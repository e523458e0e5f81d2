"""The `integration-hub` command line: `main` parses and dispatches; one module per command group.

`cli.main` builds the top-level parser and registers each group's `add_commands`; `cli.common`
holds the errors `main` turns into exit statuses and the progress bars. Each group module
imports only `cli.common`, `integration_hub.config` and (inside its command functions) the
modules that do the work, so that `integration-hub --help` stays fast.
"""
from integration_hub.cli.main import main

__all__ = ["main"]
