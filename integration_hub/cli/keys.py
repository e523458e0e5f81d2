"""`integration-hub keys status | rotate | retire`: which keys exist and what they encrypt, rotation,
retirement. Each change is audited."""
from __future__ import annotations

from integration_hub.cli.common import UsageError
from integration_hub.config import settings


def _where():
    from integration_hub.security.keystore import key_file

    cfg = settings()
    return cfg, key_file(cfg.data_dir)


def _usage_line(counts) -> str:
    return ", ".join(f"{kid}: {n}" for kid, n in sorted(counts.items())) or "no stored ciphertext"


def _audit(action: str, before, after, details: dict) -> int:
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.runner import cli_actor

    trail = AuditTrail(settings().hub_db_url)
    entry = trail.append(cli_actor(), action, "keyring", before, after, details)
    trail.dispose()
    return entry.seq


def cmd_keys_status(args) -> int:
    from integration_hub.security.keystore import hub_keyring
    from integration_hub.security.rotation import usage

    cfg, path = _where()
    keyring = hub_keyring(cfg.data_dir, create=False)
    print(f"keys from {path or 'IH_ENCRYPTION_KEYS'}; active {keyring.active_id}; "
          f"all {', '.join(sorted(keyring.keys))}")
    found = usage(cfg.asset_dir, cfg.hub_db_url)
    for place, counts in sorted(found.by_place.items()):
        print(f"  {place:<11} {_usage_line(counts)}")
    return 0


def cmd_keys_rotate(args) -> int:
    from integration_hub.security.keys import add_key
    from integration_hub.security.keystore import hub_keyring
    from integration_hub.security.rotation import reencrypt_all

    cfg, path = _where()
    old = hub_keyring(cfg.data_dir)
    if args.no_new_key or path is None:
        if path is None:
            print("keys come from IH_ENCRYPTION_KEYS: add the new key there and set IH_ACTIVE_KEY_ID; "
                  f"re-encrypting under the active key {old.active_id}")
        new_id = old.active_id
    else:
        new_id = add_key(path)
        print(f"new active key {new_id} added to {path}")
    keyring = hub_keyring(cfg.data_dir)
    report = reencrypt_all(cfg.asset_dir, cfg.hub_db_url, keyring)
    print(f"re-encrypted {report.rewritten_files} dataset files and {report.rewritten_rows} quarantine records")
    print(f"  before: {_usage_line(report.before.total)}")
    print(f"  after:  {_usage_line(report.after.total)}")
    stale = {k: n for k, n in report.after.total.items() if k != new_id}
    seq = _audit("keys.rotate", sorted(old.keys), sorted(keyring.keys), {
        "active": new_id, "before": dict(report.before.total), "after": dict(report.after.total),
        "files": report.rewritten_files, "quarantine_rows": report.rewritten_rows})
    print(f"logged as audit entry {seq}")
    retired = sorted(k for k in keyring.keys if k != new_id and not report.after.total.get(k))
    if retired:
        print(f"no stored value uses {', '.join(retired)} any more: `integration-hub keys retire KID` removes it")
    return 1 if stale else 0


def cmd_keys_retire(args) -> int:
    from integration_hub.security.keys import retire_key
    from integration_hub.security.keystore import hub_keyring
    from integration_hub.security.rotation import usage

    cfg, path = _where()
    if path is None:
        raise UsageError("keys come from IH_ENCRYPTION_KEYS: remove the key there yourself once "
                         "`integration-hub keys status` shows it unused")
    before = hub_keyring(cfg.data_dir, create=False)
    in_use = usage(cfg.asset_dir, cfg.hub_db_url).total.get(args.kid, 0)
    retire_key(path, args.kid, in_use)
    seq = _audit("keys.retire", sorted(before.keys), sorted(k for k in before.keys if k != args.kid),
                 {"retired": args.kid})
    print(f"key {args.kid} retired from {path} (audit entry {seq})")
    return 0


def add_commands(sub) -> None:
    keys = sub.add_parser("keys", help="field-encryption keys: status, rotation, retirement").add_subparsers(
        dest="keys_command", required=True)
    keys.add_parser("status", help="key ids, the active one, and how many stored values each encrypts") \
        .set_defaults(func=cmd_keys_status)
    rotate = keys.add_parser("rotate", help="add a new active key and re-encrypt every stored sensitive value")
    rotate.add_argument("--no-new-key", action="store_true",
                        help="only re-encrypt under the current active key (finish an interrupted rotation)")
    rotate.set_defaults(func=cmd_keys_rotate)
    retire = keys.add_parser("retire", help="remove a key; refused while any stored value still uses it")
    retire.add_argument("kid")
    retire.set_defaults(func=cmd_keys_retire)
