"""Writes of the import app: accepting an upload and asking for its commit. The rows themselves are
written by each sheet's own services (see sheets.py); this module only manages jobs."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from careforce.core.models import User
from careforce.core.scope import Level, Scope, require_write
from careforce.imports.models import ACTIVE_STATUSES, ImportFile, ImportJob, JobStatus
from careforce.imports.readers import check_upload
from careforce.imports.sheets import get_sheet
from careforce.institutions.models import Institution

# A job that has not moved for this long is taken to be dead (its worker stopped) and frees its scope.
STALE_AFTER = datetime.timedelta(minutes=30)


def scope_binding(scope: Scope) -> tuple[str, int | None, int | None]:
    """(scope key, district id, institution id) of the area an import writes into and locks."""
    if scope.level == Level.DISTRICT:
        return f"district:{scope.district_id}", scope.district_id, None
    if scope.level == Level.INSTITUTION:
        district_id = (
            Institution.objects.filter(pk=scope.institution_id).values_list("district_id", flat=True).first()
        )
        return f"institution:{scope.institution_id}", district_id, scope.institution_id
    return "city", None, None


def _release_stale(scope_key: str) -> None:
    ImportJob.objects.filter(
        scope_key=scope_key, status__in=ACTIVE_STATUSES, updated_at__lt=timezone.now() - STALE_AFTER
    ).update(status=JobStatus.FAILED, message=_("Stopped: the import did not progress for 30 minutes."))


def _busy() -> ValidationError:
    return ValidationError(
        {"file": [_("Another import in your area is running; wait until it has finished, then try again.")]},
        code="busy",
    )


def import_upload(
    *, actor: User, sheet: str, file_name: str, data: bytes, background: bool = True
) -> ImportJob:
    """Accept a file for checking (the preview). Raises ValidationError on the field "file"."""
    scope = require_write(actor)
    spec = get_sheet(sheet)
    if spec is None or not spec.allowed(actor, scope):
        raise Http404
    file_format = check_upload(file_name, data)
    scope_key, district_id, institution_id = scope_binding(scope)
    _release_stale(scope_key)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                sheet=spec.key,
                actor=actor,
                scope_key=scope_key,
                district_id=district_id,
                institution_id=institution_id,
                file_name=(file_name or "upload")[-200:],
                file_format=file_format,
                file_size=len(data),
                language=translation.get_language() or "zh-hans",
            )
            ImportFile.objects.create(job=job, data=data)
    except IntegrityError:
        raise _busy() from None
    if background:
        from careforce.imports.tasks import run_import

        run_import.enqueue(job.pk, "check")
        job.refresh_from_db()
    return job


def import_commit(
    *, actor: User, job: ImportJob, background: bool = True, unchecked: bool = False
) -> ImportJob:
    """Ask for a checked, error-free job to be saved. The caller fetched `job` through the selector.

    `unchecked` (the command line's one-pass `--commit`) saves a just-uploaded job without the preview: the
    commit classifies and validates every row anyway, and saves nothing if any has an error."""
    require_write(actor)
    ready_status = JobStatus.QUEUED if unchecked else JobStatus.VALIDATED
    if unchecked and job.status != JobStatus.QUEUED:
        raise ValidationError({"job": [_("This file is already being saved.")]}, code="not_ready")
    if not unchecked and not job.can_commit:
        raise ValidationError(
            {"job": [_("Only a checked file without errors, with something to save, can be saved.")]},
            code="not_ready",
        )
    _release_stale(job.scope_key)
    try:
        with transaction.atomic():
            moved = ImportJob.objects.filter(pk=job.pk, status=ready_status).update(
                status=JobStatus.COMMIT_QUEUED, progress_done=0, updated_at=timezone.now()
            )
    except IntegrityError:
        raise _busy() from None
    if not moved:
        raise ValidationError({"job": [_("This file is already being saved.")]}, code="not_ready")
    job.status = JobStatus.COMMIT_QUEUED
    if background:
        from careforce.imports.tasks import run_import

        run_import.enqueue(job.pk, "commit")
        job.refresh_from_db()
    return job
