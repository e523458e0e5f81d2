"""One job per phase, the nightly schedule, and the bank-only sync the inbox sensor starts."""

import dagster as dg

from integration_hub.governance.phases import Phase
from integration_hub.mapping.systems import SystemDeclaration


def phase_job_name(phase: Phase) -> str:
    return f"{phase.name}_phase"


def build_phase_jobs(phases: dict[str, Phase], systems: list[SystemDeclaration], masters: tuple[str, ...]) -> list:
    """A phase's job runs its systems and, when it loads, the ERP loads (and master data) of the
    entities they feed, then the reports. Entities only other phases feed are left to their jobs;
    a shared load (customers) reads the other phases' latest datasets."""
    from integration_hub.canonical import registry
    from integration_hub.defs.master.assets import MASTERS

    declared = {s.name: s for s in systems}
    jobs = []
    for phase in phases.values():
        groups = [s for s in phase.systems if s in declared]
        if not groups:
            continue
        selection = dg.AssetSelection.groups(*groups)
        if phase.loads_erp:
            entities = {e.canonical for s in groups for e in declared[s].entities}
            loads = [dg.AssetKey(["erp", registry.get(e).plural, "loaded"]) for e in entities]
            golden = [key for e in entities if e in masters for key in MASTERS[e]]
            selection = selection | dg.AssetSelection.assets(*loads, *golden) | dg.AssetSelection.groups("reports")
        jobs.append(dg.define_asset_job(phase_job_name(phase), selection=selection,
                                        description=f"Phase {phase.order}: {phase.title} ({phase.status})",
                                        tags={"phase": phase.name}))
    return jobs


bank_sync_job = dg.define_asset_job(
    "bank_sync", selection=dg.AssetSelection.groups("bank").downstream() - dg.AssetSelection.groups("reports"),
    description="Statement files through to the ERP's bank transactions; started by the inbox sensor.",
    tags={"phase": "cash"})


def nightly_schedule(job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(name=f"{job.name}_nightly", job=job, cron_schedule="0 2 * * *",
                                 execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.STOPPED)
