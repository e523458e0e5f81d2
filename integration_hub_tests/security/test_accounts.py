import pandas as pd
import pytest

from integration_hub.security.accounts import iban_valid, mask_account_numbers, mask_account_text


@pytest.mark.parametrize(("text", "masked", "flag"), [
    ("WIRE IN ORIG:ACME LLC OBI:INV-000038 ACCT 000950280", "WIRE IN ORIG:ACME LLC OBI:INV-000038 ACCT ****0280", True),
    ("acct no. 12345678", "acct no. ****5678", True),
    ("A/C: 1234 5678 90", "A/C: ****7890", True),
    ("pay to IBAN DE89 3704 0044 0532 0130 00 thanks", "pay to IBAN ****3000 thanks", True),
    ("GB29NWBK60161331926819", "****6819", True),
    ("iban de89 3704 0044 0532 0130 00, typed in lower case", "iban ****3000, typed in lower case", True),
    ("Gb29nwbk60161331926819", "****6819", True),
    ("DE89370400440532013001", "DE89370400440532013001", False),      # fails mod-97: not an IBAN
    ("ref qq35abcd0001000035", "ref qq35abcd0001000035", False),      # passes mod-97, but QQ is no IBAN country
    ("account 2024", "account 2024", False),                           # too short for an account
    ("STMT250131GBP/00001/1", "STMT250131GBP/00001/1", False),
    ("INV-000038 order 123456789", "INV-000038 order 123456789", False),  # unlabelled numbers stay
])
def test_mask_account_text(text, masked, flag):
    assert mask_account_text(text) == (masked, flag)


def test_iban_check():
    assert iban_valid("GB29 NWBK 6016 1331 9268 19") and not iban_valid("GB29NWBK60161331926818")


def test_series_flags_rows_and_keeps_na():
    s = pd.Series(["rent", None, "ACCT 000625601", "ref 000625601"], index=list("wxyz"))
    masked, flagged = mask_account_numbers(s)
    assert masked.tolist() == ["rent", None, "ACCT ****5601", "ref 000625601"]
    assert flagged.tolist() == [False, False, True, False] and list(flagged.index) == list("wxyz")
