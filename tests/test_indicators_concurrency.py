"""Several writers at once, on PostgreSQL: each transaction brings the facts up to date with its own change
before it commits (under the facts' lock), so the counters are exact whatever the order of commits —
including a transaction that took its audit id first and commits last."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from careforce.registry.services import employment_end, worker_transfer, worker_update
from tests import factories
from tests.factories_indicators import district, months_ago
from tests.test_indicators_facts import JIANGBEI, YUZHONG, assert_exact

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row and advisory locks: PostgreSQL"),
]


def _in_thread(work, started: threading.Event | None = None, go: threading.Event | None = None):
    errors: list[BaseException] = []

    def run():
        try:
            with transaction.atomic():
                work()
                if started is not None:
                    started.set()
                if go is not None:
                    assert go.wait(30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_late_commit_and_concurrent_writers_keep_the_counters_exact(city):
    h = factories.institution(actor=city, district_code=YUZHONG, name="幸福院")
    j = factories.institution(actor=city, district_code=JIANGBEI, name="康乐院")
    people = [factories.worker(at=h, actor=city, name=f"甲{n}", start=months_ago(10)) for n in range(6)]
    assert_exact(YUZHONG, JIANGBEI, None)

    # The first writer changes a person, then holds its transaction open (its audit id is the lowest).
    started, go = threading.Event(), threading.Event()
    late, late_errors = _in_thread(
        lambda: worker_update(actor=city, worker=people[0], data={"education": "college"}), started, go
    )
    assert started.wait(30), late_errors
    # Meanwhile others transfer, end posts and change people of the same districts, and commit first.
    others = [
        _in_thread(
            lambda: worker_transfer(
                actor=city,
                worker=people[1],
                data={"institution": j.pk, "post": "护理员", "start_date": months_ago(1)},
            )
        ),
        _in_thread(
            lambda: employment_end(actor=city, employment=people[2].employments.get(), end_date=months_ago(2))
        ),
        _in_thread(
            lambda: worker_update(
                actor=city, worker=people[3], data={"occupation": "social_worker", "team": "professional"}
            )
        ),
    ]
    for thread, _errors in others:
        thread.join(60)
    assert not any(thread.is_alive() for thread, _errors in others)  # nobody waits on the open one
    go.set()
    late.join(60)
    assert not late.is_alive()
    for errors in [late_errors, *(e for _t, e in others)]:
        assert errors == []
    assert_exact(YUZHONG, JIANGBEI, None)
    assert district(YUZHONG).pk != district(JIANGBEI).pk
