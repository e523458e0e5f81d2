"""`integration-hub standardize`: every row of an export it has never seen kept, standard columns added."""
import pandas as pd

from integration_hub.cli import main


def test_standardize_keeps_every_row_and_adds_standard_columns(export, tmp_path, capsys):
    out = tmp_path / "std.csv"
    assert main(["standardize", str(export / "billing" / "customers.csv"), "--entity", "customer",
                 "--out", str(out)]) == 0
    source = pd.read_csv(export / "billing" / "customers.csv", dtype=str, keep_default_na=False)
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(result) == len(source) and list(result.columns[:len(source.columns)]) == list(source.columns)
    assert result["std_phone"].str.startswith("+").sum() > len(result) * 0.8
    assert "rows standardized" in capsys.readouterr().out
