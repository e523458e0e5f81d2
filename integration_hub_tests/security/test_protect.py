import pandas as pd
import pytest

from integration_hub.security.fields import decrypt_series, is_encrypted
from integration_hub.security.keys import Keyring
from integration_hub.security.protect import (ACCOUNT_FLAG, CARD_FLAG, FREE_TEXT_FLAGS, SECRET_FLAG, SSN_FLAG, conceal,
                                              field_context, protect_frame)

KEYS = Keyring.generate("k1")


def frame():
    return pd.DataFrame({
        "source_id": ["4111111111111111", "t2", "t3"],      # ids are never rewritten, even card-shaped ones
        "account": ["4421987650", "4421987650", None],
        "description": ["paid by card 4111 1111 1111 1111", "WIRE ACCT 000950280", "STRIPE PAYOUT po_1"],
        "amount": ["100", "200", "300"],
        "_row": [1, 2, 3]}, index=[10, 11, 12])


def test_sensitive_columns_are_encrypted_for_their_field_and_decrypt_back():
    out = protect_frame(frame(), system="bank", entity="transactions", sensitive=["account"], keyring=KEYS,
                        skip=["source_id", "_row"])
    assert is_encrypted(out.frame["account"]).tolist() == [True, True, False]
    assert out.frame["account"].iloc[0] != out.frame["account"].iloc[1]          # random nonces: no equality leak
    assert out.encrypted == {"account": 2}
    plain = decrypt_series(out.frame["account"], field_context("bank", "transactions", "account"), KEYS)
    assert plain.tolist()[:2] == ["4421987650", "4421987650"] and pd.isna(plain.iloc[2])
    again = protect_frame(out.frame, system="bank", entity="transactions", sensitive=["account"], keyring=KEYS)
    assert again.frame["account"].equals(out.frame["account"]) and again.encrypted == {"account": 0}


def test_card_and_account_numbers_are_masked_and_flagged_but_ids_are_not():
    out = protect_frame(frame(), system="bank", entity="transactions", sensitive=["account"], keyring=KEYS,
                        skip=["source_id", "_row"])
    assert out.frame["description"].tolist() == ["paid by card [card ****1111]", "WIRE ACCT ****0280",
                                                 "STRIPE PAYOUT po_1"]
    assert out.frame["source_id"].iloc[0] == "4111111111111111"
    assert sorted(map(tuple, out.flags[["row", "column_name", "flag"]].to_numpy().tolist())) == [
        (10, "description", CARD_FLAG), (11, "description", ACCOUNT_FLAG)]
    assert out.flagged_rows(CARD_FLAG) == 1 and out.flagged_rows(ACCOUNT_FLAG) == 1


def test_ssns_and_credentials_in_free_text_are_masked_and_flagged_per_kind():
    text = pd.DataFrame({"id": ["c1", "c2", "c3"],
                         "address_line1": ["12 Main St, SSN 219-09-9999", "4404 Highland Dr", None],
                         "note": ["key sk_live_51HxAbCdEfGh0123456789", "call 973-404-4467", "ssn 219099999"]})
    out = protect_frame(text, system="stripe", entity="customers", sensitive=[], keyring=None, skip=["id"])
    assert out.frame["address_line1"].tolist() == ["12 Main St, SSN [SSN]", "4404 Highland Dr", None]
    assert out.frame["note"].tolist() == ["key [REDACTED]", "call 973-404-4467", "ssn [SSN]"]
    assert {flag: out.flagged_rows(flag) for flag in FREE_TEXT_FLAGS} == {
        CARD_FLAG: 0, ACCOUNT_FLAG: 0, SSN_FLAG: 2, SECRET_FLAG: 1}


def test_without_sensitive_columns_no_key_is_needed_and_a_missing_key_is_an_error_otherwise():
    out = protect_frame(frame(), system="stripe", entity="charges", sensitive=[], keyring=None)
    assert out.frame["account"].iloc[0] == "4421987650" and out.encrypted == {}
    with pytest.raises(ValueError, match="sensitive but no keyring"):
        protect_frame(frame(), system="bank", entity="transactions", sensitive=["account"], keyring=None)


def test_conceal_shows_the_key_id_never_the_token_or_plaintext():
    out = protect_frame(frame(), system="bank", entity="transactions", sensitive=["account"], keyring=KEYS)
    shown = conceal(out.frame, ["account"])
    assert shown["account"].tolist()[:2] == ["[encrypted k1]", "[encrypted k1]"]
    assert conceal(frame(), ["account"])["account"].tolist()[:2] == ["[withheld]", "[withheld]"]


def test_a_sensitive_column_cannot_also_be_cleaned_or_be_the_id():
    from integration_hub.security.protect import check_sensitive_declaration

    check_sensitive_declaration("bank/transactions", ["account"], ["account_mask", "source_id"], "source_id")
    with pytest.raises(ValueError, match=r"bank/transactions: sensitive columns \['account'\] are also declared"):
        check_sensitive_declaration("bank/transactions", ["account"], ["account", "source_id"], "source_id")
    with pytest.raises(ValueError, match="source id 'ssn' cannot be sensitive"):
        check_sensitive_declaration("hris/employees", ["ssn"], ["name"], "ssn")
