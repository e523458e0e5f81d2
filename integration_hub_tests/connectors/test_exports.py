"""Export files with bad rows: each bad row is quarantined with its line and rule, the rest of the file loads."""
import pandas as pd
import pytest

from integration_hub.connectors import exports
from integration_hub.connectors.exports import ROW, UnreadableExport, read_export


def export(tmp_path, data: bytes):
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return path


def rejects(read) -> list[tuple]:
    return [(r.row_number, r.line, r.rule) for r in read.rejects.itertuples()]


def test_a_clean_file_keeps_every_value_as_the_source_wrote_it(tmp_path):
    read = read_export(export(tmp_path, b'id,amount,note\n007,1.50,\n010,2,"two\nlines"\n'))
    assert read.frame[["id", "amount", "note"]].values.tolist() == [["007", "1.50", ""], ["010", "2", "two\nlines"]]
    assert read.frame[ROW].tolist() == [1, 2]
    assert read.rejects.empty and read.encoding == "utf-8"


def test_a_clean_file_stays_on_the_fast_path(tmp_path, monkeypatch):
    def slow(*args, **kwargs):
        raise AssertionError("the tolerant reader ran on a clean file")

    monkeypatch.setattr(exports, "read_rows", slow)
    assert len(read_export(export(tmp_path, b"id,name\n1,a\n2,b\n")).frame) == 2


def test_a_10_mb_field_quarantines_its_row_only_and_is_not_kept_whole(tmp_path):
    huge = b"x" * (10 * 1024 * 1024)
    read = read_export(export(tmp_path, b"id,name\n1,a\n2," + huge + b"\n3,c\n"), id_column="id")
    assert read.frame[["id", "name"]].values.tolist() == [["1", "a"], ["3", "c"]]
    assert read.frame[ROW].tolist() == [1, 3]
    bad = read.rejects.iloc[0]
    assert rejects(read) == [(2, 3, "row.field_too_large")]
    assert bad.column_name == "name" and bad.source_id == "2"
    assert len(bad.value) < 1000 and "10485760 characters" in bad.value
    assert len(bad.text) < 2000


def test_one_invalid_utf8_byte_quarantines_that_row_only(tmp_path):
    data = "id,city\n1,Zürich\n2,Gen".encode() + b"\xff" + "ève\n3,Köln\n".encode()
    read = read_export(export(tmp_path, data))
    assert read.frame["city"].tolist() == ["Zürich", "Köln"]
    assert rejects(read) == [(2, 3, "row.encoding")]
    assert read.rejects.iloc[0].column_name == "city"
    assert "\\xff" in read.rejects.iloc[0].value
    assert read.encoding == "utf-8"


def test_a_cp1252_file_is_read_as_cp1252_and_says_so(tmp_path):
    read = read_export(export(tmp_path, "id,name\n1,Müller\n2,Café “Zur Post”\n".encode("cp1252")))
    assert read.frame["name"].tolist() == ["Müller", "Café “Zur Post”"]
    assert read.rejects.empty
    assert read.encoding == "cp1252"


def test_an_unbalanced_quote_quarantines_its_line_and_the_following_rows_load(tmp_path):
    read = read_export(export(tmp_path, b'id,name\n1,"abc\n2,def\n3,ghi\n'))
    assert rejects(read) == [(1, 2, "row.unbalanced_quote")]
    assert read.frame[["id", "name"]].values.tolist() == [["2", "def"], ["3", "ghi"]]
    assert read.frame[ROW].tolist() == [2, 3]


def test_an_unbalanced_quote_closed_by_a_later_quote_does_not_swallow_rows(tmp_path):
    read = read_export(export(tmp_path, b'id,name,city\n1,"abc,Paris\n2,b,Rome\n3,"Smith, J",Oslo\n'))
    assert rejects(read) == [(1, 2, "row.unbalanced_quote")]
    assert read.frame[["id", "name", "city"]].values.tolist() == [["2", "b", "Rome"], ["3", "Smith, J", "Oslo"]]


def test_short_and_long_rows_are_quarantined_with_their_line(tmp_path):
    data = b'id,name,city\n1,a,Paris\n2,"multi\nline",Rome\n3,b\n4,c,Oslo,extra\n5,d,Bern\n'
    read = read_export(export(tmp_path, data))
    assert rejects(read) == [(3, 5, "row.field_count"), (4, 6, "row.field_count")]
    assert "2 fields" in read.rejects.iloc[0].value and "3" in read.rejects.iloc[0].value
    assert read.frame["id"].tolist() == ["1", "2", "5"]
    assert read.frame[ROW].tolist() == [1, 2, 5]


def test_a_duplicate_header_column_keeps_the_first_and_quarantines_rows_whose_copies_disagree(tmp_path):
    read = read_export(export(tmp_path, b"id,name,name\n1,a,a\n2,b,c\n"))
    assert list(read.frame.columns[:2]) == ["id", "name"] and "name" not in read.frame.columns[2:]
    assert read.frame[["id", "name"]].values.tolist() == [["1", "a"]]
    assert rejects(read) == [(None, 1, "header.duplicate_column"), (2, 3, "header.duplicate_column")]
    assert set(read.rejects["column_name"]) == {"name"}


def test_several_defects_keep_the_data_row_numbers_of_the_file(tmp_path):
    data = b'id,name\n1,a\n2,"x\n3,c,extra\n4,d\n'
    read = read_export(export(tmp_path, data))
    assert rejects(read) == [(2, 3, "row.unbalanced_quote"), (3, 4, "row.field_count")]
    assert read.frame[ROW].tolist() == [1, 4]


def test_a_header_only_file_has_its_columns_and_no_rows(tmp_path):
    read = read_export(export(tmp_path, b"id,amount,currency\n"))
    assert list(read.frame.columns[:3]) == ["id", "amount", "currency"] and read.frame.empty
    assert read.rejects.empty


@pytest.mark.parametrize("data, rule", [
    (b"", "file.empty"),
    (b" \n\r\n", "file.empty"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4, "file.binary"),
    (b'id,"name\n1,a\n', "file.header"),
    ("id,n\udcffame\n1,Zürich\n".encode("utf-8", "surrogateescape"), "file.header"),
])
def test_a_file_that_cannot_be_read_at_all_is_refused_with_its_rule(tmp_path, data, rule):
    with pytest.raises(UnreadableExport) as refused:
        read_export(export(tmp_path, data))
    assert refused.value.rule == rule
    assert "export.csv" in str(refused.value)


def test_bad_rows_of_a_cp1252_file_are_still_quarantined(tmp_path):
    read = read_export(export(tmp_path, "id,name\n1,Müller\n2\n3,Gärtner\n".encode("cp1252")))
    assert read.encoding == "cp1252"
    assert rejects(read) == [(2, 3, "row.field_count")]
    assert read.frame["name"].tolist() == ["Müller", "Gärtner"]


def test_rejects_of_a_clean_file_have_the_reject_columns(tmp_path):
    read = read_export(export(tmp_path, b"id\n1\n"))
    assert isinstance(read.rejects, pd.DataFrame)
    assert list(read.rejects.columns) == ["row_number", "line", "rule", "column_name", "value", "text", "source_id"]


def test_an_unbalanced_quote_entry_shows_only_its_own_line(tmp_path):
    read = read_export(export(tmp_path, b'id,name\n1,"abc\n2,def\n3,ghi\n'))
    assert read.rejects.iloc[0].text == '1,"abc\n'
