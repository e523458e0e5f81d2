import logging
import traceback

import pytest

from integration_hub.security.redact import (
    REDACTED, RedactingFilter, install_redaction, redact_mapping, redact_text, register_env_secrets, register_secret,
)

STRIPE_KEY = "sk_live_51HxAbCdEfGh0123456789"


@pytest.mark.parametrize(("text", "expected"), [
    ("Authorization: Bearer abc.def-ghi_123", "Authorization: [REDACTED]"),
    ("headers={'Authorization': 'Basic dXNlcjpwYXNz'}", "headers={'Authorization': '[REDACTED]'}"),
    ("retrying with bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "retrying with bearer [REDACTED]"),
    (f"key {STRIPE_KEY} rejected", "key [REDACTED] rejected"),
    ("rk_test_abc123 and whsec_abcdef", "[REDACTED] and [REDACTED]"),
    ("postgresql://hub:s3cr3t@db:5432/hub", "postgresql://hub:[REDACTED]@db:5432/hub"),
    ("GET /login?user=ann&password=hunter2&x=1", "GET /login?user=ann&password=[REDACTED]&x=1"),
    ("https://h/cb?access_token=abc&api_key=xyz", "https://h/cb?access_token=[REDACTED]&api_key=[REDACTED]"),
    ('{"password": "p@ss w0rd", "user": "ann"}', '{"password": "[REDACTED]", "user": "ann"}'),
    ("employee ssn 123-45-6789", "employee ssn [SSN]"),
    ("ref 219 09 9999 and ssn 219099999", "ref [SSN] and ssn [SSN]"),
    ("aws AKIAIOSFODNN7EXAMPLE slack xoxb-1234567890-abcdefghij", "aws [REDACTED] slack [REDACTED]"),
    ("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5\n-----END EC PRIVATE KEY-----",
     "[REDACTED]"),
    ("vendor EIN 12-3456789.", "vendor EIN [EIN]."),
    ("acct 4421987650 routing 121000358", "acct [number ****7650] routing [number ****0358]"),
    ("payer DE89370400440532013000", "payer [iban ****3000]"),
    ("payer GB82 WEST 1234 5698 7654 32", "payer [iban ****5432]"),
    ("payer de89 3704 0044 0532 0130 00", "payer [iban ****3000]"),
    ("card 4111 1111 1111 1111", "card [card ****1111]"),
    # Credential names with a prefix: vendor error bodies say session_token, x-auth-token, token_secret.
    ("rejected (session_token=ab12cd34, x-auth-token: Zm9vYmFy_1)",
     "rejected (session_token=[REDACTED], x-auth-token: [REDACTED])"),
    ('{"client_token": "a b", "oauth_token_secret": "c"}',
     '{"client_token": "[REDACTED]", "oauth_token_secret": "[REDACTED]"}'),
    ("X-Session-Token: 7f3a99 next", "X-Session-Token: [REDACTED] next"),
    # What must survive: ordinary words, dates, counts, ids, invalid IBAN-like codes.
    ("loaded 1234 rows on 2025-01-01 for INV-000123", "loaded 1234 rows on 2025-01-01 for INV-000123"),
    ("token validation failed; basic information", "token validation failed; basic information"),
    ("invalid_request_error/api_key_expired: Expired key; author: Bob; tokenizer=3",
     "invalid_request_error/api_key_expired: Expired key; author: Bob; tokenizer=3"),
    ("cus_12345678 ch_0001 run 5f2b", "cus_12345678 ch_0001 run 5f2b"),
    ("sku DE12ABCDEFGHIJKL", "sku DE12ABCDEFGHIJKL"),
    # Run ids whose hex groups read as an EIN or a 12-digit run: an audit entry must keep the run it names.
    ("run 9d61086d-f22d-4a5c-9b84-7985871ac165 done", "run 9d61086d-f22d-4a5c-9b84-7985871ac165 done"),
    ("run 57188494-4ebd-49be-827f-561889282000 ein 12-3456789",
     "run 57188494-4ebd-49be-827f-561889282000 ein [EIN]"),
    ("token=57188494-4ebd-49be-827f-561889282000", "token=[REDACTED]"),
])
def test_redact_text_table(text, expected):
    assert redact_text(text) == expected


def test_explicit_and_registered_secrets():
    assert redact_text("token=zzz and value tok-998877", secrets=["tok-998877"]) == \
        "token=[REDACTED] and value [REDACTED]"
    register_secret("billing-api-key-0042")
    register_secret(None)
    assert redact_text("failed with billing-api-key-0042!") == "failed with [REDACTED]!"
    with pytest.raises(ValueError, match="too short"):
        register_secret("abc")


def test_redact_mapping_recurses_and_blanks_sensitive_keys():
    payload = {
        "Authorization": "Bearer zzzzzzzzzzzz", "api_key": "k", "note": f"used {STRIPE_KEY}",
        "employee": {"ssn": "123-45-6789", "tax_id": "12-3456789", "name": "Ann", "salary": 90000},
        "accounts": [{"account_number": "4421987650"}, ("x", 123456789012)], "author": "Bob", "empty_token": "",
    }
    out = redact_mapping(payload)
    assert out["Authorization"] == out["api_key"] == REDACTED and out["note"] == "used [REDACTED]"
    assert out["employee"] == {"ssn": REDACTED, "tax_id": REDACTED, "name": "Ann", "salary": 90000}
    assert out["accounts"] == [{"account_number": REDACTED}, ("x", "[number ****9012]")]
    assert out["author"] == "Bob" and out["empty_token"] == ""
    assert payload["employee"]["ssn"] == "123-45-6789"    # the input is left alone


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_redacting_filter_covers_message_args_and_traceback():
    logger = logging.getLogger("ih.test.redact")
    capture = _Capture()
    logger.addHandler(capture)
    logger.addFilter(RedactingFilter())
    logger.propagate = False
    try:
        logger.warning("calling %s with key %s", "https://api/x?password=pw", STRIPE_KEY)
        try:
            raise RuntimeError(f"401 for {STRIPE_KEY} on account 4421987650")
        except RuntimeError:
            logger.exception("extract failed")
    finally:
        logger.removeHandler(capture)
    text = "\n".join(capture.lines)
    assert STRIPE_KEY not in text and "4421987650" not in text and "password=pw" not in text
    assert "calling https://api/x?password=[REDACTED] with key [REDACTED]" in text
    assert "RuntimeError: 401 for [REDACTED] on account [number ****7650]" in text


def test_install_redaction_reaches_child_loggers_through_the_record_factory():
    capture = _Capture()
    root = logging.getLogger()
    old_factory = logging.getLogRecordFactory()
    root.addHandler(capture)
    try:
        install_redaction(("",))
        install_redaction(("",))    # idempotent
        assert sum(isinstance(f, RedactingFilter) for f in root.filters) == 1
        # A child logger's record propagates to root's handlers without passing root's own filters.
        logging.getLogger("some.library.deep").warning("ssn %s", "123-45-6789")
    finally:
        logging.setLogRecordFactory(old_factory)
        root.removeHandler(capture)
        root.filters = [f for f in root.filters if not isinstance(f, RedactingFilter)]
    assert capture.lines == ["ssn [SSN]"]


def test_redacting_errors_replaces_the_text_keeps_the_frames_and_passes_control_flow_through():
    from integration_hub.security.redact import RedactedError, redacting_errors

    class Stop(Exception):
        pass

    @redacting_errors(passthrough=(Stop,))
    def call(kind):
        if kind == "stop":
            raise Stop("sk_live_abcdef1234567890 stays: control flow")
        raise KeyError("token sk_live_abcdef1234567890 for acct 4421987650")

    with pytest.raises(RedactedError) as caught:
        call("fail")
    assert str(caught.value) == "KeyError: 'token [REDACTED] for acct [number ****7650]'"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert any(frame.name == "call" for frame in traceback.extract_tb(caught.value.__traceback__))
    with pytest.raises(Stop):
        call("stop")


def test_credential_variables_of_the_environment_are_redacted(monkeypatch):
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "a06cb8b47708946df31100c1ee1a7245")
    monkeypatch.setenv("NETSUITE_CONSUMER_KEY", "7edd5a9a6624b706b96da659")
    monkeypatch.setenv("IH_ENCRYPTION_KEYS", "k1:QUJDREVGR0hJSktMTU5PUA==,k2:UVJTVFVWV1hZWjAxMjM0NQ==")
    monkeypatch.setenv("NETSUITE_ACCOUNT_ID", "1234567_SB1")           # an id, not a credential
    monkeypatch.setenv("IH_DEMO_TOKEN_FLAG", "1")                       # too short to redact safely: skipped
    text = ("login for consumer 7edd5a9a6624b706b96da659 with a06cb8b47708946df31100c1ee1a7245 failed; "
            "key UVJTVFVWV1hZWjAxMjM0NQ== account 1234567_SB1")
    assert redact_text(text) == ("login for consumer [REDACTED] with [REDACTED] failed; key [REDACTED] "
                                 "account 1234567_SB1")
    assert register_env_secrets({"ACUMATICA_PASSWORD": "Pw/x+=zzz", "HOME": "/root"}) == 1
    assert redact_mapping({"note": "pw Pw/x+=zzz"}) == {"note": "pw [REDACTED]"}


def test_audit_details_keep_every_run_id():
    """Dagster run ids are UUIDs; about one in 150 reads as an EIN or a long digit run somewhere."""
    import random
    import uuid

    rng = random.Random(11)
    run_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(5000)]
    assert [redact_mapping({"run_id": r})["run_id"] for r in run_ids] == run_ids
