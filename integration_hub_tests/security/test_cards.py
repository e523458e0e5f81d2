import pandas as pd
import pytest

from integration_hub.security.cards import is_card_number, luhn_valid, mask_card_numbers, mask_card_text


@pytest.mark.parametrize(("number", "card"), [
    ("4111111111111111", True),      # Visa
    ("4012888888881881", True),      # Visa
    ("4222222222222", True),         # Visa, 13 digits
    ("5555555555554444", True),      # Mastercard
    ("2223003122003222", True),      # Mastercard 2-series
    ("378282246310005", True),       # Amex
    ("371449635398431", True),       # Amex
    ("6011111111111117", True),      # Discover
    ("30569309025904", True),        # Diners Club
    ("3530111333300000", True),      # JCB
    ("4111 1111 1111 1111", True),
    ("5555-5555-5555-4444", True),
    ("4111111111111112", False),     # fails Luhn
    ("1234567812345670", False),     # passes Luhn, no card network starts with 1
    ("0000000000000000", False),
    ("37828224631000", False),       # Amex prefix, wrong length
    ("4421987650", False),           # bank account: too short
    ("79927398713", False),          # the Luhn textbook number: too short for a card
])
def test_card_number_table(number, card):
    assert is_card_number(number) is card


@pytest.mark.parametrize(("number", "valid"), [("79927398713", True), ("79927398710", False), ("0", False)])
def test_luhn(number, valid):
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(("text", "masked", "flag"), [
    ("paid with 4111 1111 1111 1111 thanks", "paid with [card ****1111] thanks", True),
    ("cards 5555555555554444 and 378282246310005", "cards [card ****4444] and [card ****0005]", True),
    ("order 12345 4111 1111 1111 1111", "order 12345 [card ****1111]", True),
    ("INV-000123 wire ref 4421987650", "INV-000123 wire ref 4421987650", False),
    ("tracking 1Z999AA10123456784", "tracking 1Z999AA10123456784", False),
    ("41111111111111111111111", "41111111111111111111111", False),
])
def test_mask_card_text(text, masked, flag):
    assert mask_card_text(text) == (masked, flag)


def test_mask_card_numbers_series_flags_rows_and_keeps_na():
    s = pd.Series(["call me", None, "card: 4111-1111-1111-1111 exp 12/27", "4111111111111112"], index=list("abcd"))
    masked, flagged = mask_card_numbers(s)
    assert masked.tolist()[0] == "call me" and masked["b"] is None
    assert masked["c"] == "card: [card ****1111] exp 12/27" and masked["d"] == "4111111111111112"
    assert flagged.tolist() == [False, False, True, False] and list(flagged.index) == list("abcd")


def test_mask_card_numbers_on_many_rows():
    s = pd.Series(["note %d" % i for i in range(50_000)] + ["visa 4111111111111111"])
    masked, flagged = mask_card_numbers(s)
    assert int(flagged.sum()) == 1 and masked.iloc[-1] == "visa [card ****1111]"
