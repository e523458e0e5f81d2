"""Named encryption keys: where they live, which one encrypts, and how they rotate.

A keyring maps key ids to 256-bit keys; one of them is active (new values are encrypted
with it), the others stay only to decrypt values written before a rotation. Keys come from
either

- the environment: ``IH_ENCRYPTION_KEYS="kid1:<base64>,kid2:<base64>"`` and
  ``IH_ACTIVE_KEY_ID`` (may be left out when there is one key), or
- a key file named by ``IH_KEY_FILE``: JSON ``{"active": kid, "keys": {kid: base64}}``.

A key file must be readable by its owner only (0600) and must not sit inside a git working
tree: a key committed by accident next to the data it protects protects nothing.
Rotation is ``add_key`` (new active key), re-encrypting stored values, then ``retire_key``,
which refuses while any stored value still uses the key.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

KEY_BYTES = 32
ENV_KEYS = "IH_ENCRYPTION_KEYS"
ENV_ACTIVE = "IH_ACTIVE_KEY_ID"
ENV_KEY_FILE = "IH_KEY_FILE"
# Key ids appear inside ciphertext tokens ("enc:v1:<kid>:..."), so no ":" and nothing exotic.
_KID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class KeyringError(Exception):
    """Keys missing, malformed, stored unsafely, or a rotation step that would lose data."""


@dataclass(frozen=True)
class Keyring:
    """Key id -> key bytes, and the id of the key that encrypts. The repr never shows key material."""

    keys: Mapping[str, bytes] = field(repr=False)
    active_id: str

    def __post_init__(self) -> None:
        for kid, key in self.keys.items():
            _check_kid(kid)
            if len(key) != KEY_BYTES:
                raise KeyringError(f"key {kid!r} is {len(key)} bytes; AES-256 keys are {KEY_BYTES} bytes")
        if self.active_id not in self.keys:
            raise KeyringError(f"active key id {self.active_id!r} is not among the keys ({', '.join(self.keys)})")
        object.__setattr__(self, "keys", dict(self.keys))

    def __repr__(self) -> str:
        return f"Keyring(active_id={self.active_id!r}, key_ids={sorted(self.keys)!r})"

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]

    def key(self, kid: str) -> bytes:
        try:
            return self.keys[kid]
        except KeyError:
            raise KeyringError(f"no key with id {kid!r} in the keyring (has {', '.join(sorted(self.keys))})") from None

    @classmethod
    def generate(cls, kid: str | None = None) -> Keyring:
        """A keyring holding one fresh random key (tests, first setup)."""
        kid = kid or new_key_id()
        return cls({kid: secrets.token_bytes(KEY_BYTES)}, kid)


def new_key_id() -> str:
    """A readable, unique id: the creation date plus random hex, e.g. ``k20250101-3fa9c2``."""
    return f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"


def load_keyring(environ: Mapping[str, str] | None = None) -> Keyring:
    """The keyring configured in `environ` (os.environ by default): a key file or inline keys, not both."""
    env = os.environ if environ is None else environ
    key_file, inline = env.get(ENV_KEY_FILE), env.get(ENV_KEYS)
    if key_file and inline:
        raise KeyringError(f"both {ENV_KEY_FILE} and {ENV_KEYS} are set; configure keys in one place only")
    if key_file:
        return read_key_file(key_file)
    if not inline:
        raise KeyringError(f"no encryption keys configured: set {ENV_KEY_FILE} (a key file outside the repository) "
                           f"or {ENV_KEYS}")
    keys: dict[str, bytes] = {}
    for position, item in enumerate(inline.split(","), start=1):
        kid, sep, encoded = item.strip().partition(":")
        if not sep:
            raise KeyringError(f"{ENV_KEYS} item {position}: expected 'kid:base64key'")
        if kid in keys:
            raise KeyringError(f"{ENV_KEYS} item {position}: key id {kid!r} appears twice")
        keys[kid] = _decode(encoded, f"{ENV_KEYS} key {kid!r}")
    active = env.get(ENV_ACTIVE) or (next(iter(keys)) if len(keys) == 1 else None)
    if active is None:
        raise KeyringError(f"{ENV_KEYS} holds {len(keys)} keys; set {ENV_ACTIVE} to the one that encrypts")
    return Keyring(keys, active)


def read_key_file(path: str | Path) -> Keyring:
    """The keyring in a key file, after checking it is private (0600) and outside any git working tree."""
    path = _checked_location(path)
    if not path.is_file():
        raise KeyringError(f"key file {path} does not exist")
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        raise KeyringError(f"key file {path} has permissions {mode:04o}; it must be readable by its owner only "
                           f"(chmod 600 {path})")
    try:
        payload = json.loads(path.read_text())
        active, encoded_keys = payload["active"], payload["keys"]
    except (ValueError, KeyError, TypeError) as error:
        raise KeyringError(f"key file {path} is not of the form {{\"active\": kid, \"keys\": {{kid: base64}}}}: "
                           f"{type(error).__name__}") from None
    if not isinstance(encoded_keys, dict):
        raise KeyringError(f"key file {path}: \"keys\" must be an object of kid -> base64 key")
    keys = {kid: _decode(encoded, f"key file {path} key {kid!r}") for kid, encoded in encoded_keys.items()}
    return Keyring(keys, active)


def generate_key_file(path: str | Path) -> str:
    """Create a new key file (0600) holding one fresh active key; returns its id. Never overwrites."""
    path = _checked_location(path)
    if path.exists():
        raise KeyringError(f"key file {path} already exists; use add_key to rotate")
    keyring = Keyring.generate()
    _write(path, keyring, exclusive=True)
    return keyring.active_id


def add_key(path: str | Path) -> str:
    """Add a fresh key to a key file and make it active; older keys stay for decryption. Returns the new id."""
    keyring = read_key_file(path)
    kid = new_key_id()
    while kid in keyring.keys:
        kid = new_key_id()
    keys = {**keyring.keys, kid: secrets.token_bytes(KEY_BYTES)}
    _write(Path(path), Keyring(keys, kid))
    return kid


def retire_key(path: str | Path, kid: str, usage_count: int) -> None:
    """Remove `kid` from a key file once no stored value uses it.

    `usage_count` is how many stored values are still encrypted under `kid` (see
    fields.key_ids_in_use); the caller counts, because only it knows every place values live.
    """
    keyring = read_key_file(path)
    keyring.key(kid)
    if kid == keyring.active_id:
        raise KeyringError(f"key {kid!r} is the active key; add a new key before retiring it")
    if usage_count:
        raise KeyringError(f"key {kid!r} still encrypts {usage_count} stored values; re-encrypt them "
                           f"(keys rotate) before retiring it, or they can never be read again")
    _write(Path(path), Keyring({k: v for k, v in keyring.keys.items() if k != kid}, keyring.active_id))


def inside_git_worktree(path: Path) -> Path | None:
    """The root of the git working tree holding `path`, if any (a `.git` directory or file above it)."""
    for parent in path.parents:
        if (parent / ".git").exists():
            return parent
    return None


def _checked_location(path: str | Path) -> Path:
    resolved = Path(path).expanduser().resolve()
    root = inside_git_worktree(resolved)
    if root is not None:
        raise KeyringError(f"refusing key file {resolved}: it is inside the git working tree {root}; "
                           f"keep keys outside the repository")
    return resolved


def _write(path: Path, keyring: Keyring, *, exclusive: bool = False) -> None:
    """Write with 0600 from the first byte (never a moment world-readable), atomically when replacing."""
    payload = json.dumps({"active": keyring.active_id,
                          "keys": {kid: base64.b64encode(key).decode() for kid, key in keyring.keys.items()}},
                         indent=2).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path if exclusive else path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if not exclusive:
            os.replace(target, path)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _decode(encoded: str, where: str) -> bytes:
    try:
        key = base64.b64decode(str(encoded).strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{where} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"{where} is {len(key)} bytes; AES-256 keys are {KEY_BYTES} bytes")
    return key


def _check_kid(kid: str) -> None:
    if not isinstance(kid, str) or not _KID.match(kid):
        raise KeyringError(f"key id {kid!r} must be 1-64 characters of letters, digits, '_', '-' or '.'")
