"""The one Definitions object: every declared system, the ERP loads, reports, jobs and sensors."""

import dagster as dg

from integration_hub.defs.erp.assets import Feed, build_erp_defs
from integration_hub.defs.factory import build_system_defs
from integration_hub.defs.master.assets import build_item_master_defs, build_master_defs, build_vendor_master_defs
from integration_hub.defs.jobs import bank_sync_job, build_phase_jobs, nightly_schedule
from integration_hub.defs.reports.assets import build_report_defs
from integration_hub.defs.resources import default_resources
from integration_hub.defs.sensors import bank_inbox_sensor, record_run_failures
from integration_hub.governance.phases import load_phases
from integration_hub.mapping.systems import load_systems
from integration_hub.security.redact import install_redaction


def build_definitions() -> dg.Definitions:
    # Before anything logs: secrets and sensitive numbers never reach Dagster's event log.
    install_redaction()
    phases = load_phases()
    systems = load_systems()
    phase_of = {s: p for p in phases.values() for s in p.systems}
    unknown = [s.name for s in systems if s.name not in phase_of]
    if unknown:
        raise ValueError(f"systems {unknown} belong to no phase in governance/phases.yaml")
    system_defs = [d for s in systems for d in build_system_defs(s, phase_of[s.name])]
    feeds: dict[str, list[Feed]] = {}
    for system in systems:
        if phase_of[system.name].loads_erp:
            for entity in system.entities:
                feeds.setdefault(entity.canonical, []).append(Feed(
                    entity, requires_complete_statements=phase_of[system.name].requires("complete_statements"),
                    phase=phase_of[system.name]))
    masters = tuple(e for e in ("customer", "item", "vendor") if feeds.get(e))
    erp_defs = build_erp_defs(feeds, masters=masters, phases=phases)
    if "customer" in masters:
        erp_defs += build_master_defs(feeds["customer"])
    if "item" in masters:
        erp_defs += build_item_master_defs(feeds["item"])
    if "vendor" in masters:
        erp_defs += build_vendor_master_defs(feeds["vendor"])
    checks = [d for d in system_defs + erp_defs if isinstance(d, dg.AssetChecksDefinition)]
    assets = [d for d in system_defs + erp_defs if d not in checks]
    reports = build_report_defs(feeds)
    jobs = build_phase_jobs(phases, systems, masters)
    return dg.Definitions(
        assets=[*assets, *reports], asset_checks=checks,
        jobs=[*jobs, bank_sync_job], schedules=[nightly_schedule(j) for j in jobs],
        sensors=[bank_inbox_sensor, record_run_failures], resources=default_resources(),
        # A subprocess per step costs 1-2.6 s here, more than most steps' own work.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
