"""The generic import run: read a file, match its headers, check every row through its sheet, and commit.

Two phases over the same stored file:
- check (`commit=False`): every row classified NEW / UPDATE / NO CHANGE / ERROR; rows worth showing are
  stored as ImportRow, the rest counted. Nothing is written to the sheet's records.
- commit (`commit=True`): in ONE transaction, holding the scope's lock row, the rows are read and
  classified again against the database as it is now and handed to the sheet's services batch by batch.
  Any error anywhere — a row, a service refusal, a crash — rolls the whole file back.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core.gc_tuning import rare_collections
from careforce.core.scope import scope_of
from careforce.imports import ahead
from careforce.imports.models import ImportFile, ImportJob, ImportLock, ImportRow, JobStatus
from careforce.imports.readers import estimate_rows, open_rows
from careforce.imports.sheets import (
    REPORT_HEADER,
    Column,
    ImportContext,
    Row,
    RowErrors,
    RowStatus,
    SheetSpec,
    get_sheet,
    header_key,
)
from careforce.imports.workbooks import unescape
from careforce.registry.bulk import copies_in_background
from careforce.registry.signals import placement_batch

# Rows kept for the preview and the error report; beyond this the job says the list is cut short.
MAX_STORED_ROWS = 100_000
Progress = Callable[[int, int], None]


class Rollback(Exception):
    """Raised inside the commit transaction to undo it when some row has an error."""


@dataclass
class HeaderMap:
    columns: dict[int, Column]  # cell index -> column
    unknown: list[str]
    missing: list[Column]


def match_headers(cells: Sequence[Any], spec: SheetSpec) -> HeaderMap:
    index = spec.header_index()
    ignored = {header_key(h) for h in (*spec.ignored_headers, REPORT_HEADER)}
    columns: dict[int, Column] = {}
    unknown: list[str] = []
    for position, cell in enumerate(cells):
        key = header_key(cell)
        if not key or key in ignored:
            continue
        column = index.get(key)
        if column is None or column in columns.values():
            unknown.append(str(cell).strip())
        else:
            columns[position] = column
    present = set(columns.values())
    missing = [c for c in spec.columns if c.required and c.in_template and c not in present]
    return HeaderMap(columns, unknown, missing)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def iter_rows(rows: Iterator[list[Any]], header: HeaderMap, batch_size: int) -> Iterator[list[Row]]:
    """Batches of Row (blank rows skipped), numbered as the spreadsheet numbers them."""
    batch: list[Row] = []
    positions = [(i, column.key) for i, column in header.columns.items()]
    for number, cells in enumerate(rows, start=2):
        width = len(cells)
        values: dict[str, Any] = {}
        empty = True
        for i, key in positions:
            value = unescape(cells[i]) if i < width else None
            if _blank(value):
                values[key] = None
            else:
                values[key] = value
                empty = False
        if empty:
            continue
        batch.append(Row(number=number, values=values))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)
    stored: list[ImportRow] = field(default_factory=list)
    truncated: bool = False
    warnings: int = 0
    failed: bool = False


class Run:
    """One pass over a job's file."""

    def __init__(self, job: ImportJob, *, commit: bool, progress: Progress | None = None):
        self.job = job
        self.commit = commit
        self.spec = get_sheet(job.sheet)
        self.progress = progress or (lambda done, total: None)
        self.ctx = ImportContext(actor=job.actor, scope=scope_of(job.actor), committing=commit)
        self.seen: dict[str, int] = {}
        self.outcome = Outcome()
        self.headers_by_key = {c.key: c.header for c in self.spec.columns}

    # ---- rows

    def _identify(self, batch: list[Row]) -> list[Row]:
        for row in batch:
            row.key = self.spec.identify(row, self.ctx)
        return batch

    def _identify_and_prepare(self, batch: list[Row]) -> list[Row]:
        """The database-free part of a batch, done ahead in the helper process."""
        self._identify(batch)
        self.spec.prepare(batch, self.ctx)
        return batch

    def _read(self, data: bytes, *, prepare: bool) -> Iterator[Any]:
        """The file's (data row count, encoding, header map), then its batches, identified (and, in the
        helper, prepared). A generator: with a helper, the helper runs it, file opening included."""
        opened, header = self._open(data)
        yield max(opened.total - 1, 0), opened.encoding, header
        for batch in iter_rows(opened.rows, header, self.spec.batch_size):
            yield self._identify_and_prepare(batch) if prepare else self._identify(batch)

    def _reader(self, data: bytes) -> Iterator[Any]:
        if not self._ahead(estimate_rows(self.job.file_format, data)):
            return self._read(data, prepare=False)
        self.spec.prime(self.ctx)
        return ahead.run_ahead(self._read(data, prepare=True), shared=self.spec.shared_objects(self.ctx))

    def _ahead(self, estimated_rows: int) -> bool:
        return (
            self.spec.prepares_ahead
            and estimated_rows >= settings.IMPORT_AHEAD_MIN_ROWS
            and ahead.available()
        )

    def _duplicates(self, batch: list[Row]) -> None:
        for row in batch:
            if not row.key:
                continue
            first = self.seen.setdefault(row.key, row.number)
            if first != row.number:
                row.error(
                    self.spec.duplicate_column,
                    _("Rows %(first)d and %(this)d are the same record; keep one of them.")
                    % {"first": first, "this": row.number},
                )

    def _record(self, batch: list[Row]) -> None:
        counts = self.outcome.counts
        for row in batch:
            if row.errors:
                row.status = RowStatus.ERROR
            counts[row.status] += 1
            if row.warnings:
                self.outcome.warnings += 1
            if row.status in (RowStatus.ERROR, RowStatus.UPDATE) or row.warnings:
                if len(self.outcome.stored) >= MAX_STORED_ROWS:
                    self.outcome.truncated = True
                    continue
                self.outcome.stored.append(
                    ImportRow(
                        job_id=self.job.pk,
                        number=row.number,
                        status=row.status,
                        label=row.label[:120],
                        errors={self._header(k): v for k, v in row.errors.items()},
                        warnings=row.warnings,
                        changes={
                            self._header(k): [_plain(a), _plain(b)] for k, (a, b) in row.changes.items()
                        },
                    )
                )

    def _header(self, key: str) -> str:
        return self.headers_by_key.get(key, "")

    # ---- the pass

    def _open(self, data: bytes):
        opened = open_rows(self.job.file_name, data, self.job.file_format)
        try:
            header_cells = next(opened.rows)
        except StopIteration:
            raise ValidationError({"file": [_("The file has no rows.")]}) from None
        header = match_headers(header_cells, self.spec)
        if header.missing:
            raise ValidationError(
                {
                    "file": [
                        _("The file has no column %(headers)s; download the template and keep its headers.")
                        % {"headers": "、".join(c.header for c in header.missing)}
                    ]
                }
            )
        return opened, header

    def execute(self) -> Outcome:
        with rare_collections():
            return self._execute()

    def _execute(self) -> Outcome:
        data = bytes(ImportFile.objects.get(job_id=self.job.pk).data)
        # Closed on the way out, whatever happens, so that a helper process is stopped at once.
        with contextlib.closing(self._reader(data)) as reader:
            total, self.encoding, self.header = next(reader)
            failed = self._run_batches(reader, total)
        self.outcome.failed = failed or bool(self.outcome.counts[RowStatus.ERROR])
        return self.outcome

    def _run_batches(self, batches: Iterator[list[Row]], total: int) -> bool:
        """Classify (and when committing, write) every batch; whether a batch's commit was refused."""
        done = 0
        failed = False
        for batch in batches:
            self._duplicates(batch)
            self.spec.classify(batch, self.ctx)
            if self.commit and not failed:
                if any(row.errors for row in batch):
                    failed = True
                    # Nothing will be saved now; check the remaining rows fully, as the preview does.
                    self.ctx.committing = False
                else:
                    try:
                        self.spec.commit(
                            [r for r in batch if r.status in (RowStatus.NEW, RowStatus.UPDATE)], self.ctx
                        )
                    except RowErrors as exc:
                        failed = True
                        self.ctx.committing = False
                        for row in batch:
                            for key, messages in exc.by_row.get(row.number, {}).items():
                                for message in messages:
                                    row.error(key, message)
            self._record(batch)
            done += len(batch)
            self.progress(done, max(total, done))
        return failed


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- progress that other sessions can see


