"""`integration-hub bank parse`: a statement file shown or written as transactions, its problems on stderr."""
from integration_hub.cli import main


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


def test_malformed_statement_names_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.bai"
    bad.write_text("01,BANK,CUST,250101,0800,1,,,2/\n02,CUST,BANK,1,250101,,USD,2/\n03,123456789,USD,010,abc,,/\n")
    assert main(["bank", "parse", str(bad)]) == 2
    assert "line" in capsys.readouterr().err
