"""The extracted asset with a damaged export: bad rows and unreadable files are quarantined, the run goes on."""
import json

import dagster as dg
import pandas as pd

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub_tests.defs.conftest import checks_by_name, metadata

CHARGES = dg.AssetKey(["stripe", "charges", "extracted"])
REFUNDS = dg.AssetKey(["stripe", "refunds", "extracted"])


def extract(instance, *keys):
    from integration_hub.definitions import build_definitions

    job = build_definitions().resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, asset_selection=list(keys), raise_on_error=False)


def quarantined(entity: str) -> pd.DataFrame:
    return HubStore(settings().hub_db_url).quarantined(system="stripe", entity=entity, stage="extracted")


def test_one_short_row_is_quarantined_with_its_line_and_the_rest_is_extracted(company, instance):
    path = company / "stripe" / "charges.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    assert b'"' not in b"".join(lines[:5])                    # so data row 3 is line 4
    lines[3] = b"ch_short,100\n"
    path.write_bytes(b"".join(lines))

    result = extract(instance, CHARGES)
    assert result.success
    meta = metadata(result, "stripe__charges__extracted")
    assert meta["dagster/row_count"] == len(lines) - 2
    assert (meta["rows_in"], meta["quarantined"]) == (len(lines) - 1, 1)
    entries = quarantined("charges")
    assert entries[["source_id", "row_number", "rule"]].values.tolist() == [["ch_short", 3, "row.field_count"]]
    record = json.loads(entries["record"].iloc[0])
    assert record["line"] == 4 and record["text"] == "ch_short,100\n" and record["file"] == str(path)
    extracted = pd.read_parquet(settings().asset_dir / "stripe" / "charges" / "extracted.parquet")
    assert 3 not in set(extracted["_row"]) and {1, 2, 4, len(lines) - 1} <= set(extracted["_row"])
    assert checks_by_name(result)[("stripe/charges/extracted", "source_shape")] is True


def test_a_binary_export_is_refused_as_one_entry_and_the_other_entities_extract(company, instance):
    path = company / "stripe" / "charges.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8)

    result = extract(instance, CHARGES, REFUNDS)
    assert result.success
    assert metadata(result, "stripe__charges__extracted")["dagster/row_count"] == 0
    assert metadata(result, "stripe__refunds__extracted")["dagster/row_count"] > 0
    entries = quarantined("charges")
    assert entries[["source_id", "row_number", "rule"]].values.tolist() == [[str(path), None, "file.binary"]]
    extracted = pd.read_parquet(settings().asset_dir / "stripe" / "charges" / "extracted.parquet")
    assert {"id", "amount", "currency", "status"} <= set(extracted.columns)
    assert checks_by_name(result)[("stripe/charges/extracted", "source_shape")] is True


def test_a_header_only_export_extracts_no_rows_cleanly(company, instance):
    path = company / "stripe" / "charges.csv"
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])

    result = extract(instance, CHARGES)
    assert result.success
    assert metadata(result, "stripe__charges__extracted")["dagster/row_count"] == 0
    assert quarantined("charges").empty


def test_a_huge_value_is_stored_redacted_and_bounded(company, instance):
    path = company / "stripe" / "charges.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    header = lines[0].decode().rstrip("\n").split(",")
    fields = lines[2].decode().rstrip("\n").split(",")
    fields[header.index("description")] = "card 4242424242424242 " + "x" * (10 * 1024 * 1024)
    lines[2] = (",".join(fields) + "\n").encode()
    path.write_bytes(b"".join(lines))

    assert extract(instance, CHARGES).success
    entry = quarantined("charges").iloc[0]
    assert (entry["row_number"], entry["rule"], entry["column_name"]) == (2, "row.field_too_large", "description")
    stored = entry["value"] + entry["record"]
    assert len(stored) < 5000 and "4242424242424242" not in stored


def test_a_file_of_mostly_bad_rows_is_stopped_by_the_extracted_error_budget(company, instance):
    path = company / "stripe" / "charges.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + b"".join(line.rstrip(b"\n") + b",extra\n" for line in lines[1:]))

    result = extract(instance, CHARGES, dg.AssetKey(["stripe", "charges", "cleaned"]))
    assert not result.success
    assert checks_by_name(result)[("stripe/charges/extracted", "error_budget")] is False
    assert result.is_node_untouched("stripe__charges__cleaned")
    assert len(quarantined("charges")) == len(lines) - 1
