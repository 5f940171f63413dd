"""Uploaded files at rest: encrypted with the personal-data key ring, purged when no longer needed.

A roster holds the full ID numbers and phones of everyone on it, so the bytes are stored as AES-256-GCM
ciphertext (careforce.core.crypto, the key ring of the ID numbers) whose associated data names the field
and the job: a file's ciphertext copied onto another job does not decrypt. When the import is saved or
cancelled, and IMPORT_FILE_RETENTION_DAYS after its upload otherwise, the bytes are emptied; the hash, the
size and the job's row counts stay.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import crypto
from careforce.imports.models import RUNNING_STATUSES, ImportFile, ImportJob, JobStatus

ENCRYPTED_COLUMNS = ("imports_importfile.data",)


def _context(job_id: int) -> bytes:
    return f"imports.ImportFile.data:{job_id}".encode()


def store(job: ImportJob, data: bytes) -> ImportFile:
    return ImportFile.objects.create(
        job=job,
        data=crypto.encrypt_bytes(data, context=_context(job.pk)),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def seal(job_id: int, data: bytes) -> bytes:
    return crypto.encrypt_bytes(data, context=_context(job_id))


def read(job: ImportJob) -> bytes:
    """The file as uploaded. Raises ValidationError once it has been purged."""
    row = ImportFile.objects.filter(job_id=job.pk).values_list("data", "purged_at").first()
    if row is None or row[1] is not None:
        raise ValidationError(
            {"file": [_("The uploaded file has been deleted (files are kept only until the import ends).")]},
            code="purged",
        )
    return crypto.decrypt_bytes(row[0], context=_context(job.pk))


def purge(job_ids: list[int] | None = None, *, where: Q | None = None) -> int:
    """Empty the bytes of these jobs' files (or of the files matching `where`); the hash and size stay."""
    files = ImportFile.objects.filter(purged_at__isnull=True)
    if job_ids is not None:
        files = files.filter(job_id__in=job_ids)
    if where is not None:
        files = files.filter(where)
    return files.update(data=b"", purged_at=timezone.now())


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Files of ended imports (saved, cancelled) and files older than the retention period."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    ended = Q(job__status__in=[JobStatus.COMMITTED, JobStatus.CANCELLED])
    expired = Q(job__created_at__lt=cutoff) & ~Q(job__status__in=RUNNING_STATUSES)
    return purge(where=ended | expired)


def reencrypt() -> int:
    """Files still stored under an older key, encrypted again under the current one (key rotation,
    `careforce rotate_pii_keys`); how many. One at a time: they are big."""
    done = 0
    kept = ImportFile.objects.filter(purged_at__isnull=True).exclude(data=b"")
    for job_id in kept.values_list("job_id", flat=True).iterator():
        blob = ImportFile.objects.filter(job_id=job_id).values_list("data", flat=True).get()
        if not blob or crypto.is_current(bytes(blob)):
            continue
        plain = crypto.decrypt_bytes(bytes(blob), context=_context(job_id))
        ImportFile.objects.filter(job_id=job_id).update(data=seal(job_id, plain))
        done += 1
    return done
