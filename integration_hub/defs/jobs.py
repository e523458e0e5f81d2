"""One job per phase, the nightly schedule, and the bank-only sync the inbox sensor starts."""

import dagster as dg

from integration_hub.governance.phases import Phase
from integration_hub.mapping.systems import SystemDeclaration


def phase_job_name(phase: Phase) -> str:
    return f"{phase.name}_phase"


def build_phase_jobs(phases: dict[str, Phase], systems: list[SystemDeclaration]) -> list:
    declared = {s.name for s in systems}
    jobs = []
    for phase in phases.values():
        groups = [s for s in phase.systems if s in declared]
        if not groups:
            continue
        selection = dg.AssetSelection.groups(*groups)
        if phase.loads_erp:
            selection = selection.downstream()
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
