import base64
import time

import numpy as np
import pandas as pd
import pytest

from integration_hub.security.fields import (
    FieldDecryptionError, all_encrypted, decrypt_series, decrypt_value, encrypt_series, encrypt_value,
    is_encrypted, key_ids_in_use, mask_last4, reencrypt_series,
)
from integration_hub.security.keys import Keyring

CTX = "bank_transaction.account"


@pytest.fixture
def keyring():
    return Keyring.generate("k1")


def test_round_trip_keeps_na_and_index(keyring):
    s = pd.Series(["4421987650", None, np.nan, "DE89370400440532013000", 123456789], index=[10, 11, 12, 13, 13])
    enc = encrypt_series(s, CTX, keyring)
    assert list(enc.index) == [10, 11, 12, 13, 13]
    assert is_encrypted(enc).tolist() == [True, False, False, True, True] and all_encrypted(enc)
    assert enc[10].startswith("enc:v1:k1:") and "4421987650" not in "".join(enc.dropna())
    dec = decrypt_series(enc, CTX, keyring)
    assert dec.iloc[[0, 3, 4]].tolist() == ["4421987650", "DE89370400440532013000", "123456789"]
    assert dec.iloc[1] is None and pd.isna(dec.iloc[2])


def test_same_value_encrypts_differently_each_time(keyring):
    enc = encrypt_series(pd.Series(["123-45-6789"] * 3), "employee.ssn", keyring)
    assert enc.nunique() == 3


def test_encrypting_twice_leaves_tokens_alone(keyring):
    enc = encrypt_series(pd.Series(["a", "b"]), CTX, keyring)
    assert encrypt_series(enc, CTX, keyring).tolist() == enc.tolist()


def test_rotated_key_decrypts_old_and_new_values():
    old = Keyring.generate("k-old")
    before = encrypt_series(pd.Series(["111111111", "222222222", None]), CTX, old)
    rotated = Keyring({**old.keys, **Keyring.generate("k-new").keys}, "k-new")
    after = encrypt_series(pd.Series(["333333333"]), CTX, rotated)
    mixed = pd.concat([before, after], ignore_index=True)
    assert key_ids_in_use(mixed) == {"k-old": 2, "k-new": 1}
    assert decrypt_series(mixed, CTX, rotated).tolist() == ["111111111", "222222222", None, "333333333"]

    reencrypted = reencrypt_series(mixed, CTX, rotated)
    assert key_ids_in_use(reencrypted) == {"k-new": 3}
    assert reencrypted[3] == mixed[3]                       # already under the active key: untouched
    assert decrypt_series(reencrypted, CTX, rotated).tolist() == decrypt_series(mixed, CTX, rotated).tolist()
    # Once re-encrypted, the old key can go and everything still reads.
    new_only = Keyring({"k-new": rotated.keys["k-new"]}, "k-new")
    assert decrypt_series(reencrypted, CTX, new_only)[0] == "111111111"
    with pytest.raises(FieldDecryptionError, match="key 'k-old', which is not in the keyring"):
        decrypt_series(mixed, CTX, new_only)


def test_tampered_ciphertext_is_rejected(keyring):
    token = encrypt_value("4421987650", CTX, keyring)
    head, blob = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    tampered = f"{head}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(FieldDecryptionError, match="row 7: ciphertext failed authentication"):
        decrypt_series(pd.Series([tampered], index=[7]), CTX, keyring)


def test_token_swapped_into_another_field_is_rejected(keyring):
    salary = encrypt_value("250000", "employee.salary", keyring)
    assert decrypt_value(salary, "employee.salary", keyring) == "250000"
    with pytest.raises(FieldDecryptionError, match="employee.ssn: row 0: .*another field"):
        decrypt_value(salary, "employee.ssn", keyring)


def test_relabelled_key_id_is_rejected():
    key = Keyring.generate("a").active_key
    two = Keyring({"a": key, "b": key}, "a")  # same key under two ids: only the bound key id tells them apart
    token = encrypt_value("x", CTX, two)
    with pytest.raises(FieldDecryptionError, match="failed authentication"):
        decrypt_value(token.replace("enc:v1:a:", "enc:v1:b:"), CTX, two)


@pytest.mark.parametrize(("value", "message"), [
    ("plain text", "do not hold ciphertext tokens"),
    ("enc:v1:k1:@@@", "malformed ciphertext token"),
    ("enc:v1:k1:" + base64.b64encode(b"short").decode(), "truncated"),
])
def test_non_tokens_are_refused_on_decrypt(keyring, value, message):
    with pytest.raises(FieldDecryptionError, match=message):
        decrypt_series(pd.Series([value]), CTX, keyring)


def test_rotation_refuses_plaintext(keyring):
    with pytest.raises(FieldDecryptionError, match="rows 1 hold plaintext"):
        reencrypt_series(pd.Series([encrypt_value("a", CTX, keyring), "leaked"]), CTX, keyring)


def test_hundred_thousand_values_are_quick(keyring):
    s = pd.Series([f"{i:09d}" for i in range(100_000)])
    started = time.perf_counter()
    enc = encrypt_series(s, "employee.ssn", keyring)
    dec = decrypt_series(enc, "employee.ssn", keyring)
    assert time.perf_counter() - started < 5
    assert dec.equals(s.astype(object))


@pytest.mark.parametrize(("value", "masked"), [
    ("123456789", "****6789"), ("4421-9876-50", "****7650"), (12345, "****2345"), ("1234", "****"),
    ("", "****"), (None, None), (float("nan"), None),
])
def test_mask_last4(value, masked):
    assert mask_last4(value) == masked
