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
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core.gc_tuning import rare_collections
from careforce.core.masking import ID_HIDDEN, PHONE_HIDDEN, mask_id_number, mask_phone
from careforce.core.scope import scope_of
from careforce.core.validators import normalize_code
from careforce.imports import ahead, files
from careforce.imports.models import RUNNING_STATUSES, ImportJob, ImportLock, ImportRow, JobStatus
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
# New rows are listed too, so that people see what a save will add; the first ones are enough for that, and
# storing every row of a 100,000-row roster would double the check's writes.
MAX_NEW_SHOWN = 1_000
Progress = Callable[[int, int], None]
logger = logging.getLogger(__name__)


class Rollback(Exception):
    """Raised inside the commit transaction to undo it when some row has an error."""


class Cancelled(Exception):
    """The job was cancelled (or failed by housekeeping) while it ran: stop, change nothing."""


@dataclass
class HeaderMap:
    columns: dict[int, Column]  # cell index -> column
    unknown: list[str]
    missing: list[Column]


def match_headers(
    cells: Sequence[Any], spec: SheetSpec, columns: Sequence[Column] | None = None
) -> HeaderMap:
    """`columns`: the sheet's columns when the caller has them already (a sheet may read its columns from
    the database, which a child process may not use)."""
    columns_of_sheet = tuple(spec.columns) if columns is None else tuple(columns)
    index: dict[str, Column] = {}
    for column in columns_of_sheet:
        for text in (column.header, *column.aliases):
            index.setdefault(header_key(text), column)
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
    missing = [c for c in columns_of_sheet if c.required and c.in_template and c not in present]
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
        # Read once, here: a sheet's columns may come from the database, which the child may not use.
        self.columns = tuple(self.spec.columns)
        self.headers_by_key = {c.key: c.header for c in self.columns}

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

    def _read(self, data: bytes, step: Callable[[list[Row]], list[Row]] | None) -> Iterator[Any]:
        """The file's (data row count, encoding, header map), then its batches, each through `step`
        (identify; in the helper, identify and prepare; in a reading child, nothing). A generator: with a
        child process, the child runs it, file opening included."""
        opened, header = self._open(data)
        yield max(opened.total - 1, 0), opened.encoding, header
        for batch in iter_rows(opened.rows, header, self.spec.batch_size):
            yield step(batch) if step else batch

    def _reader(self, data: bytes) -> Iterator[Any]:
        """The file is parsed in a child process with a memory limit wherever fork exists, so that a
        native reader's crash or a sheet too big for memory ends the child, never this process."""
        budget = settings.IMPORT_CHILD_MEMORY_BYTES
        if self._ahead(estimate_rows(self.job.file_format, data)):
            self.spec.prime(self.ctx)
            return ahead.run_ahead(
                self._read(data, self._identify_and_prepare),
                shared=self.spec.shared_objects(self.ctx),
                memory_limit=budget,
            )
        if ahead.can_fork() and self.job.file_format != "csv":
            # Only the parsing is the child's: a sheet's `identify` may query, so it runs here. A CSV is
            # read by Python's own csv module, streamed, with no native reader to crash: in process.
            return self._identified(ahead.run_ahead(self._read(data, None), memory_limit=budget))
        return self._read(data, self._identify)

    def _identified(self, items: Iterator[Any]) -> Iterator[Any]:
        try:
            yield next(items)
            for batch in items:
                yield self._identify(batch)
        finally:
            items.close()

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
            shown_new = row.status == RowStatus.NEW and counts[RowStatus.NEW] <= MAX_NEW_SHOWN
            if row.status in (RowStatus.ERROR, RowStatus.UPDATE) or row.warnings or shown_new:
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
        header = match_headers(header_cells, self.spec, self.columns)
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
        data = files.read(self.job)
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
        self.status = job.status  # the phase's: another status means cancelled or failed meanwhile
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
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '500ms'")
                # A progress figure is never worth failing an import for.
                try:
                    cursor.execute(
                        "UPDATE imports_importjob SET progress_done = %s, progress_total = %s, "
                        "heartbeat_at = %s WHERE id = %s AND status = %s",
                        [done, total, timezone.now(), self.job_id, self.status],
                    )
                    moved = cursor.rowcount
                    if not moved:
                        # Not found in this phase: cancelled, or not visible to this connection at all
                        # (a job created in a transaction not yet committed), which is no cancel.
                        cursor.execute("SELECT status FROM imports_importjob WHERE id = %s", [self.job_id])
                        moved = cursor.fetchone() is None
                except Exception:
                    return
        else:
            moved = ImportJob.objects.filter(pk=self.job_id, status=self.status).update(
                progress_done=done, progress_total=total, heartbeat_at=timezone.now()
            )
        if not moved:
            # Cancelled by an administrator, or failed as dead: this run's work is to be thrown away.
            raise Cancelled

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


