"""What an extraction's rejects become in the quarantine: rules, redacted text, withheld sensitive values."""
import json

import pandas as pd

from integration_hub.connectors.exports import read_export
from integration_hub.connectors.extractors import Extraction, RejectedFile, extract_export
from integration_hub.mapping.systems import load_systems


def charges_entity():
    stripe = next(s for s in load_systems() if s.name == "stripe")
    return next(e for e in stripe.entities if e.name == "charges")


def test_a_refused_export_stands_in_as_no_rows_with_the_declared_columns(tmp_path):
    entity = charges_entity()
    (tmp_path / "stripe").mkdir()
    (tmp_path / "stripe" / entity.file).write_bytes(b"")
    extraction = extract_export(tmp_path, entity)
    assert extraction.frame.empty
    assert {c.column for c in entity.columns} <= set(extraction.frame.columns)
    path = str(tmp_path / "stripe" / entity.file)
    assert [(f.rule, f.file) for f in extraction.rejected_files] == [("file.empty", path)]
    assert extraction.quarantine()[["source_id", "row_number", "rule"]].values.tolist() == [[path, None, "file.empty"]]


def test_row_entries_carry_line_and_file_with_card_numbers_redacted(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"id,note\n1,ok\n2,card 4242424242424242,extra\n")
    read = read_export(path, id_column="id")
    entry = Extraction(read.frame, origin=str(path), rejected_rows=read.rejects).quarantine().iloc[0]
    assert (entry.source_id, entry.row_number, entry.rule) == ("2", 2, "row.field_count")
    assert entry.record["line"] == 3 and entry.record["file"] == str(path)
    assert "4242424242424242" not in json.dumps(entry.record) and "4242" in entry.record["text"]


def test_an_entity_with_sensitive_columns_keeps_no_raw_text_of_a_bad_row(tmp_path):
    path = tmp_path / "x.csv"
    data = "id,iban,city\n1,DE1,Zürich\n2,DE2,Gen".encode() + b"\xff\n3,DE3\n"
    path.write_bytes(data)
    read = read_export(path, id_column="id")
    entries = Extraction(read.frame, origin=str(path), rejected_rows=read.rejects).quarantine(("iban",))
    assert entries["rule"].tolist() == ["row.encoding", "row.field_count"]
    assert all(r["text"].startswith("[withheld") for r in entries["record"])
    assert "DE2" not in entries.to_string() and "DE3" not in entries.to_string()


def test_statement_rejects_keep_their_rule():
    extraction = Extraction(pd.DataFrame(), origin="",
                            rejected_files=[RejectedFile("a.xml", "statement_format", "not a statement")])
    assert extraction.quarantine()["rule"].tolist() == ["statement_format"]

