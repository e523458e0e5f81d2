import json

import pandas as pd
import pytest

from integration_hub.audit.store import HubStore
from integration_hub.security.fields import FieldDecryptionError, decrypt_series, encrypt_series, key_ids_in_use
from integration_hub.security.keys import Keyring
from integration_hub.security.rotation import reencrypt_all, usage

OLD = Keyring.generate("old")


def seed(tmp_path):
    """A dataset with a sensitive column, an unrelated dataset, and a quarantined row copying a token."""
    assets = tmp_path / "assets"
    (assets / "bank" / "transactions").mkdir(parents=True)
    accounts = pd.Series(["4421987650", "DE47370400440532013077", None])
    tokens = encrypt_series(accounts, "bank.transactions.account", OLD)
    pd.DataFrame({"source_id": ["a", "b", "c"], "account": tokens, "_row": [1, 2, 3]}).to_parquet(
        assets / "bank" / "transactions" / "extracted.parquet", index=False)
    (assets / "stripe" / "charges").mkdir(parents=True)
    pd.DataFrame({"id": ["ch_1"], "amount": [100]}).to_parquet(assets / "stripe" / "charges" / "cleaned.parquet")
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    record = {"source_id": "a", "account": tokens.iloc[0], "currency": "ZZZ"}
    HubStore(url).add_quarantine("r1", "bank", "transactions", "cleaned", pd.DataFrame({
        "source_id": ["a", "x"], "row_number": [1, 9], "rule": ["currency.currency", "other"],
        "column_name": ["currency", None], "value": ["ZZZ", None], "record": [json.dumps(record), None]}))
    return assets, url, accounts


def test_usage_counts_tokens_per_key_in_datasets_and_quarantine(tmp_path):
    assets, url, _ = seed(tmp_path)
    found = usage(assets, url)
    assert dict(found.by_place["assets"]) == {"old": 2} and dict(found.by_place["quarantine"]) == {"old": 1}
    assert found.total == {"old": 3}


def test_reencrypt_all_moves_every_token_to_the_active_key_and_values_survive(tmp_path):
    assets, url, accounts = seed(tmp_path)
    rotated = Keyring({**OLD.keys, "new": Keyring.generate("new").active_key}, "new")
    report = reencrypt_all(assets, url, rotated)
    assert report.before.total == {"old": 3} and report.after.total == {"new": 3}
    assert report.rewritten_files == 1 and report.rewritten_rows == 1
    frame = pd.read_parquet(assets / "bank" / "transactions" / "extracted.parquet")
    assert key_ids_in_use(frame["account"]) == {"new": 2} and frame["source_id"].tolist() == ["a", "b", "c"]
    assert decrypt_series(frame["account"], "bank.transactions.account", rotated).tolist()[:2] == accounts.tolist()[:2]
    only_new = Keyring({"new": rotated.keys["new"]}, "new")                     # the old key is gone
    record = json.loads(HubStore(url).quarantined()["record"].iloc[0])
    assert decrypt_series(pd.Series([record["account"]]), "bank.transactions.account", only_new).iloc[0] == "4421987650"
    with pytest.raises(FieldDecryptionError, match="not in the keyring"):
        decrypt_series(frame["account"], "bank.transactions.account", OLD.__class__({"x": OLD.active_key}, "x"))
    again = reencrypt_all(assets, url, rotated)                                 # running again changes nothing
    assert again.after.total == {"new": 3} and again.rewritten_files == again.rewritten_rows == 0
