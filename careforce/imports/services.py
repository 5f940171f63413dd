"""Writes of the import app: accepting an upload and asking for its commit. The rows themselves are
written by each sheet's own services (see sheets.py); this module only manages jobs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, User
from careforce.core.scope import Level, Scope, require_write
from careforce.imports import files
from careforce.imports.models import (
    ACTIVE_STATUSES,
    CANCELLABLE_STATUSES,
    RUNNING_STATUSES,
    ImportJob,
    JobStatus,
)
from careforce.imports.readers import check_upload
from careforce.imports.sheets import get_sheet
from careforce.institutions.models import Institution

# A job waiting for a worker that has not moved for this long is taken to be forgotten and frees its
# scope. A running job is dead sooner: when its heartbeat stops (IMPORT_DEAD_AFTER_SECONDS).
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
    if scope.level == Level.BODY:
        # A body's import writes its own certificates only: it locks nobody's area.
        return f"body:{scope.evaluation_body_id}", None, None
    if scope.level == Level.BASE:
        # A base's import writes the results of its own sessions only: likewise.
        return f"base:{scope.training_base_id}", None, None
    return "city", None, None


def _release_stale(scope_key: str | None = None) -> int:
    """Fail the jobs whose worker died (no heartbeat for IMPORT_DEAD_AFTER_SECONDS) and the waiting ones
    nobody took up for 30 minutes, freeing their areas; how many. Housekeeping: run by the periodic task
    for every area, and for its own area before each upload and save."""
    now = timezone.now()
    dead_before = now - datetime.timedelta(seconds=settings.IMPORT_DEAD_AFTER_SECONDS)
    jobs = ImportJob.objects.all() if scope_key is None else ImportJob.objects.filter(scope_key=scope_key)
    dead = jobs.filter(status__in=RUNNING_STATUSES).filter(
        Q(heartbeat_at__lt=dead_before) | Q(heartbeat_at__isnull=True, updated_at__lt=dead_before)
    )
    forgotten = jobs.filter(status__in=ACTIVE_STATUSES, updated_at__lt=now - STALE_AFTER)
    count = 0
    # Each job's message in its uploader's language, as the job's other messages.
    languages = {*dead.values_list("language", flat=True), *forgotten.values_list("language", flat=True)}
    for language in languages:
        with translation.override(language):
            count += dead.filter(language=language).update(
                status=JobStatus.FAILED,
                message=_(
                    "Stopped: the process running the import ended unexpectedly. Upload the file again."
                ),
                updated_at=now,
            )
            count += forgotten.filter(language=language).update(
                status=JobStatus.FAILED,
                message=_("Stopped: the import did not progress for 30 minutes."),
                updated_at=now,
            )
    return count


def release_dead_jobs() -> int:
    """Housekeeping (the periodic task): dead and forgotten jobs failed, their areas freed."""
    return _release_stale(None)


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
            files.store(job, data)
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


def import_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Cancel a job that has not ended (waiting, being checked, checked, being saved): its area is free at
    once, its file purged, and a worker still running it stops at its next progress mark (a save rolls
    back). The caller fetched `job` through the selector (administrators of its area). Audited."""
    require_write(actor)
    try:
        with transaction.atomic():
            # The status as it is now (the caller's copy may be older), the row held until the end.
            before = (
                ImportJob.objects.select_for_update()
                .filter(pk=job.pk)
                .values_list("status", flat=True)
                .first()
            )
            moved = ImportJob.objects.filter(pk=job.pk, status__in=CANCELLABLE_STATUSES).update(
                status=JobStatus.CANCELLED,
                message=_("Cancelled by %(name)s.") % {"name": actor.get_full_name() or actor.username},
                updated_at=timezone.now(),
            )
            if not moved:
                raise ValidationError(
                    {"job": [_("This import has already ended; there is nothing to cancel.")]},
                    code="not_cancellable",
                )
            files.purge([job.pk])
            job.refresh_from_db()
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=job,
                changes={"status": [before, JobStatus.CANCELLED.value]},
                note=_("Import cancelled"),
            )
    except OperationalError:
        # SQLite: the save holds the database's one write lock until it ends.
        raise ValidationError(
            {"job": [_("The file is being saved right now; wait until it has finished.")]}, code="busy"
        ) from None
    return job
