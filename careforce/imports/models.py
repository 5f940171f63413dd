"""Import jobs (one uploaded file, its preview and its commit), their per-row findings, the per-scope lock
and the log of exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.imports.sheets import RowStatus


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked")
    COMMIT_QUEUED = "commit_queued", _("Waiting to be saved")
    COMMITTING = "committing", _("Saving")
    COMMITTED = "committed", _("Saved")
    FAILED = "failed", pgettext_lazy("import job status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("import job status", "Cancelled")


# A job in one of these states holds its scope: one import at a time per institution / district / city.
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.VALIDATING, JobStatus.COMMIT_QUEUED, JobStatus.COMMITTING)
# A worker is working on a job in these states, and beats its heartbeat while it does.
RUNNING_STATUSES = (JobStatus.VALIDATING, JobStatus.COMMITTING)
# What an administrator may cancel: anything not ended (a checked job waiting to be saved included).
CANCELLABLE_STATUSES = (*ACTIVE_STATUSES, JobStatus.VALIDATED)


class ImportJob(models.Model):
    sheet = models.CharField(_("sheet"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    # "city", "district:<id>" or "institution:<id>": the scope the import writes into (and locks).
    scope_key = models.CharField(max_length=40)
    district_id = models.BigIntegerField(null=True, blank=True)
    institution_id = models.BigIntegerField(null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=200)
    file_format = models.CharField(max_length=8)
    file_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")  # of the messages stored for the rows

    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(_("message"), blank=True)  # a problem with the file as a whole
    unknown_headers = models.JSONField(default=list)

    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_update = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_error = models.PositiveIntegerField(default=0)
    rows_warning = models.PositiveIntegerField(default=0)
    issues_truncated = models.BooleanField(default=False)

    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(_("saved at"), null=True, blank=True)
    seconds = models.FloatField(default=0)  # the last phase's duration
    # Written every few seconds by the worker running the job; a silent one lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.UniqueConstraint(
                fields=["scope_key"],
                condition=Q(status__in=["queued", "validating", "commit_queued", "committing"]),
                name="import_one_active_job_per_scope",
            )
        ]
        indexes = [models.Index(fields=["scope_key", "-id"]), models.Index(fields=["district_id", "-id"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.pk})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def can_cancel(self) -> bool:
        return self.status in CANCELLABLE_STATUSES

    @property
    def can_commit(self) -> bool:
        return (
            self.status == JobStatus.VALIDATED
            and self.rows_error == 0
            and not self.message
            and bool(self.rows_new or self.rows_update)
        )

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))


class ImportFile(models.Model):
    """The uploaded bytes, kept in the database so any worker process can read them and the error report
    can be rebuilt; separate from the job so listing jobs never loads them.

    `data` is encrypted with the personal-data key ring (AES-256-GCM, associated data naming this field
    and the job: careforce/imports/files.py), and emptied when the import is saved or cancelled, or after
    IMPORT_FILE_RETENTION_DAYS; the hash and size stay, the job keeps its row counts."""

    job = models.OneToOneField(ImportJob, primary_key=True, on_delete=models.CASCADE, related_name="file")
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64, blank=True)  # of the bytes as uploaded
    size = models.PositiveBigIntegerField(default=0)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.job_id)


class ImportRow(models.Model):
    """A row worth showing: an error, a warning or an update. New and unchanged rows are only counted."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    status = models.CharField(_("status"), max_length=10, choices=RowStatus.choices)
    label = models.CharField(max_length=120, blank=True)
    # {column header: [messages]}; "" names the row as a whole. Messages are stored translated.
    errors = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    changes = models.JSONField(default=dict)  # {column header: [before, after]}

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["job", "status", "number"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.number}"


class ImportLock(models.Model):
    """One row per scope, locked (SELECT … FOR UPDATE) for the length of a commit."""

    scope_key = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.scope_key


class ExportLog(models.Model):
    """Every export: who, which list, which filter, how many rows, whether unmasked and why."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("exported by"), on_delete=models.PROTECT
    )
    list_name = models.CharField(_("list"), max_length=40)
    filters = models.JSONField(_("filters"), default=dict)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    unmasked = models.BooleanField(_("unmasked"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.list_name} × {self.row_count}"
