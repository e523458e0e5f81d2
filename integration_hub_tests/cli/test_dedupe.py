"""Data commands on files they have never seen, and the demo loading a real Tryton database."""
import pandas as pd
import pytest

from integration_hub.cli import main


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("co")
    assert main(["generate", "--scale", "60", "--seed", "5", "--out", str(out)]) == 0
    return out


def test_standardize_keeps_every_row_and_adds_standard_columns(export, tmp_path, capsys):
    out = tmp_path / "std.csv"
    assert main(["standardize", str(export / "billing" / "customers.csv"), "--entity", "customer",
                 "--out", str(out)]) == 0
    source = pd.read_csv(export / "billing" / "customers.csv", dtype=str, keep_default_na=False)
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(result) == len(source) and list(result.columns[:len(source.columns)]) == list(source.columns)
    assert result["std_phone"].str.startswith("+").sum() > len(result) * 0.8
    assert "rows standardized" in capsys.readouterr().out


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


@pytest.mark.parametrize("argv, message", [
    (["dedupe", "{export}/stripe/customers.csv", "--out", "{tmp}/x.csv", "--field", "bogus=name"], "unknown role"),
    (["dedupe", "{export}/stripe/customers.csv", "--out", "{tmp}/x.csv", "--field", "email=nope"], "not in the input"),
    (["dedupe", "{tmp}/missing.csv", "--out", "{tmp}/x.csv"], "no such file"),
    (["standardize", "{tmp}/missing.csv", "--out", "{tmp}/x.csv"], "missing.csv"),
])
def test_data_command_errors_are_one_line(export, tmp_path, capsys, argv, message):
    argv = [a.format(export=export, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_demo_loads_the_company_into_tryton(hub_env, tmp_path, monkeypatch, capsys):
    pytest.importorskip("trytond", reason="the tryton extra is not installed")
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--erp", "tryton", "--scale", "10", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Tryton database ready" in out and "succeeded" in out
    from integration_hub.erp.factory import make_target

    tryton = make_target("tryton")
    parties, invoices = tryton.read_back("customer"), tryton.read_back("invoice")
    assert len(parties) > 5 and parties["external_id"].str.startswith("master:").all()
    assert len(invoices) > 20
    assert main(["demo", "--erp", "tryton", "--scale", "10", "--seed", "3"]) == 0      # nothing posted twice
    assert len(make_target("tryton").read_back("invoice")) == len(invoices)
