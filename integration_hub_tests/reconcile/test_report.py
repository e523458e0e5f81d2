import pandas as pd

from integration_hub.reconcile.report import open_receivables


def balances() -> pd.DataFrame:
    return pd.DataFrame({
        "external_id": ["i1", "i2", "i3", "i4", "i5", "i6"],
        "currency": ["EUR", "EUR", "GBP", "USD", "USD", "JPY"],
        "open_minor": [10_000, 2_550, 7_000, 125_000, 0, 0]})


def test_open_receivables_are_totalled_per_currency_never_across():
    out = open_receivables(balances())
    assert out.to_dict("records") == [
        {"currency": "EUR", "open_invoices": 2, "open_minor": 12_550},
        {"currency": "GBP", "open_invoices": 1, "open_minor": 7_000},
        {"currency": "JPY", "open_invoices": 0, "open_minor": 0},
        {"currency": "USD", "open_invoices": 1, "open_minor": 125_000}]
    assert 144_550 not in out.to_numpy()          # the meaningless EUR+GBP+USD sum appears nowhere



def test_no_invoices_no_receivables():
    assert open_receivables(pd.DataFrame()).columns.tolist() == ["currency", "open_invoices", "open_minor"]


def test_rows_refused_at_extraction_count_as_extracted_and_quarantined():
    from integration_hub.reconcile.report import stage_counts

    metrics = pd.DataFrame([
        ("stripe", "charges", "extracted", 10, 9, 1, 0), ("stripe", "charges", "cleaned", 9, 8, 1, 0),
        ("stripe", "charges", "mapped", 8, 8, 0, 0), ("stripe", "charges", "loaded", 8, 8, 0, 0)],
        columns=["system", "entity", "stage", "rows_in", "rows_out", "quarantined", "merged"]).assign(
        created_at=pd.Timestamp("2025-03-01", tz="UTC"))
    row = stage_counts(metrics).iloc[0]
    assert (row["extracted"], row["quarantined"], row["loaded"], bool(row["balanced"])) == (10, 2, 8, True)


def test_erp_totals_and_receivables_are_exact_beyond_int64():
    from integration_hub.reconcile.report import erp_totals

    big = pd.Series([4 * 10**18, 4 * 10**18, 2 * 10**18], dtype="int64")
    read_back = pd.DataFrame({"source_system": "billing", "currency": "USD", "total_minor": big})
    assert erp_totals("invoice", read_back)["total_minor"].tolist() == [10 * 10**18]
    balances = pd.DataFrame({"currency": "USD", "open_minor": big})
    assert open_receivables(balances)["open_minor"].tolist() == [10 * 10**18]
