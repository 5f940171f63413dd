"""The pieces that make bulk writes fast: ids taken from the sequence, `__any_of`, rare collections."""

import contextlib
import datetime
import gc
import itertools

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from careforce.core import crypto
from careforce.core.gc_tuning import BULK_THRESHOLD, rare_collections
from careforce.core.models import District
from careforce.registry import bulk
from careforce.registry.models import Employment, Worker
from tests import factories

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the sequence and the array parameter are PostgreSQL's"
)


@postgresql_only
def test_ids_come_as_a_run_from_the_sequence():
    ids = bulk._allocate_ids(District, 500)
    assert ids == list(range(ids[0], ids[0] + 500))
    assert bulk._allocate_ids(District, 1)[0] > ids[-1]


@postgresql_only
def test_ids_that_are_not_a_run_come_whole():
    """Another session taking numbers meanwhile leaves gaps; each number given must be the one returned."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('core_district', 'id')")
        (sequence,) = cursor.fetchone()
        # ALTER SEQUENCE is transactional: the test's rollback undoes it.
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
    ids = bulk._allocate_ids(District, 50)
    assert len(ids) == 50 and ids == sorted(ids)
    assert {b - a for a, b in itertools.pairwise(ids)} == {3}


def test_any_of_finds_what_in_finds(city, home):
    workers = [factories.worker(at=home, actor=city) for _ in range(3)]
    hashes = [w.id_number_hash for w in workers[:2]] + [crypto.blind_index("nobody", purpose="id_number")]
    by_any = set(Worker.objects.filter(id_number_hash__any_of=hashes).values_list("pk", flat=True))
    by_in = set(Worker.objects.filter(id_number_hash__in=hashes).values_list("pk", flat=True))
    assert by_any == by_in == {workers[0].pk, workers[1].pk}
    assert not Worker.objects.filter(id_number_hash__any_of=[]).exists()
    assert set(Worker.objects.filter(pk__any_of=[workers[2].pk, None]).values_list("pk", flat=True)) == {
        workers[2].pk
    }


@postgresql_only
def test_any_of_sends_one_array_parameter():
    sql, params = Worker.objects.filter(id_number_hash__any_of=["a", "b", "c"]).query.sql_with_params()
    assert "= ANY(%s::text[])" in sql and '{"a","b","c"}' in params
    sql, params = Worker.objects.filter(pk__any_of=[3, 1]).query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql and "{3,1}" in params


def test_any_of_matches_text_that_an_array_literal_must_quote(city):
    awkward = ['他说"好"', "a,b", "{x}", "back\\slash", " spaced ", "NULL", ""]
    districts = [
        District.objects.create(code=f"9{n:05d}", name=name, kind="district")
        for n, name in enumerate(awkward)
    ]
    found = District.objects.filter(name__any_of=awkward).values_list("pk", flat=True)
    assert sorted(found) == sorted(d.pk for d in districts)


def test_rare_collections_nests_and_restores():
    before = gc.get_threshold()
    with rare_collections():
        with rare_collections():
            assert gc.get_threshold() == BULK_THRESHOLD
        assert gc.get_threshold() == BULK_THRESHOLD and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_any_of_on_a_foreign_key(city, home):
    worker = factories.worker(at=home, actor=city)
    found = Employment.objects.filter(worker_id__any_of=[worker.pk, worker.pk + 10_000])
    assert list(found) == list(worker.employments.all())
    assert list(Employment.objects.filter(worker__any_of=[worker])) == list(worker.employments.all())


def test_inserted_rows_get_the_ids_returned_in_order(city, home):
    """Both write paths (COPY, executemany): each id names the row given at its place, stamps included."""
    from careforce.core.models import AuditEvent

    AuditEvent.objects.create(action="create", object_type="x.y", object_id=1, object_repr="gone").delete()
    rows = [
        {
            "action": "create",
            "object_type": "test.thing",
            "object_id": n,
            "object_repr": f"thing {n}",
            "changes": {"name": [None, f"名{n}"]},
            "note": "",
        }
        for n in range(5)
    ]
    ids = bulk.insert_rows(AuditEvent, rows)
    stored = {e.pk: e for e in AuditEvent.objects.filter(object_type="test.thing")}
    assert sorted(stored) == ids and len(set(ids)) == 5
    for pk, row in zip(ids, rows, strict=True):
        event = stored[pk]
        assert (event.object_id, event.changes) == (row["object_id"], row["changes"])
        assert event.at is not None and event.at.tzinfo is not None
    # Stored as Django stores it (on SQLite: naive UTC text, so that time comparisons across rows hold).
    made_by_orm = AuditEvent.objects.create(
        action="create", object_type="test.orm", object_id=9, object_repr=""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT at FROM core_auditevent WHERE id IN (%s, %s) ORDER BY id", [ids[0], made_by_orm.pk]
        )
        bulk_at, orm_at = (str(value) for (value,) in cursor.fetchall())
    assert len(bulk_at) == len(orm_at) and ("+" in bulk_at) == ("+" in orm_at)


def _events(kind: str, count: int) -> list[dict]:
    return [
        {"action": "create", "object_type": kind, "object_id": n, "object_repr": f"{kind} {n}", "note": ""}
        for n in range(count)
    ]


@postgresql_only
def test_background_copies_are_in_place_before_the_next_query():
    from careforce.core.models import AuditEvent

    with transaction.atomic(), bulk.copies_in_background() as copies:
        assert copies is not None
        ids = bulk.insert_rows(AuditEvent, _events("test.background", 3000))
        more = bulk.insert_rows(AuditEvent, _events("test.more", 10))
        # the query waits for both copies, which were sent while this thread went on
        assert AuditEvent.objects.filter(object_type__startswith="test.").count() == 3010
    assert len(set(ids) | set(more)) == 3010 and min(more) > max(ids)


@postgresql_only
def test_a_background_copy_that_fails_stops_the_transaction_and_keeps_nothing(city, home):
    """Foreign keys are checked as each copy ends: an employment of nobody fails at the next query."""
    from careforce.core.models import AuditEvent

    before = (AuditEvent.objects.count(), Employment.objects.count())
    orphan = {"worker_id": 987654321, "institution_id": home.pk, "post": "护理员", "start_date": "2024-01-01"}
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.copies_in_background():
        bulk.insert_rows(AuditEvent, _events("test.first", 5))
        bulk.insert_rows(Employment, [orphan])
        bulk.insert_rows(AuditEvent, _events("test.after", 5))  # dropped: the transaction is lost
        Worker.objects.count()
    assert (AuditEvent.objects.count(), Employment.objects.count()) == before


@postgresql_only
def test_leaving_the_block_with_an_error_stops_the_thread_and_keeps_nothing():
    from careforce.core.models import AuditEvent

    with pytest.raises(ZeroDivisionError), transaction.atomic(), bulk.copies_in_background() as copies:
        bulk.insert_rows(AuditEvent, _events("test.dropped", 2000))
        raise ZeroDivisionError
    assert not copies.thread.is_alive()
    assert not AuditEvent.objects.filter(object_type="test.dropped").exists()
    assert bulk.insert_rows(AuditEvent, _events("test.sync", 1))  # back to writing at once


@postgresql_only
def test_savepoints_are_sent_after_the_copies_without_waiting_for_them(monkeypatch):
    """A service's own atomic block (a savepoint) does not hold the caller at its end; queries still wait."""
    from careforce.core.models import AuditEvent

    with transaction.atomic(), bulk.copies_in_background() as copies:
        waits = []
        real_wait = copies.wait
        monkeypatch.setattr(copies, "wait", lambda: (waits.append(1), real_wait())[1])
        with transaction.atomic():
            bulk.insert_rows(AuditEvent, _events("test.inner", 2000))
        with transaction.atomic():
            bulk.insert_rows(AuditEvent, _events("test.inner2", 10))
        assert waits == []  # two savepoints set and released, none waited for the copies
        assert AuditEvent.objects.filter(object_type__startswith="test.inner").count() == 2010
        assert waits == [1]


