"""Where the hub's encryption keys live when nobody configured any: one key file per data folder.

Configured keys always win (``IH_KEY_FILE`` or ``IH_ENCRYPTION_KEYS``, see keys.py). Without
them, the demo must still encrypt, so the first run creates a key file, 0600, in a per-user
folder outside the repository and outside the data folder:
``$IH_KEY_DIR`` or ``$XDG_CONFIG_HOME/integration_hub/keys`` or ``~/.config/integration_hub/keys``.
Kept apart from the data on purpose: a copy of ``data/`` (a backup, a zip sent to a colleague)
then holds ciphertext without the key that opens it, and keys.py refuses key files inside a
git working tree anyway. The file is named after the data folder (its name and a hash of its
absolute path), so two data folders never share, rotate or retire each other's keys.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from integration_hub.security.keys import (ENV_KEY_FILE, ENV_KEYS, Keyring, KeyringError, generate_key_file,
                                           load_keyring, read_key_file)

ENV_KEY_DIR = "IH_KEY_DIR"


def default_key_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_KEY_DIR):
        return Path(env[ENV_KEY_DIR]).expanduser()
    config = Path(env["XDG_CONFIG_HOME"]).expanduser() if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return config / "integration_hub" / "keys"


def default_key_file(data_dir: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The key file of `data_dir` when no keys are configured."""
    resolved = Path(data_dir).expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return default_key_dir(environ) / f"{resolved.name or 'data'}-{digest}.json"


def configured_inline(environ: Mapping[str, str] | None = None) -> bool:
    """True when keys come from the environment itself (IH_ENCRYPTION_KEYS), not from a file."""
    env = os.environ if environ is None else environ
    return bool(env.get(ENV_KEYS)) and not env.get(ENV_KEY_FILE)


def key_file(data_dir: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """The key file the hub reads (IH_KEY_FILE, else the data folder's default); None for inline keys."""
    env = os.environ if environ is None else environ
    if configured_inline(env):
        return None
    return Path(env[ENV_KEY_FILE]).expanduser() if env.get(ENV_KEY_FILE) else default_key_file(data_dir, env)


def hub_keyring(data_dir: Path, environ: Mapping[str, str] | None = None, *, create: bool = True) -> Keyring:
    """The keyring for `data_dir`: configured keys, else the default key file, created on first use.

    An explicitly configured IH_KEY_FILE that is missing is an error, never silently replaced:
    a fresh key there would leave every value stored under the lost key unreadable.
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_KEY_FILE) or env.get(ENV_KEYS):
        return load_keyring(env)
    path = default_key_file(data_dir, env)
    if not path.exists():
        if not create:
            raise KeyringError(f"no encryption keys configured and no key file at {path} yet")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            generate_key_file(path)
        except FileExistsError:  # another process created it first: use theirs
            pass
    return read_key_file(path)