class Heartbeat:
    """Beats the job's heartbeat every IMPORT_HEARTBEAT_SECONDS from a thread of its own, through a
    connection of its own, while a phase runs, even through stretches without progress (a big sheet being
    decoded, the final COMMIT). A job whose beats stop lost its worker: housekeeping fails it and frees
    its area (services.release_dead_jobs). On SQLite a second connection cannot write while the save's
    transaction holds the one write lock; there, the progress marks beat (ProgressWriter)."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if connection.vendor == "postgresql":
            self.thread = threading.Thread(
                target=self._beat, name=f"import-{self.job_id}-heartbeat", daemon=True
            )
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def _beat(self) -> None:
        side = connections.create_connection("default")
        try:
            while not self.stop.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                with contextlib.suppress(Exception), side.cursor() as cursor:
                    cursor.execute(
                        "UPDATE imports_importjob SET heartbeat_at = %s WHERE id = %s AND status IN (%s, %s)",
                        [timezone.now(), self.job_id, *RUNNING_STATUSES],
                    )
        finally:
            side.close()


# ---------------------------------------------------------------- the two phases


def _set(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())


def _finish(job: ImportJob, phase: str, **fields: Any) -> bool:
    """Set the phase's outcome unless the job left the phase meanwhile (cancelled, failed as dead)."""
    moved = ImportJob.objects.filter(pk=job.pk, status=phase).update(**fields, updated_at=timezone.now())
    if moved:
        for name, value in fields.items():
            setattr(job, name, value)
    else:
        job.refresh_from_db()
    return bool(moved)


