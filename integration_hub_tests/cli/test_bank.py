"""The `integration-hub` command as a user runs it: demo summary, bank parse, clear one-line errors."""
import pytest

from integration_hub.cli import main


def test_demo_generates_runs_and_prints_a_summary(hub_env, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)      # no dagster.yaml here: the instance lives under data/dagster
    assert main(["demo", "--scale", "120", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "succeeded" in out
    for row in ("stripe   | charges", "billing  | invoices", "bank     | transactions"):
        assert row in out
    assert "checks failed" in out and "integration-hub quarantine --run" in out
    receivables = (hub_env / "reports" / "reconciliation.md").read_text().split("## Open receivables per currency")[1]
    assert all(c in receivables for c in ("EUR", "GBP", "USD"))     # one row per currency, no cross-currency sum
    assert (hub_env / "sample" / "manifest.json").is_file()

    assert main(["demo", "--scale", "120", "--seed", "3"]) == 0     # reuses the sample, loads nothing new
    assert "Generated a company" not in capsys.readouterr().out

    from integration_hub.audit.chain import AuditTrail
    from integration_hub.runner import cli_actor

    trail = AuditTrail(f"sqlite:///{hub_env / 'hub.db'}")
    assert set(trail.entries()["actor"]) == {cli_actor()}               # the person, not just a run id
    assert main(["audit", "verify"]) == 0 and capsys.readouterr().out.startswith("OK: ")


def test_bank_parse_prints_transactions_and_writes_csv(hub_env, tmp_path, capsys):
    assert main(["generate", "--scale", "20", "--out", str(tmp_path / "co")]) == 0
    statement = tmp_path / "co" / "bank" / "gbp_account.sta"
    assert main(["bank", "parse", str(statement), "--out", str(tmp_path / "out.csv")]) == 0
    header = (tmp_path / "out.csv").read_text().splitlines()[0]
    assert header.split(",")[:3] == ["date", "amount_minor", "currency"]
    assert main(["bank", "parse", str(statement)]) == 0
    assert "GBP" in capsys.readouterr().out


def test_bank_parse_warns_once_per_incomplete_statement_and_still_prints_its_transactions(tmp_path, capsys):
    """Two statements: one with no opening balance, one whose closing balance is a cent off."""
    statement = tmp_path / "flagged.sta"
    statement.write_text(":20:NOOPEN\n:25:NL91ABNA0417164300\n:28C:1/1\n:61:2403010301C25,00NTRFINV-1\n"
                         ":62F:C240301EUR125,00\n-\n"
                         ":20:OFFBYONE\n:25:NL91ABNA0417164300\n:28C:2/1\n:60F:C240301EUR125,00\n"
                         ":61:2403020302D5,00NTRFFEE-1\n:62F:C240302EUR120,01\n")
    assert main(["bank", "parse", str(statement)]) == 0
    captured = capsys.readouterr()
    warnings = captured.err.strip().splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith(f"warning: {statement} line 1: statement NOOPEN/1/1 (account ****4300) is "
                                  "incomplete, no_opening_balance")
    assert "line 12: statement OFFBYONE/2/1" in warnings[1] and "balance_mismatch" in warnings[1]
    assert "closing balance 12001 is not the opening balance 12500 plus the statement lines -500" in warnings[1]
    assert "NL91ABNA0417164300" not in captured.err
    assert "INV-1" in captured.out and "FEE-1" in captured.out and "no_opening_balance" in captured.out


@pytest.mark.parametrize("argv, message", [
    (["bank", "parse", "/nonexistent/file.bai"], "no such file"),
    (["demo", "--phase", "nope", "--scale", "20"], "no job for phase 'nope'"),
])
def test_errors_are_one_line(hub_env, tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_malformed_statement_names_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.bai"
    bad.write_text("01,BANK,CUST,250101,0800,1,,,2/\n02,CUST,BANK,1,250101,,USD,2/\n03,123456789,USD,010,abc,,/\n")
    assert main(["bank", "parse", str(bad)]) == 2
    assert "line" in capsys.readouterr().err
