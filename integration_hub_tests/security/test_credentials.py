import pandas as pd
import pytest

from integration_hub.security.credentials import mask_secret_text, mask_secrets

JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFubiJ9"
       ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7\n"
       "-----END RSA PRIVATE KEY-----")


@pytest.mark.parametrize(("text", "masked"), [
    ("key sk_live_51HxAbCdEfGh0123456789 rotated", "key [REDACTED] rotated"),
    ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "[REDACTED]"),
    ("restricted rk_live_51HxAbCdEfGh0123456789.", "restricted [REDACTED]."),
    ("aws AKIAIOSFODNN7EXAMPLE, session ASIAY34FZKBOKMUTVV7A", "aws [REDACTED], session [REDACTED]"),
    ("ghp_16C7e42F292c6912E7710c838347Ae178B4a and gho_16C7e42F292c6912E7710c838347Ae178B4a",
     "[REDACTED] and [REDACTED]"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED]"),
    ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx and xoxp-1234-5678-abcdef",
     "slack [REDACTED] and [REDACTED]"),
    ("sent Bearer 8f14e45fceea167a5a36dedd4bea2543 upstream", "sent Bearer [REDACTED] upstream"),
    (f"token {JWT} expired", "token [REDACTED] expired"),
    (f"pasted {PEM} here", "pasted [REDACTED] here"),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "[REDACTED]"),   # cut off mid-key
    # Values assigned to a credential name, as vendor error texts quote them.
    ("refused (session_token=7e8923471718a510, x-auth-token: Zm9vYmFy_1a2b)",
     "refused (session_token=[REDACTED], x-auth-token: [REDACTED])"),
    ('portal "password": "Hunter2024" then', 'portal "password": "[REDACTED]" then'),
    ("token_secret=2dce508cc7774843", "token_secret=[REDACTED]"),
])
def test_secret_shapes_are_masked(text, masked):
    assert mask_secret_text(text) == (masked, True)


@pytest.mark.parametrize("text", [
    "task_live_update and desk_test_plan",          # sk_ inside a word
    "sk_live_",                                     # a prefix alone
    "AKIA12345 and AKIAIOSFODNN7EXAMPLEXX",         # wrong lengths
    "bearer bonds and Bearer instruments",          # words after "bearer"
    "ghp_short and xoxb-",
    "eyJhbGciOiJIUzI1NiJ9 alone",                   # one base64 segment is not a JWT
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----",
    "password: see the portal; Token: ABC",          # prose after a credential word: no digit, or too short
    "api_key_expired: key 20250101 and author: 12345678",
])
def test_lookalikes_are_not_secrets(text):
    assert mask_secret_text(text) == (text, False)


def test_series_flags_rows_and_keeps_na():
    s = pd.Series(["rent", None, "key sk_live_51HxAbCdEfGh0123456789", "sk_ live"], index=list("wxyz"))
    masked, flagged = mask_secrets(s)
    assert masked.tolist() == ["rent", None, "key [REDACTED]", "sk_ live"]
    assert flagged.tolist() == [False, False, True, False] and list(flagged.index) == list("wxyz")