def _unreadable() -> str:
    return _(
        "The file could not be read: reading it needed more than %(mb)d MB of memory, or the reader "
        "stopped on it. Open it in Excel, delete empty rows and columns, save it as .xlsx and upload it "
        "again."
    ) % {"mb": settings.IMPORT_CHILD_MEMORY_BYTES // (1024 * 1024)}


def _conflict() -> str:
    return _(
        "Nothing was saved: another import or a colleague saved some of these records at the same time. "
        "Upload the file again to check it against the registry as it is now."
    )


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
    # Only a job waiting to be checked (or checked already) is checked: a cancelled one stays cancelled.
    if job.status not in (JobStatus.QUEUED, JobStatus.VALIDATED) or not _finish(
        job, job.status, status=JobStatus.VALIDATING, progress_done=0, message="", heartbeat_at=timezone.now()
    ):
        return job
    writer = ProgressWriter(job, in_transaction=False, echo=echo)
    phase = JobStatus.VALIDATING
    try:
        with Heartbeat(job):
            run = Run(job, commit=False, progress=writer)
            outcome = run.execute()
    except Cancelled:
        job.refresh_from_db()
        return job
    except ValidationError as exc:
        _finish(
            job,
            phase,
            status=JobStatus.VALIDATED,
            message=_file_problem(exc),
            seconds=time.monotonic() - started,
        )
        return job
    except ahead.HelperFailed:
        logger.warning("import %s: the child process reading the file failed", job.pk, exc_info=True)
        _finish(
            job, phase, status=JobStatus.FAILED, message=_unreadable(), seconds=time.monotonic() - started
        )
        return job
    except Exception:
        _finish(
            job,
            phase,
            status=JobStatus.FAILED,
            message=_("Checking failed. Try again; if it fails again, tell the administrator."),
            seconds=time.monotonic() - started,
        )
        raise
    finally:
        writer.close()
    if ImportJob.objects.filter(pk=job.pk, status=phase).exists():
        _store(job, outcome)
    _finish(
        job,
        phase,
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
    phase = JobStatus.COMMITTING
    if job.status != JobStatus.COMMIT_QUEUED or not _finish(
        job, JobStatus.COMMIT_QUEUED, status=phase, progress_done=0, message="", heartbeat_at=timezone.now()
    ):
        return job
    writer = ProgressWriter(job, in_transaction=True, echo=echo)
    run = Run(job, commit=True, progress=writer)
    outcome: Outcome | None = None
    try:
        with Heartbeat(job), transaction.atomic():
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
            # The outcome is written in the same transaction, on the condition that the job is still
            # being saved: a cancel that came first rolls the save back; one that comes later waits
            # for this row's lock, then finds the job saved.
            _store(job, outcome)
            if not _finish(
                job,
                phase,
                status=JobStatus.COMMITTED,
                committed_at=timezone.now(),
                unknown_headers=run.header.unknown,
                seconds=time.monotonic() - started,
                progress_done=job.progress_total or outcome.counts.total(),
                **_counts(outcome),
            ):
                raise Cancelled
            files.purge([job.pk])
    except Cancelled:
        job.refresh_from_db()
        return job
    except Rollback:
        if not ImportJob.objects.filter(pk=job.pk, status=phase).exists():
            job.refresh_from_db()
            return job
        _store(job, outcome)
        _finish(
            job,
            phase,
            status=JobStatus.VALIDATED,
            message=_("Nothing was saved: some rows have errors now. Fix them and upload the file again."),
            unknown_headers=run.header.unknown,
            seconds=time.monotonic() - started,
            **_counts(outcome),
        )
        return job
    except ValidationError as exc:
        _finish(
            job,
            phase,
            status=JobStatus.VALIDATED,
            message=_file_problem(exc),
            seconds=time.monotonic() - started,
        )
        return job
    except ahead.HelperFailed:
        logger.warning("import %s: the child process reading the file failed", job.pk, exc_info=True)
        _finish(
            job, phase, status=JobStatus.FAILED, message=_unreadable(), seconds=time.monotonic() - started
        )
        return job
    except IntegrityError:
        # Rows the check found new were written by someone else meanwhile (a unique key refused them).
        logger.info("import %s: a concurrent write conflicted with the save", job.pk, exc_info=True)
        _finish(job, phase, status=JobStatus.FAILED, message=_conflict(), seconds=time.monotonic() - started)
        return job
    except Exception:
        _finish(
            job,
            phase,
            status=JobStatus.FAILED,
            message=_(
                "Saving failed and nothing was saved. Try again; if it fails again, tell the administrator."
            ),
            seconds=time.monotonic() - started,
        )
        raise
    finally:
        writer.close()
    return job


# ---------------------------------------------------------------- the error report


def _mask_id_cell(value: Any) -> Any:
    """A typed ID number as the pages show a stored one (core.masking), whatever was typed: a wrong
    number is as personal as a right one."""
    code = normalize_code(value)
    if not code:
        return value
    return mask_id_number(code[:6]) if len(code) >= 10 else ID_HIDDEN


def _mask_phone_cell(value: Any) -> Any:
    digits = normalize_code(value).removeprefix("+86")
    if not digits:
        return value
    return mask_phone(digits[:3], digits[-4:]) if len(digits) >= 7 else PHONE_HIDDEN


# Columns every sheet names this way hold personal identifiers: never shown whole in a report.
MASKED_COLUMNS = {"id_number": _mask_id_cell, "phone": _mask_phone_cell}


def _cells(job: ImportJob, data: bytes) -> Iterator[list[Any]]:
    """Every row of the file as cells; a workbook parsed in a child process with a memory limit (as the
    check does)."""

    def batches() -> Iterator[list[list[Any]]]:
        opened = open_rows(job.file_name, data, job.file_format)
        batch: list[list[Any]] = []
        for cells in opened.rows:
            batch.append(list(cells))
            if len(batch) >= 5000:
                yield batch
                batch = []
        yield batch

    if ahead.can_fork() and job.file_format != "csv":
        source = ahead.run_ahead(batches(), memory_limit=settings.IMPORT_CHILD_MEMORY_BYTES)
    else:
        source = batches()
    with contextlib.closing(source):
        for batch in source:
            yield from batch


def error_report(job: ImportJob):
    """The uploaded rows as they were, each with its problems in a last column (a temporary file), with
    ID numbers and phones masked as the pages mask them, for every viewer: whoever typed the file has it.
    Raises ValidationError when the file is gone (purged) or cannot be read."""
    from careforce.imports.workbooks import report

    messages: dict[int, str] = {}
    for number, errors, warnings in ImportRow.objects.filter(job=job).values_list(
        "number", "errors", "warnings"
    ):
        parts = [f"{header or _('Row')}: {'；'.join(texts)}" for header, texts in errors.items()]
        parts += [_("Warning: %(text)s") % {"text": text} for text in warnings]
        messages[number] = "；".join(parts)
    data = files.read(job)
    rows = _cells(job, data)
    try:
        header = next(rows, [])
        spec = get_sheet(job.sheet)
        masks = [
            (position, MASKED_COLUMNS[column.key])
            for position, column in match_headers(header, spec).columns.items()
            if column.key in MASKED_COLUMNS
        ]

        def masked(cells: list[Any]) -> list[Any]:
            for position, mask in masks:
                if position < len(cells) and cells[position] not in (None, ""):
                    cells[position] = mask(cells[position])
            return cells

        return report(
            header, ((masked(cells), messages.get(number, "")) for number, cells in enumerate(rows, start=2))
        )
    except ahead.HelperFailed:
        raise ValidationError({"file": [_unreadable()]}) from None
    finally:
        rows.close()
