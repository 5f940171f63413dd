"""`careforce import FILE --as USERNAME [--sheet workers] [--commit] [--report OUT.xlsx]`

Checks a roster file exactly as the upload page does (the same job, the same sheet, the same services),
with a progress bar in the terminal; with --commit, checks and saves in one pass, saving nothing unless
every row is correct."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from careforce.core.models import User
from careforce.imports import engine, services
from careforce.imports.models import ImportJob, ImportRow, JobStatus


class Bar:
    """A one-line progress bar on stderr (redrawn at most ten times a second)."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        width = max(10, min(40, shutil.get_terminal_size((80, 20)).columns - 50))
        fraction = done / total if total else 1.0
        filled = int(width * fraction)
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {fraction:4.0%} {rate:,.0f} rows/s"
        )
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Check (and with --commit save) a roster file: .xlsx, .xls or .csv."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="the account the import acts as")
        parser.add_argument("--sheet", default="workers")
        parser.add_argument("--commit", action="store_true", help="save the rows when none has an error")
        parser.add_argument("--report", help="write the error report (xlsx) to this path")
        parser.add_argument("--language", default="zh-hans")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            actor = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"no account {options['username']!r}") from None
        with translation.override(options["language"]):
            try:
                return self._run(path, actor, options)
            except DatabaseError:
                # Another import or a colleague writing the same records or the same area at this moment;
                # the engine has rolled everything back. One line, not a traceback.
                raise CommandError(
                    _(
                        "Nothing was saved: another import in the same area or of the same people ran at the same time. Try again."
                    )
                ) from None

    def _bar(self, label: str, options):
        return None if options["quiet"] else Bar(label, self.stderr._out)

    def _run(self, path: Path, actor: User, options) -> None:
        try:
            job = services.import_upload(
                actor=actor,
                sheet=options["sheet"],
                file_name=path.name,
                data=path.read_bytes(),
                background=False,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except Exception as exc:
            if exc.__class__.__name__ == "Http404":
                raise CommandError("this account may not import this sheet") from None
            raise
        if options["commit"]:
            # One pass: the commit classifies and validates every row itself and saves nothing if any
            # row has an error (then the rows' errors are listed, as after a check).
            services.import_commit(actor=actor, job=job, background=False, unchecked=True)
            bar = self._bar("import", options)
            engine.commit(job, echo=bar)
        else:
            bar = self._bar("check ", options)
            engine.check(job, echo=bar)
        if bar:
            bar.finish()
        job.refresh_from_db()
        self._summary(job)
        if options["report"] and (job.rows_error or job.rows_warning):
            with engine.error_report(job) as report, open(options["report"], "wb") as out:
                shutil.copyfileobj(report, out)
            self.stdout.write(f"error report: {options['report']}")
        if job.status == JobStatus.COMMITTED:
            return
        if job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise CommandError(job.message.replace("\n", " "))
        if options["commit"] or job.rows_error or job.message:
            raise CommandError(_("Nothing was saved."))

    def _summary(self, job: ImportJob) -> None:
        self.stdout.write(
            f"job {job.pk} {job.get_status_display()}: {job.rows_total} rows — new {job.rows_new}, "
            f"update {job.rows_update}, no change {job.rows_unchanged}, error {job.rows_error}, "
            f"warnings {job.rows_warning} ({job.seconds:.1f} s)"
        )
        if job.message:
            self.stdout.write(job.message)
        for row in ImportRow.objects.filter(job=job, status="error").order_by("number")[:20]:
            for header, texts in row.errors.items():
                self.stdout.write(f"  row {row.number} {header}: {'；'.join(texts)}")
