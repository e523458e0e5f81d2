import json

import pandas as pd

from integration_hub.security.fields import encrypt_value
from integration_hub.security.keys import Keyring
from integration_hub.security.redact import register_secret
from integration_hub.security.scrub import scrub_frame, scrub_records, scrub_series

KEY = "sk_live_51HxAbCdEfGh0123456789"
TOKEN = encrypt_value("4421987650", "bank.transactions.account", Keyring.generate("k1"))


def test_series_masks_free_text_and_registered_secrets_but_keeps_tokens_numbers_and_na():
    register_secret("billing-key-7f3a9c")
    s = pd.Series([f"key {KEY}", "SSN 219-09-9999", "via billing-key-7f3a9c", TOKEN, 9223372036854775808,
                   "12,50 EUR", None], index=list("abcdefg"), dtype=object)
    assert scrub_series(s).tolist() == ["key [REDACTED]", "SSN [SSN]", "via [REDACTED]", TOKEN,
                                        9223372036854775808, "12,50 EUR", None]
    assert list(scrub_series(s).index) == list("abcdefg")


def test_frame_scrubs_text_columns_only_and_keeps_dtypes():
    frame = pd.DataFrame({"note": pd.array(["ref 219 09 9999", None], dtype="string"), "amount": [1250, -4]})
    out = scrub_frame(frame)
    assert out["note"].tolist()[0] == "ref [SSN]" and pd.isna(out["note"].iloc[1])
    assert out.dtypes.equals(frame.dtypes) and out["amount"].tolist() == [1250, -4]
    assert frame["note"].iloc[0] == "ref 219 09 9999"          # the input is left alone


def test_records_scrub_json_text_and_dicts_and_rewrite_only_what_changed():
    untouched = '{"id":"ch_1","amount":"1250"}'
    records = [untouched, json.dumps({"id": "ch_2", "note": f"key {KEY}", "account": TOKEN, "n": 3}),
               {"id": "ch_3", "lines": [{"memo": "ssn 219099999"}]}, None, "not json: SSN 219-09-9999"]
    out = scrub_records(records)
    assert out[0] is untouched
    assert json.loads(out[1]) == {"id": "ch_2", "note": "key [REDACTED]", "account": TOKEN, "n": 3}
    assert out[2] == {"id": "ch_3", "lines": [{"memo": "ssn [SSN]"}]}
    assert out[3] is None and out[4] == "not json: SSN [SSN]"
