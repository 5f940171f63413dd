"""Big imports prepare their rows in a forked helper process (careforce/imports/ahead.py).

The helper must change nothing but the speed: the same preview, the same rows written, the same audit;
it may not touch the database, and when it fails the import saves nothing."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from careforce.core.models import AuditEvent
from careforce.imports import ahead, engine
from careforce.imports.models import ImportJob, ImportRow, JobStatus
from careforce.imports.roster import WorkerRosterSheet
from careforce.imports.sheets import Row
from careforce.registry import bulk
from careforce.registry.models import Employment, Worker
from careforce.registry.services import Prepared, Registration
from tests import factories
from tests.factories_imports import commit, fixture_institutions, upload
from tests.fixtures.make_fixtures import JIANGBEI, YUZHONG_A, YUZHONG_B, person

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号码,手机号码,学历,户籍类型,人员类别,职业,来源渠道,机构统一社会信用代码,岗位,入职日期,离职日期,是否签订劳动合同"


@pytest.fixture
def places(city):
    return fixture_institutions(city)


@pytest.fixture
def helper_calls(monkeypatch):
    """How many times the import went through the helper (the real one: this only counts). The helper
    works ahead with the sheet's shared objects; the child that only parses the file (every import) is
    not counted."""
    calls = []
    real = ahead.run_ahead

    def counted(*args, **kwargs):
        if "shared" in kwargs:
            calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ahead, "run_ahead", counted)
    return calls


def _mixed_roster(places) -> bytes:
    """New people, an update, a duplicate, bad cells, a post without an institution, no post at all."""
    rows = [
        f"张三,{person(1)},13812345678,高中,农村,,养老护理员,其他,{YUZHONG_A},护理员,2024-05-01,,是",
        f"李四,{person(2)},,大学本科,城镇,专业技术人才,社会工作者,其他,{YUZHONG_B},社工,2024/5/1,,Y",
        f"王五,{person(3)},139 1234 5678,初中,农村,,养老护理员,农村转移劳动力,{YUZHONG_A},护理员,2023.3.1,2024.1.31,否",
        f"赵六,{person(4)},,中专,农村,,养老护理员,其他,{YUZHONG_A},护理员,2022-01-01,,是",  # in the registry
        f"张三,{person(1)},,高中,农村,,养老护理员,其他,{YUZHONG_A},护理员,2024-05-01,,是",  # duplicate
        f"孙七,{person(5)[:-1]}0,,博士后,农村,,宇航员,其他,{YUZHONG_A},护理员,2099-01-01,,也许",  # bad cells
        f"周八,{person(6)},,高中,农村,,养老护理员,其他,,护理员,2024-05-01,,是",  # a post, no institution
        f"吴九,{person(7)},,高中,农村,,养老护理员,其他,{JIANGBEI},护理员,2024-05-01,,是",
        f"郑十,{person(8)},,高中,农村,,养老护理员,其他,,,,,",  # no post, and no district to file it under
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _preview(job: ImportJob) -> tuple:
    rows = ImportRow.objects.filter(job=job).order_by("number")
    return (
        (job.status, job.rows_new, job.rows_update, job.rows_unchanged, job.rows_error, job.rows_warning),
        [(r.number, r.status, r.label, r.errors, r.warnings, r.changes) for r in rows],
    )


def _contents() -> tuple:
    """What an import wrote, with ids replaced by the person (ids differ from run to run)."""
    person_of = dict(Worker.objects.values_list("id", "id_number_hash"))
    workers = sorted(
        Worker.objects.values_list(
            "id_number_hash", "name", "name_pinyin", "gender", "birth_date", "phone_hash", "education",
            "hukou_type", "team", "occupation_id", "district_id", "institution_id", "is_active",
        )
    )  # fmt: skip
    employments = sorted(
        (person_of[w], i, post, start, end, contract)
        for w, i, post, start, end, contract in Employment.objects.values_list(
            "worker_id", "institution_id", "post", "start_date", "end_date", "has_labour_contract"
        )
    )
    events = sorted(
        (person_of.get(w), kind, action, sorted(changes.items()))
        for w, kind, action, changes in AuditEvent.objects.filter(worker_id__isnull=False).values_list(
            "worker_id", "object_type", "action", "changes"
        )
    )
    return workers, employments, events


class _Undo(Exception):
    pass


def _clean_roster() -> bytes:
    """New people in two districts (one whose post has ended) and an update of 赵六."""
    rows = [
        f"张三,{person(1)},13812345678,高中,农村,,养老护理员,其他,{YUZHONG_A},护理员,2024-05-01,,是",
        f"李四,{person(2)},,大学本科,城镇,专业技术人才,社会工作者,其他,{YUZHONG_B},社工,2024/5/1,,Y",
        f"王五,{person(3)},139 1234 5678,初中,农村,,养老护理员,农村转移劳动力,{YUZHONG_A},护理员,2023.3.1,2024.1.31,否",
        f"赵六,{person(4)},,中专,农村,,养老护理员,其他,{YUZHONG_A},护理员,2022-01-01,,是",
        f"吴九,{person(7)},,高中,农村,,养老护理员,其他,{JIANGBEI},护理员,2024-05-01,,是",
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _preview_of(actor, data: bytes, settings, *, ahead_rows: int) -> tuple:
    settings.IMPORT_AHEAD_MIN_ROWS = ahead_rows
    return _preview(upload(actor, "roster.csv", data))


def _commit_of(actor, data: bytes, settings, *, ahead_rows: int) -> tuple:
    """Preview and commit `data`, note what was written, and undo the commit."""
    settings.IMPORT_AHEAD_MIN_ROWS = ahead_rows
    job = upload(actor, "roster.csv", data)
    try:
        with transaction.atomic():
            commit(actor, job)
            outcome = (ImportJob.objects.get(pk=job.pk).status, _contents())
            raise _Undo
    except _Undo:
        pass
    return outcome


def test_the_helper_changes_nothing_but_the_speed(city, places, settings, helper_calls):
    factories.worker(at=places["a"], actor=city, name="赵六", id_number=person(4), education="junior_high")
    mixed = _mixed_roster(places)
    alone = _preview_of(city, mixed, settings, ahead_rows=10**9)
    assert helper_calls == []
    assert _preview_of(city, mixed, settings, ahead_rows=1) == alone
    assert len(helper_calls) == 1
    counts, rows = alone
    assert counts[:5] == (JobStatus.VALIDATED, 4, 1, 0, 4)
    # 张三 again, 孙七's cells, 周八's post without an institution, 郑十 with neither post nor district
    assert {number for number, status, *_rest in rows if status == "error"} == {6, 7, 8, 10}

    written_alone = _commit_of(city, _clean_roster(), settings, ahead_rows=10**9)
    written_helped = _commit_of(city, _clean_roster(), settings, ahead_rows=1)
    assert len(helper_calls) == 3  # and the preview and commit of the clean file
    assert written_helped == written_alone
    status, (workers, employments, events) = written_helped
    assert (status, len(workers), len(employments)) == (JobStatus.COMMITTED, 5, 5)
    assert "registry.worker" in {kind for _person, kind, action, _changes in events if action == "update"}


def test_a_clean_file_through_the_helper_is_saved_whole(city, places, settings, helper_calls):
    settings.IMPORT_AHEAD_MIN_ROWS = 1
    lines = [
        f"人{n},{person(100 + n)},,高中,农村,,养老护理员,其他,{YUZHONG_A if n % 2 else YUZHONG_B},护理员,2024-05-01,,是"
        for n in range(1, 41)
    ]
    job = commit(city, upload(city, "clean.csv", ("\n".join([HEADER, *lines]) + "\n").encode()))
    assert (job.status, job.rows_new) == (JobStatus.COMMITTED, 40)
    assert Worker.objects.count() == Employment.objects.count() == 40
    assert AuditEvent.objects.filter(object_type="registry.worker", action="create").count() == 40
    assert len(helper_calls) == 2


def _snapshot() -> tuple:
    return Worker.objects.count(), Employment.objects.count(), AuditEvent.objects.count()


def test_the_helper_may_not_query_and_the_import_then_saves_nothing(
    city, places, settings, monkeypatch, helper_calls
):
    settings.IMPORT_AHEAD_MIN_ROWS = 1
    job = upload(city, "roster.csv", _clean_roster())
    before = _snapshot()

    def querying_prepare(self, rows, ctx):
        Worker.objects.count()  # what a careless sheet might do

    monkeypatch.setattr(WorkerRosterSheet, "prepare", querying_prepare)
    commit(city, job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert _snapshot() == before  # and the parent's own connection still answers
    assert helper_calls


def test_a_helper_that_dies_fails_the_import_and_saves_nothing(city, places, settings, monkeypatch):
    settings.IMPORT_AHEAD_MIN_ROWS = 1
    job = upload(city, "roster.csv", _clean_roster())
    before = _snapshot()
    monkeypatch.setattr(WorkerRosterSheet, "prepare", lambda self, rows, ctx: os._exit(3))
    commit(city, job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert _snapshot() == before
    assert not multiprocessing.active_children()


def test_results_come_back_in_order_with_the_parents_own_shared_objects(places):
    shared = list(places.values())
    results = ahead.run_ahead(((n, shared[n % 3], {"n": n}) for n in range(5)), shared=shared)
    got = list(results)
    assert [n for n, _obj, _d in got] == list(range(5))
    assert all(obj is shared[n % 3] for n, obj, _d in got)


def test_stopping_early_stops_the_helper(places):
    results = ahead.run_ahead(iter(range(1000)))
    assert next(results) == 0
    results.close()
    assert not multiprocessing.active_children()


def test_the_helper_reports_what_stopped_it():
    def failing(n):
        if n == 2:
            raise ValueError("bad row")
        return n

    results = ahead.run_ahead(failing(n) for n in range(5))
    assert [next(results), next(results)] == [0, 1]
    with pytest.raises(ahead.HelperFailed, match="ValueError: bad row"):
        next(results)


def test_a_file_problem_found_by_the_helper_reaches_the_parent_as_itself():
    def reading():
        yield 1
        raise ValidationError({"file": ["文件第 3 行起无法读取。"]})

    results = ahead.run_ahead(reading())
    assert next(results) == 1
    with pytest.raises(ValidationError) as caught:
        next(results)
    assert caught.value.message_dict == {"file": ["文件第 3 行起无法读取。"]}


def test_with_a_helper_only_the_helper_opens_the_file(city, places, settings, monkeypatch, helper_calls):
    """A workbook's decoded sheet is the biggest thing in a big xlsx import: one process holds it."""
    settings.IMPORT_AHEAD_MIN_ROWS = 1
    parent = os.getpid()
    real = engine.open_rows

    def open_in_helper_only(*args, **kwargs):
        assert os.getpid() != parent, "the importing process opened the file itself"
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "open_rows", open_in_helper_only)
    job = commit(city, upload(city, "roster.xlsx", _clean_roster_xlsx()))
    assert (job.status, job.rows_new, job.rows_update) == (JobStatus.COMMITTED, 5, 0)
    assert len(helper_calls) == 2


