"""Import jobs over their life: files encrypted at rest and purged, dead workers, cancelling, the masked
error report and the command line's conflict message."""

from __future__ import annotations

import datetime
import re
import threading

import openpyxl
import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from careforce.core import crypto
from careforce.core.models import AuditEvent, District, Role
from careforce.imports import engine, files, services, tasks
from careforce.imports.models import ImportFile, ImportJob, ImportLock, JobStatus
from careforce.imports.roster import WorkerRosterSheet
from careforce.registry.models import Worker
from tests import factories
from tests.factories_imports import FIXTURES, commit, fixture_institutions, upload
from tests.fixtures.make_fixtures import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(city):
    return fixture_institutions(city)


def _raw_file(job: ImportJob) -> bytes:
    """The column as the database holds it, past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM imports_importfile WHERE job_id = %s", [job.pk])
        return bytes(cursor.fetchone()[0])


# ---------------------------------------------------------------- files at rest


def test_the_stored_file_holds_no_plaintext_id_number(city, places):
    data = (FIXTURES / "roster_gbk.csv").read_bytes()
    job = upload(city, "roster_gbk.csv", data)
    raw = _raw_file(job)
    numbers = re.findall(rb"\d{17}[\dX]", data)
    assert numbers and not any(number in raw for number in numbers)
    # the layout: a header naming the suite and key, a 12-byte nonce, the ciphertext, a 16-byte tag
    assert "姓名".encode("gb18030") not in raw and len(raw) == len(data) + crypto.HEADER_BYTES + 12 + 16
    assert files.read(job) == data
    stored = ImportFile.objects.get(job=job)
    assert (stored.size, len(stored.sha256), stored.purged_at) == (len(data), 64, None)


def test_a_file_encrypted_for_one_job_does_not_decrypt_as_another(city, places):
    first = upload(city, "roster_gbk.csv")
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    second = upload(official, "roster.xls")
    ImportFile.objects.filter(job=second).update(data=_raw_file(first))
    with pytest.raises(InvalidTag):
        files.read(second)


def test_saving_purges_the_file_and_keeps_hash_size_and_counts(city, places):
    job = commit(city, upload(city, "roster_gbk.csv"))
    stored = ImportFile.objects.get(job=job)
    assert job.status == JobStatus.COMMITTED and job.rows_new == 2
    assert bytes(stored.data) == b"" and stored.purged_at is not None
    assert stored.size > 0 and len(stored.sha256) == 64


def test_files_of_unfinished_imports_are_purged_after_the_retention_days(city, places, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    old, recent = upload(city, "with_error.csv"), None
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    recent = upload(official, "with_error.csv")
    assert tasks.imports_housekeeping.call() == {"dead": 0, "purged": 1}
    assert ImportFile.objects.get(job=old).purged_at and not ImportFile.objects.get(job=recent).purged_at
    response = _client(city).get(reverse("imports:job_report", args=[old.pk]), follow=True)
    assert "report-link" not in response.content.decode() and "已删除" in response.content.decode()


def test_the_migration_encrypts_files_stored_before(city, places):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("careforce.imports.migrations.0003_import_file_encrypted_heartbeat_cancel")
    data = (FIXTURES / "roster_gbk.csv").read_bytes()
    job = upload(city, "roster_gbk.csv", data)
    ImportFile.objects.filter(job=job).update(data=data, sha256="", size=0)  # as stored before
    migration.encrypt_stored_files(apps, None)
    assert not any(n in _raw_file(job) for n in re.findall(rb"\d{17}[\dX]", data))
    assert files.read(job) == data
    migration.encrypt_stored_files(apps, None)  # again: nothing changes
    assert files.read(job) == data


def test_stored_files_rotate_with_the_key_ring(city, places, settings):
    import base64
    import os

    from careforce.core import crypto

    data = (FIXTURES / "roster_gbk.csv").read_bytes()
    job = upload(city, "roster_gbk.csv", data)
    new_key = base64.b64encode(os.urandom(32)).decode()
    settings.PII_KEYS = f"2:{new_key},{settings.PII_KEYS}"
    call_command("rotate_pii_keys", verbosity=0)
    assert crypto.key_id_of(_raw_file(job)) == 2
    settings.PII_KEYS = f"2:{new_key}"
    assert files.read(job) == data


# ---------------------------------------------------------------- dead workers and cancelling


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)  # with the second factor passed (tests/conftest.py)
    return client


def test_a_job_whose_heartbeat_stopped_is_failed_and_frees_its_area(city, places, settings):
    settings.IMPORT_DEAD_AFTER_SECONDS = 30
    job = upload(city, "roster_gbk.csv")
    stale = timezone.now() - datetime.timedelta(seconds=31)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.VALIDATING, heartbeat_at=stale)
    alive = upload(
        factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103")), "roster.xls"
    )
    ImportJob.objects.filter(pk=alive.pk).update(status=JobStatus.COMMITTING, heartbeat_at=timezone.now())
    assert tasks.imports_housekeeping.call()["dead"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "意外" in job.message
    assert ImportJob.objects.get(pk=alive.pk).status == JobStatus.COMMITTING
    assert upload(city, "roster_gbk.csv").status == JobStatus.VALIDATED  # the area is free


def test_housekeeping_is_a_periodic_task_of_the_worker():
    from careforce.core import periodic

    registered = {p.task.module_path for p in periodic.registered()}
    assert tasks.imports_housekeeping.module_path in registered


def test_a_running_job_beats_its_heartbeat(city, places):
    job = upload(city, "roster_gbk.csv")
    assert job.heartbeat_at is not None and job.heartbeat_at > timezone.now() - datetime.timedelta(minutes=1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the heartbeat thread writes on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_goes_on_while_a_step_makes_no_progress(city, places, settings, monkeypatch):
    """A long stretch without progress (a big sheet being decoded, say) still beats, from the thread."""
    import time

    settings.IMPORT_HEARTBEAT_SECONDS = 0.05
    beats = []
    real = WorkerRosterSheet.classify

    def slow(self, rows, ctx):
        for _ in range(2):
            beats.append(ImportJob.objects.values_list("heartbeat_at", flat=True).get())
            time.sleep(0.5)
        return real(self, rows, ctx)

    monkeypatch.setattr(WorkerRosterSheet, "classify", slow)
    assert upload(city, "roster_gbk.csv").status == JobStatus.VALIDATED
    assert beats[1] > beats[0]


def test_an_administrator_cancels_a_stuck_job_which_frees_the_area_and_is_audited(city, places):
    job = upload(city, "roster_gbk.csv")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.VALIDATING)
    client = _client(city)
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "cancel-button" in page
    client.post(reverse("imports:job_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert ImportFile.objects.get(job=job).purged_at is not None
    event = AuditEvent.objects.get(object_type="imports.importjob", object_id=job.pk)
    assert event.actor == city and event.changes == {"status": ["validating", "cancelled"]}
    assert upload(city, "roster_gbk.csv").status == JobStatus.VALIDATED
    # An ended job cannot be cancelled again.
    response = client.post(reverse("imports:job_cancel", args=[job.pk]), follow=True)
    assert "已结束" in response.content.decode()


def test_the_api_cancels_a_checked_job_waiting_to_be_saved(city, places):
    job = upload(city, "roster_gbk.csv")
    assert job.can_cancel and job.status == JobStatus.VALIDATED
    answer = _client(city).post(f"/api/v1/imports/{job.pk}/cancel", content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    with pytest.raises(ValidationError):  # a cancelled job cannot be saved
        commit(city, ImportJob.objects.get(pk=job.pk))
    assert Worker.objects.count() == 0


def test_a_cancel_during_the_check_stops_it(city, places, monkeypatch):
    """The worker finds the cancel at its next progress mark, and stores nothing of the run."""
    real = WorkerRosterSheet.classify

    def cancelled_meanwhile(self, rows, ctx):
        job = ImportJob.objects.get(scope_key="city", status=JobStatus.VALIDATING)
        services.import_cancel(actor=city, job=job)
        return real(self, rows, ctx)

    monkeypatch.setattr(WorkerRosterSheet, "classify", cancelled_meanwhile)
    job = upload(city, "roster_gbk.csv")
    assert job.status == JobStatus.CANCELLED and job.rows_total == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: a cancel waits")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cancel_during_the_save_rolls_it_back(city, places, monkeypatch):
    """An administrator cancels from another connection while the rows are being written: the save finds
    the job cancelled before its end and rolls everything back."""
    job = upload(city, "roster_gbk.csv")
    real = WorkerRosterSheet.commit

    def cancelled_meanwhile(self, rows, ctx):
        real(self, rows, ctx)

        def cancel() -> None:
            try:
                services.import_cancel(actor=city, job=job)
            finally:
                connection.close()  # this thread's own connection

        other = threading.Thread(target=cancel)
        other.start()
        other.join()

    monkeypatch.setattr(WorkerRosterSheet, "commit", cancelled_meanwhile)
    job = commit(city, job)
    assert job.status == JobStatus.CANCELLED
    assert Worker.objects.count() == 0


def test_a_cancel_after_the_save_is_refused(city, places):
    job = commit(city, upload(city, "roster_gbk.csv"))
    with pytest.raises(ValidationError) as caught:
        services.import_cancel(actor=city, job=job)
    assert "已结束" in caught.value.messages[0]
    assert Worker.objects.count() == 2


# ---------------------------------------------------------------- the error report


def test_the_error_report_masks_id_numbers_and_phones_for_every_viewer(city, places):
    header = "姓名,身份证号码,手机号码,学历,户籍类型,人员类别,职业,来源渠道,机构统一社会信用代码,岗位,入职日期,离职日期,是否签订劳动合同"
    good, bad = person(31), person(32)[:-1]
    lines = [
        header,
        f"甲,{good},13912345678,高中,农村,,养老护理员,其他,,,,,",
        f"乙,{bad},1391234,不知道,农村,,养老护理员,其他,,,,,",
    ]
    job = upload(city, "masked.csv", ("\n".join(lines) + "\n").encode())
    assert job.rows_error >= 1
    rows = list(openpyxl.load_workbook(engine.error_report(job)).active.iter_rows(values_only=True))
    text = repr(rows)
    assert good not in text and bad not in text and "13912345678" not in text and "1391234" not in text
    assert rows[1][1].startswith(good[:6]) and "*" in rows[1][1] and "*" in rows[1][2]
    assert rows[1][0] == "甲"  # names and other cells as typed
    # The page's list of rows shows no full number either.
    page = _client(city).get(reverse("imports:job_detail", args=[job.pk]) + "?status=error")
    assert bad not in page.content.decode() and good not in page.content.decode()


# ---------------------------------------------------------------- the command line


def test_the_command_line_prints_one_line_on_a_concurrent_conflict(city, places, monkeypatch):
    """Another save takes the area's lock row at the same moment (a unique-key conflict in the
    database): the command says so in one line, in Chinese, and exits non-zero; nothing is saved."""
    real = WorkerRosterSheet.commit

    def another_save_meanwhile(self, rows, ctx):
        real(self, rows, ctx)
        ImportLock.objects.create(scope_key="city")  # the row this save holds: IntegrityError

    monkeypatch.setattr(WorkerRosterSheet, "commit", another_save_meanwhile)
    with pytest.raises(CommandError) as caught:
        call_command("import", str(FIXTURES / "roster_gbk.csv"), "--as", city.username, "--commit", "--quiet")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message and "同时" in message
    assert ImportJob.objects.get().status == JobStatus.FAILED
    assert Worker.objects.count() == 0


def test_the_command_line_says_the_area_is_busy_in_one_line(city, places):
    busy = upload(city, "roster_gbk.csv")
    ImportJob.objects.filter(pk=busy.pk).update(status=JobStatus.VALIDATING, heartbeat_at=timezone.now())
    with pytest.raises(CommandError) as caught:
        call_command("import", str(FIXTURES / "roster.xls"), "--as", city.username, "--quiet")
    assert "另有导入正在进行" in str(caught.value) and "\n" not in str(caught.value)


def test_the_error_report_of_a_purged_file_is_refused_with_a_message(city, places):
    job = upload(city, "with_error.csv")
    files.purge([job.pk])
    with pytest.raises(ValidationError) as caught:
        engine.error_report(job)
    assert "已删除" in " ".join(caught.value.messages)
