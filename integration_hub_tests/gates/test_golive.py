"""The go-live suite compares amount totals per currency, never one sum across currencies."""
import pandas as pd

from integration_hub.gates.golive import run_golive_suite


def _held(amounts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"external_id": [f"p{i}" for i in range(len(amounts))], "currency": list(amounts),
                         "amount_minor": list(amounts.values()), "paid_at": "2025-03-01"})


def _run(held: pd.DataFrame, expected: dict[str, int]):
    return run_golive_suite(held, entity="payment", expected_rows=len(held), money_column="amount_minor",
                            expected_total=expected, required=["amount_minor"])


def test_a_eur_shortfall_cannot_hide_behind_a_usd_surplus():
    result = _run(_held({"EUR": 900, "USD": 1100}), {"EUR": 1000, "USD": 1000})
    assert not result.success
    failed = result.results[~result.results["success"]]
    assert set(failed["column"]) == {"amount_minor__EUR", "amount_minor__USD"}


def test_totals_equal_in_every_currency_pass_and_an_unexpected_currency_fails():
    assert _run(_held({"EUR": 1000, "USD": 1000}), {"EUR": 1000, "USD": 1000}).success
    assert not _run(_held({"EUR": 1000, "GBP": 5}), {"EUR": 1000}).success


def _beyond_int64(extra: int) -> pd.DataFrame:
    """Three payments whose USD total passes int64's limit: an int64 sum would wrap negative."""
    amounts = [4 * 10**18, 4 * 10**18, 2 * 10**18 + extra]
    return pd.DataFrame({"external_id": ["p0", "p1", "p2"], "currency": "USD",
                         "amount_minor": pd.Series(amounts, dtype="int64"), "paid_at": "2025-03-01"})


def test_totals_beyond_int64_are_compared_exactly_not_wrapped():
    exact = 10 * 10**18
    assert _run(_beyond_int64(0), {"USD": exact}).success
    wrapped = exact - 2**64                       # what an int64 sum of the same amounts gives
    assert not _run(_beyond_int64(0), {"USD": wrapped}).success
    assert not _run(_beyond_int64(1), {"USD": exact}).success      # one minor unit off still fails
