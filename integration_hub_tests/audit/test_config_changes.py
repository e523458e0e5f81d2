from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.config_changes import file_item, record_config_changes, spec_item
from integration_hub.mapping.spec import parse_spec

SPEC = """spec: stripe.charges
version: {version}
target: payment
fields:
  external_id: {{from: id, transforms: [{{prefix: "stripe:"}}]}}
"""


def test_config_is_registered_once_and_each_change_is_chained_with_before_and_after(tmp_path):
    trail = AuditTrail(f"sqlite:///{tmp_path / 'hub.db'}")
    phases = tmp_path / "phases.yaml"
    phases.write_text("phases: {cash: {order: 1}}\n")
    v1 = parse_spec(SPEC.format(version=1))
    first = record_config_changes(trail, "dagster:r1", [spec_item(v1), file_item(phases, "governance/phases.yaml")],
                                  run_id="r1")
    assert [(e.action, e.object) for e in first] == [("config.registered", "governance/phases.yaml"),
                                                     ("config.registered", "mapping/stripe.charges")]
    unchanged = [spec_item(v1), file_item(phases, "governance/phases.yaml")]
    assert record_config_changes(trail, "dagster:r2", unchanged) == []

    v2 = parse_spec(SPEC.format(version=2))
    phases.write_text("phases: {cash: {order: 1, error_budget: 0.1}}\n")
    changed = record_config_changes(trail, "cli:ann", [spec_item(v2), file_item(phases, "governance/phases.yaml")],
                                    run_id="r3")
    by_object = {e.object: e for e in changed}
    assert {e.action for e in changed} == {"config.changed"}
    spec_entry = by_object["mapping/stripe.charges"]
    assert spec_entry.before_fingerprint == first[1].after_fingerprint != spec_entry.after_fingerprint
    assert '"version":2' in spec_entry.details and '"run_id":"r3"' in spec_entry.details
    assert by_object["governance/phases.yaml"].before_fingerprint == first[0].after_fingerprint
    assert trail.verify().ok and trail.verify().checked == 4
