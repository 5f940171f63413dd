"""Reads of import jobs, through the actor's scope. Imports are the writers' business: read-only roles
see none (404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.imports.models import ImportFile, ImportJob, ImportRow, JobStatus


def jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    scope = scope_of(user)
    qs = ImportJob.objects.select_related("actor")
    if not scope.can_write:
        return qs.none()
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        return qs.filter(institution_id=scope.institution_id)
    if scope.level == Level.BASE:  # its own imports (its sessions' results), by any of its accounts
        return qs.filter(actor__training_base_id=scope.training_base_id)
    if scope.level == Level.BODY:  # its own imports (the certificates it issued)
        return qs.filter(actor__evaluation_body_id=scope.evaluation_body_id)
    return qs.none()


def job_get(user: User, pk: object) -> ImportJob:
    try:
        return jobs_visible_to(user).get(pk=int(pk))
    except (ImportJob.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def job_rows(job: ImportJob, status: str | None = None) -> QuerySet[ImportRow]:
    qs = ImportRow.objects.filter(job=job)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("number")


def job_file_kept(job: ImportJob) -> bool:
    """Whether the uploaded file is still stored (until the import ends, or its retention period)."""
    return ImportFile.objects.filter(job_id=job.pk, purged_at__isnull=True).exists()


def jobs_waiting_to_be_saved(user: User) -> QuerySet[ImportJob]:
    """Imports checked and not yet saved (the home work queue): the file waits for its uploader's decision."""
    return jobs_visible_to(user).filter(status=JobStatus.VALIDATED)
