import stat

import pytest

from integration_hub.security.keys import KeyringError, Keyring, generate_key_file
from integration_hub.security.keystore import default_key_file, hub_keyring, key_file


def test_first_use_creates_a_private_key_file_per_data_folder_and_reuses_it(tmp_path):
    env = {"IH_KEY_DIR": str(tmp_path / "keys")}
    first = hub_keyring(tmp_path / "data", env)
    path = default_key_file(tmp_path / "data", env)
    assert path.parent == tmp_path / "keys" and path.name.startswith("data-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert hub_keyring(tmp_path / "data", env).keys == first.keys              # same key on the next run
    other = hub_keyring(tmp_path / "elsewhere" / "data", env)
    assert other.active_key != first.active_key                                  # never shared between folders
    assert key_file(tmp_path / "data", env) == path


def test_default_location_is_per_user_config_not_the_repository(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert default_key_file(tmp_path / "data", env).parent == tmp_path / "cfg" / "integration_hub" / "keys"
    with pytest.raises(KeyringError, match="no key file"):
        hub_keyring(tmp_path / "data", env, create=False)


def test_a_configured_key_file_that_is_missing_is_an_error_not_replaced(tmp_path):
    env = {"IH_KEY_FILE": str(tmp_path / "gone.json"), "IH_KEY_DIR": str(tmp_path / "keys")}
    with pytest.raises(KeyringError, match="does not exist"):
        hub_keyring(tmp_path / "data", env)
    assert not (tmp_path / "gone.json").exists() and not (tmp_path / "keys").exists()


def test_configured_keys_win_over_the_default(tmp_path):
    kid = generate_key_file(tmp_path / "ops.json")
    env = {"IH_KEY_FILE": str(tmp_path / "ops.json"), "IH_KEY_DIR": str(tmp_path / "keys")}
    assert hub_keyring(tmp_path / "data", env).active_id == kid
    inline = Keyring.generate("inline1")
    import base64
    env = {"IH_ENCRYPTION_KEYS": "inline1:" + base64.b64encode(inline.active_key).decode()}
    assert hub_keyring(tmp_path / "data", env).active_id == "inline1"
    assert key_file(tmp_path / "data", env) is None                              # nothing to rotate on disk


def test_the_default_key_dir_inside_a_git_work_tree_is_refused(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    env = {"IH_KEY_DIR": str(tmp_path / "repo" / "keys")}
    with pytest.raises(KeyringError, match="inside the git working tree"):
        hub_keyring(tmp_path / "data", env)