def test_a_missing_column_reads_the_same_with_the_helper(city, places, settings):
    data = _clean_roster().replace("身份证号码".encode(), "证件".encode())
    settings.IMPORT_AHEAD_MIN_ROWS = 10**9
    alone = upload(city, "roster.csv", data)
    settings.IMPORT_AHEAD_MIN_ROWS = 1
    helped = upload(city, "roster.csv", data)
    assert "身份证号码" in alone.message
    assert (helped.status, helped.message) == (alone.status, alone.message)
    assert helped.rows_new == helped.rows_error == 0


def _clean_roster_xlsx() -> bytes:
    import csv
    import io

    from openpyxl import Workbook

    book = Workbook()
    for line in csv.reader(io.StringIO(_clean_roster().decode())):
        book.active.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="copies in the background are PostgreSQL's")
def test_a_write_that_fails_in_the_background_fails_the_import_and_saves_nothing(
    city, places, settings, monkeypatch
):
    settings.IMPORT_AHEAD_MIN_ROWS = 1
    job = upload(city, "roster.csv", _clean_roster())
    before = _snapshot()
    real = bulk._copy

    def failing_for_employments(cursor, sql, values):
        if "registry_employment" in sql:
            raise RuntimeError("the disk is full")
        real(cursor, sql, values)

    monkeypatch.setattr(bulk, "_copy", failing_for_employments)
    commit(city, job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert _snapshot() == before


@pytest.mark.parametrize("kind", [Row, Registration, Prepared])
def test_what_crosses_the_pipe_keeps_every_field(kind):
    """These pickle as their fields in order (cheaper); a field added later must not be lost on the way."""
    original = kind(**{f.name: f"value of {f.name}" for f in dataclasses.fields(kind)})
    assert pickle.loads(pickle.dumps(original)) == original