class ProgressWriter:
    """Writes a job's progress where the browser's poll can read it, at most a few times a second.

    During the commit the main connection is inside a long transaction whose writes nobody else sees, so
    on PostgreSQL progress goes through a second connection (autocommit). SQLite allows one writer at a
    time, so there the commit's progress is only known when it ends (the page shows "saving")."""

    def __init__(self, job: ImportJob, *, in_transaction: bool, echo: Progress | None = None):
        self.job_id = job.pk
        self.echo = echo
        self.last = 0.0
        self.side = None
        if in_transaction and connection.vendor == "postgresql":
            self.side = connections.create_connection("default")
        self.enabled = not in_transaction or self.side is not None

    def __call__(self, done: int, total: int) -> None:
        if self.echo:
            self.echo(done, total)
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.5 and done < total):
            return
        self.last = now
        sql = "UPDATE imports_importjob SET progress_done = %s, progress_total = %s WHERE id = %s"
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '500ms'")
                # A progress figure is never worth failing an import for.
                with contextlib.suppress(Exception):
                    cursor.execute(sql, [done, total, self.job_id])
        else:
            ImportJob.objects.filter(pk=self.job_id).update(progress_done=done, progress_total=total)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


# ---------------------------------------------------------------- the two phases


def _set(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())


def _store(job: ImportJob, outcome: Outcome) -> None:
    ImportRow.objects.filter(job=job).delete()
    ImportRow.objects.bulk_create(outcome.stored, batch_size=2000)


