"""Background work: the check and the commit of an import run in the tasks worker (`careforce db_worker`,
started by `make run`), so a long file never holds a web request."""

from __future__ import annotations

from django.utils import translation
from django_tasks import task

from careforce.imports import engine
from careforce.imports.models import ImportJob


@task()
def run_import(job_id: int, phase: str) -> None:
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    with translation.override(job.language):
        if phase == "commit":
            engine.commit(job)
        else:
            engine.check(job)
