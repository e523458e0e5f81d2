import json

import pandas as pd

from integration_hub.audit.lineage import lineage_for, record_lineage
from integration_hub.audit.load_evidence import field_rules, lineage_rows, load_details, set_fingerprint
from integration_hub.mapping.spec import parse_spec

SPEC = parse_spec("""spec: stripe.charges
version: 3
target: payment
fields:
  external_id: {from: id, transforms: [{prefix: "stripe:"}]}
  source_system: {const: stripe}
  amount_minor: {from: amount, blank: reject}
""")
GATES = [{"check": "stripe/charges/cleaned:error_budget", "run_id": "r1"}]


def sent():
    return pd.DataFrame({"external_id": ["stripe:ch_1", "stripe:ch_2", "stripe:ch_3"],
                         "source_system": "stripe", "source_id": ["ch_1", "ch_2", "ch_3"],
                         "amount_minor": [100, 200, 300], "_row": [4, 7, 9]}, index=[5, 6, 8])


def test_set_fingerprint_ignores_row_order_and_bookkeeping_but_not_values():
    frame = sent().assign(run_id="r1")
    columns = ["external_id", "source_system", "source_id", "amount_minor"]
    fp = set_fingerprint(frame, columns)
    assert set_fingerprint(frame.iloc[::-1].assign(run_id="r2"), columns) == fp
    assert set_fingerprint(frame.assign(amount_minor=[100, 200, 301]), columns) != fp
    assert set_fingerprint(frame.iloc[:0], columns) is None


def test_lineage_rows_cover_written_records_with_origin_rules_gates_and_merges(tmp_path):
    outcome = pd.DataFrame({"external_id": ["stripe:ch_1", "stripe:ch_2", "stripe:ch_3"],
                            "outcome": ["created", "unchanged", "updated"], "message": ""})
    origins = pd.DataFrame({"_row": [4, 7, 9], "_origin": ["https://api/v1/charges"] * 3,
                            "_extracted_at": ["2025-03-01T10:00:00+00:00"] * 3})
    merges = pd.DataFrame({"merged_into": ["ch_3"], "row_number": [12], "reason": ["exact duplicate of row 9"]})
    rows = lineage_rows(sent(), outcome, erp_entity="payment", source_entity="charges", spec=SPEC, run_id="r1",
                        gates=GATES, origins=origins, merges=merges)
    assert rows["external_id"].tolist() == ["stripe:ch_1", "stripe:ch_3"]      # unchanged keeps its old lineage
    assert rows["source_row"].tolist() == [4, 9] and set(rows["origin"]) == {"https://api/v1/charges"}
    assert record_lineage(f"sqlite:///{tmp_path / 'hub.db'}", rows) == 2
    answer = lineage_for(f"sqlite:///{tmp_path / 'hub.db'}", "payment", "stripe:ch_3")
    assert answer["found"] and answer["mapping_version"] == SPEC.version_tag
    assert answer["field_rules"]["external_id"] == "prefix(stripe:)(id)"
    assert answer["gates_passed"] == GATES and answer["sources"][0]["extracted_at"].startswith("2025-03-01T10:00")
    assert answer["sources"][0]["merge_evidence"] == [{"row": 12, "reason": "exact duplicate of row 9"}]
    assert field_rules(SPEC)["amount_minor"] == "amount; blank rejects the record"


def test_load_details_are_json_ready():
    details = load_details({"created": 2, "unchanged": 1}, {"stripe__charges": SPEC.version_tag}, run_id="r1",
                           lineage_rows=2, payment_applications=1)
    assert json.loads(json.dumps(details))["records"] == {"created": 2, "unchanged": 1}
