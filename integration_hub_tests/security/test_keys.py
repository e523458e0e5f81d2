import base64
import json
import os
import stat

import pytest

from integration_hub.security.keys import (
    Keyring, KeyringError, add_key, generate_key_file, load_keyring, read_key_file, retire_key,
)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def test_key_file_is_created_private_and_round_trips(tmp_path):
    path = tmp_path / "keys" / "hub.json"
    kid = generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keyring = read_key_file(path)
    assert keyring.active_id == kid and len(keyring.active_key) == 32
    assert load_keyring({"IH_KEY_FILE": str(path)}).keys == keyring.keys
    with pytest.raises(KeyringError, match="already exists"):
        generate_key_file(path)


def test_key_file_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "hub.json"
    generate_key_file(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyringError, match="permissions 0644.*chmod 600"):
        read_key_file(path)


def test_key_file_inside_a_git_working_tree_is_refused(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    with pytest.raises(KeyringError, match="inside the git working tree"):
        generate_key_file(repo / "config" / "keys.json")
    assert not (repo / "config" / "keys.json").exists()


def test_add_key_rotates_and_retire_refuses_while_in_use(tmp_path):
    path = tmp_path / "hub.json"
    old = generate_key_file(path)
    new = add_key(path)
    keyring = read_key_file(path)
    assert new != old and keyring.active_id == new and set(keyring.keys) == {old, new}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(KeyringError, match=f"{old}.*still encrypts 3 stored values"):
        retire_key(path, old, usage_count=3)
    with pytest.raises(KeyringError, match="active key"):
        retire_key(path, new, usage_count=0)
    with pytest.raises(KeyringError, match="no key with id 'nope'"):
        retire_key(path, "nope", usage_count=0)
    retire_key(path, old, usage_count=0)
    assert set(read_key_file(path).keys) == {new}


def test_keys_from_the_environment():
    k1, k2 = os.urandom(32), os.urandom(32)
    env = {"IH_ENCRYPTION_KEYS": f"k1:{b64(k1)}, k2:{b64(k2)}", "IH_ACTIVE_KEY_ID": "k2"}
    keyring = load_keyring(env)
    assert keyring.active_id == "k2" and keyring.key("k1") == k1 and keyring.active_key == k2
    assert load_keyring({"IH_ENCRYPTION_KEYS": f"only:{b64(k1)}"}).active_id == "only"


@pytest.mark.parametrize(("env", "message"), [
    ({}, "no encryption keys configured"),
    ({"IH_ENCRYPTION_KEYS": "k1:" + b64(b"short")}, "5 bytes"),
    ({"IH_ENCRYPTION_KEYS": "k1:not base64!"}, "not valid base64"),
    ({"IH_ENCRYPTION_KEYS": "k1"}, "expected 'kid:base64key'"),
    ({"IH_ENCRYPTION_KEYS": f"a:{b64(bytes(32))},b:{b64(bytes(32))}"}, "set IH_ACTIVE_KEY_ID"),
    ({"IH_ENCRYPTION_KEYS": f"a:{b64(bytes(32))}", "IH_ACTIVE_KEY_ID": "b"}, "active key id 'b'"),
    ({"IH_ENCRYPTION_KEYS": f"a:{b64(bytes(32))}", "IH_KEY_FILE": "/x"}, "configure keys in one place"),
])
def test_bad_key_configuration_is_explained(env, message):
    with pytest.raises(KeyringError, match=message):
        load_keyring(env)


def test_malformed_key_file(tmp_path):
    path = tmp_path / "hub.json"
    path.write_text(json.dumps({"keys": {}}))
    os.chmod(path, 0o600)
    with pytest.raises(KeyringError, match="not of the form"):
        read_key_file(path)


def test_repr_never_shows_key_material():
    keyring = Keyring.generate("k1")
    assert b64(keyring.active_key) not in repr(keyring) and "k1" in repr(keyring)
