import pandas as pd
import pytest

from integration_hub.security.csv_cells import neutralize_cell, neutralize_formulas, write_csv


@pytest.mark.parametrize(("cell", "written"), [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("+1 (973) 404-4467", "'+1 (973) 404-4467"),     # not a bare number: prefixed, as OWASP says
    # Plain numbers cannot call a function or reference a cell: written as they are.
    ("-12.50", "-12.50"), ("+4930123", "+4930123"), ("+49 30 1234567", "+49 30 1234567"), ("-1,234.56", "-1,234.56"),
    ("Acme = best", "Acme = best"), ("a@b.com", "a@b.com"), ("", ""), (None, None), (-12.5, -12.5),
])
def test_neutralize_cell(cell, written):
    assert neutralize_cell(cell) == written


def test_frame_text_cells_and_headers_are_neutralized_numbers_left_alone(tmp_path):
    frame = pd.DataFrame({"=cmd": ["@SUM(A1)", None, "ok"], "amount": [-12.5, 3.0, -1.0],
                          "note": pd.array(["-12.50", "=1+1", pd.NA], dtype="string")})
    out = neutralize_formulas(frame)
    assert out.columns.tolist() == ["'=cmd", "amount", "note"]
    assert out["'=cmd"].tolist() == ["'@SUM(A1)", None, "ok"] and out["amount"].tolist() == [-12.5, 3.0, -1.0]
    assert out["note"].tolist()[:2] == ["-12.50", "'=1+1"] and pd.isna(out["note"].iloc[2])
    assert frame["=cmd"].iloc[0] == "@SUM(A1)"                       # the input is left alone
    write_csv(frame, tmp_path / "x.csv", index=False)
    assert (tmp_path / "x.csv").read_text() == "'=cmd,amount,note\n'@SUM(A1),-12.5,-12.50\n,3.0,'=1+1\nok,-1.0,\n"