@postgresql_only
def test_rolling_back_to_a_savepoint_undoes_its_copies_only():
    from careforce.core.models import AuditEvent

    with transaction.atomic(), bulk.copies_in_background():
        bulk.insert_rows(AuditEvent, _events("test.kept", 3))
        with contextlib.suppress(ZeroDivisionError), transaction.atomic():
            bulk.insert_rows(AuditEvent, _events("test.undone", 2000))
            raise ZeroDivisionError
        bulk.insert_rows(AuditEvent, _events("test.kept", 2))
    assert AuditEvent.objects.filter(object_type="test.kept").count() == 5
    assert not AuditEvent.objects.filter(object_type="test.undone").exists()


@postgresql_only
def test_a_copy_error_caught_inside_the_block_is_raised_again_on_leaving_it(home):
    """The error of a background copy surfaces at whatever query comes next; code that catches it there
    (get_or_create catches IntegrityError) and rolls back to its savepoint must not go on without the
    copy's rows: leaving the block raises it again, and nothing is kept."""
    from careforce.core.models import AuditEvent

    before = (AuditEvent.objects.count(), Employment.objects.count())
    orphan = {"worker_id": 987654321, "institution_id": home.pk, "post": "护理员", "start_date": "2024-01-01"}
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.copies_in_background():
        with contextlib.suppress(IntegrityError), transaction.atomic():
            bulk.insert_rows(Employment, [orphan])
            AuditEvent.objects.create(action="create", object_type="test.x", object_id=1, object_repr="x")
        bulk.insert_rows(AuditEvent, _events("test.after", 3))  # not written: the copies stopped for good
        assert AuditEvent.objects.filter(object_type="test.after").count() == 0
    assert (AuditEvent.objects.count(), Employment.objects.count()) == before