def _counts(outcome: Outcome) -> dict[str, Any]:
    c = outcome.counts
    return {
        "rows_total": sum(c.values()),
        "rows_new": c[RowStatus.NEW],
        "rows_update": c[RowStatus.UPDATE],
        "rows_unchanged": c[RowStatus.UNCHANGED],
        "rows_error": c[RowStatus.ERROR],
        "rows_warning": outcome.warnings,
        "issues_truncated": outcome.truncated,
    }


def _file_problem(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def check(job: ImportJob, *, echo: Progress | None = None) -> ImportJob:
    """Phase 1: classify every row (the preview)."""
    started = time.monotonic()
    _set(job, status=JobStatus.VALIDATING, progress_done=0, message="")
    writer = ProgressWriter(job, in_transaction=False, echo=echo)
    try:
        run = Run(job, commit=False, progress=writer)
        outcome = run.execute()
    except ValidationError as exc:
        _set(job, status=JobStatus.VALIDATED, message=_file_problem(exc), seconds=time.monotonic() - started)
        return job
    finally:
        writer.close()
    _store(job, outcome)
    _set(
        job,
        status=JobStatus.VALIDATED,
        unknown_headers=run.header.unknown,
        encoding=run.encoding,
        validated_at=timezone.now(),
        seconds=time.monotonic() - started,
        **_counts(outcome),
    )
    return job


def commit(job: ImportJob, *, echo: Progress | None = None) -> ImportJob:
    """Phase 2: all rows or none, in one transaction, holding the scope's lock."""
    started = time.monotonic()
    _set(job, status=JobStatus.COMMITTING, progress_done=0, message="")
    writer = ProgressWriter(job, in_transaction=True, echo=echo)
    run = Run(job, commit=True, progress=writer)
    outcome: Outcome | None = None
    try:
        with transaction.atomic():
            ImportLock.objects.get_or_create(scope_key=job.scope_key)
            ImportLock.objects.select_for_update().get(scope_key=job.scope_key)
            # Summaries kept per institution (staff counts, certification tallies) are recomputed once
            # for the whole file, not once per batch.
            with placement_batch():
                # PostgreSQL writes a batch while the next one is prepared (registry/bulk.py).
                with copies_in_background():
                    outcome = run.execute()
                if outcome.failed:
                    raise Rollback
    except Rollback:
        _store(job, outcome)
        _set(
            job,
            status=JobStatus.VALIDATED,
            message=_("Nothing was saved: some rows have errors now. Fix them and upload the file again."),
            unknown_headers=run.header.unknown,
            seconds=time.monotonic() - started,
            **_counts(outcome),
        )
        return job
    except ValidationError as exc:
        _set(job, status=JobStatus.VALIDATED, message=_file_problem(exc), seconds=time.monotonic() - started)
        return job
    except Exception:
        _set(
            job,
            status=JobStatus.FAILED,
            message=_(
                "Saving failed and nothing was saved. Try again; if it fails again, tell the administrator."
            ),
            seconds=time.monotonic() - started,
        )
        raise
    finally:
        writer.close()
    _store(job, outcome)
    _set(
        job,
        status=JobStatus.COMMITTED,
        committed_at=timezone.now(),
        unknown_headers=run.header.unknown,
        seconds=time.monotonic() - started,
        progress_done=job.progress_total or outcome.counts.total(),
        **_counts(outcome),
    )
    return job


# ---------------------------------------------------------------- the error report


def error_report(job: ImportJob):
    """The uploaded rows as they were, each with its problems in a last column (a temporary file)."""
    from careforce.imports.workbooks import report

    messages: dict[int, str] = {}
    for number, errors, warnings in ImportRow.objects.filter(job=job).values_list(
        "number", "errors", "warnings"
    ):
        parts = [f"{header or _('Row')}: {'；'.join(texts)}" for header, texts in errors.items()]
        parts += [_("Warning: %(text)s") % {"text": text} for text in warnings]
        messages[number] = "；".join(parts)
    data = bytes(ImportFile.objects.get(job_id=job.pk).data)
    opened = open_rows(job.file_name, data, job.file_format)
    header = next(opened.rows, [])
    rows = ((cells, messages.get(number, "")) for number, cells in enumerate(opened.rows, start=2))
    return report(header, rows)
