"""`integration-hub dedupe`: master ids added to every row of an export it has never seen."""
import pandas as pd

from integration_hub.cli import main


def test_dedupe_adds_master_ids_to_every_row(export, tmp_path, capsys):
    out = tmp_path / "dd.csv"
    assert main(["dedupe", str(export / "stripe" / "customers.csv"), "--out", str(out), "--id-column", "id"]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    truth = pd.read_csv(export / "truth" / "customer_truth.csv", dtype=str)
    truth = truth[truth["system"] == "stripe"].set_index("source_id")["true_customer_id"]
    assert len(result) == len(truth) and result["master_id"].str.startswith("M-").all()
    same_master = result.groupby("master_id")["id"].apply(lambda ids: truth.loc[ids].nunique() == 1)
    assert same_master.all()                                   # no two real customers share a master
    assert result["master_id"].nunique() < len(result)          # the export's duplicates were found
    assert "clusters" in capsys.readouterr().out
