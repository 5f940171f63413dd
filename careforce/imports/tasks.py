"""Background work: the check and the commit of an import run in the tasks worker (`careforce db_worker`,
started by `make run`), so a long file never holds a web request; and the importer's housekeeping, a
periodic task (careforce.core.periodic) every 30 seconds: jobs whose worker died failed
and their areas freed, uploaded files past their time purged."""

from __future__ import annotations

import datetime

from django.utils import translation
from django_tasks import task

from careforce.core import periodic
from careforce.imports import engine
from careforce.imports.models import ImportJob

# Half the time after which a silent job counts as dead: a dead worker's area is free within a minute.
HOUSEKEEPING_EVERY = datetime.timedelta(seconds=30)


@task()
def run_import(job_id: int, phase: str) -> None:
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    with translation.override(job.language):
        if phase == "commit":
            engine.commit(job)
        else:
            engine.check(job)


@task()
def imports_housekeeping() -> dict[str, int]:
    from careforce.imports import files, services

    try:
        return {"dead": services.release_dead_jobs(), "purged": files.purge_expired()}
    finally:
        periodic.reschedule(imports_housekeeping)


periodic.register(imports_housekeeping, lambda now: now + HOUSEKEEPING_EVERY)