@postgresql_only
def test_a_copy_failing_inside_a_savepoint_keeps_nothing(home):
    """The error surfaces at a later query, after the savepoint was (to Django) released: all is lost."""
    from careforce.core.models import AuditEvent

    before = (AuditEvent.objects.count(), Employment.objects.count())
    orphan = {"worker_id": 987654321, "institution_id": home.pk, "post": "护理员", "start_date": "2024-01-01"}
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.copies_in_background():
        with transaction.atomic():
            bulk.insert_rows(AuditEvent, _events("test.first", 5))
            bulk.insert_rows(Employment, [orphan])
        with transaction.atomic():
            Worker.objects.count()
    assert (AuditEvent.objects.count(), Employment.objects.count()) == before


def _stored(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get() | {"id": None}


@postgresql_only
def test_typed_rows_are_stored_as_the_text_format_stores_them(city, home, monkeypatch):
    """Binary COPY (typed=True) against text COPY, row for row, over every column of the three tables the
    registration writes: text with escapes and CJK, bytes, dates, aware datetimes, flags, keys, JSON."""
    from careforce.core.models import AuditEvent

    stamp = datetime.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    monkeypatch.setattr(bulk.timezone, "now", lambda: stamp)
    formats, copy = [], bulk._copy
    monkeypatch.setattr(bulk, "_copy", lambda *a: (formats.append("binary" if a[3] else "text"), copy(*a))[1])

    worker = factories.worker(at=home, actor=city)
    person = {
        f.attname: getattr(worker, f.attname) for f in Worker._meta.concrete_fields if not f.primary_key
    }
    person |= {"name": "王\t小\n明\\"}
    employment = {
        "worker_id": worker.pk, "institution_id": home.pk, "post": "护理员\t主管", "end_reason": "",
        "start_date": datetime.date(2024, 5, 1), "end_date": datetime.date(2025, 1, 31),
        "has_labour_contract": True, "is_part_time": False,
    }  # fmt: skip
    event = {
        "action": "create", "object_type": "test.typed", "object_id": 7, "object_repr": "王\\x",
        "changes": {"name": [None, '王"小"'], "n": [1, 2.5], "ok": [False, None]}, "note": "",
        "worker_id": worker.pk, "institution_id": None, "actor_id": city.pk,
    }  # fmt: skip
    # Unique columns differ between the two copies of the person; everything else is the same.
    unique = {"id_number_hash": "h" * 64, "phone_hash": "p" * 64}
    formats.clear()  # the factory's own registration above was typed too
    for model, values, second in [
        (Worker, person | unique, person | {"id_number_hash": "i" * 64, "phone_hash": "q" * 64}),
        (Employment, employment, employment),
        (AuditEvent, event, event),
    ]:
        (as_text,) = bulk.insert_rows(model, [values])
        (as_binary,) = bulk.insert_rows(model, [second], typed=True)
        text_row = _stored(model, as_text) | dict.fromkeys(unique if model is Worker else ())
        binary_row = _stored(model, as_binary) | dict.fromkeys(unique if model is Worker else ())
        assert binary_row == text_row, model.__name__
        assert binary_row["created_at" if model is not AuditEvent else "at"] == stamp
    assert formats == ["text", "binary"] * 3


@postgresql_only
def test_typed_rows_still_respect_column_lengths_and_keep_nothing_when_refused(city, home):
    from careforce.core.models import AuditEvent

    before = AuditEvent.objects.count()
    too_long = _events("test.long", 1)[0] | {"object_type": "x" * 41}
    with pytest.raises(DataError), transaction.atomic():
        bulk.insert_rows(AuditEvent, _events("test.fine", 3), typed=True)
        bulk.insert_rows(AuditEvent, [too_long], typed=True)
    assert AuditEvent.objects.count() == before


@postgresql_only
def test_typed_rows_of_the_wrong_type_fail_instead_of_being_guessed(city, home):
    """The contract of typed=True: a date given as text is refused (the text format would parse it)."""
    from careforce.core.models import AuditEvent

    worker = factories.worker(at=home, actor=city)
    loose = {
        "worker_id": worker.pk, "institution_id": home.pk, "post": "护理员",
        "start_date": "2024-01-01", "end_date": "2024-02-01",
    }  # fmt: skip
    before = Employment.objects.count()
    with (
        pytest.raises((TypeError, AttributeError, DataError)),
        transaction.atomic(),
        bulk.copies_in_background(),
    ):
        bulk.insert_rows(AuditEvent, _events("test.first", 2), typed=True)
        bulk.insert_rows(Employment, [loose], typed=True)
        Worker.objects.count()
    assert Employment.objects.count() == before
    assert bulk.insert_rows(Employment, [loose])  # the text format parses it


@postgresql_only
def test_every_column_of_every_model_has_a_binary_type():
    from django.apps import apps

    untyped = [m.__name__ for m in apps.get_models() if bulk._Layout(m, None).type_oids() is None]
    assert untyped == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="elsewhere than PostgreSQL")
def test_elsewhere_rows_are_written_at_once():
    from careforce.core.models import AuditEvent

    with transaction.atomic(), bulk.copies_in_background() as copies:
        assert copies is None
        bulk.insert_rows(AuditEvent, _events("test.now", 2))
        assert AuditEvent.objects.filter(object_type="test.now").count() == 2
