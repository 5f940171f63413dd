"""Two payment batches at once, on PostgreSQL: the partial unique index makes the second skip what the
first pays, whatever the order of commits — nobody is paid twice."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from careforce.incentives import services
from careforce.incentives.models import Payment, PaymentBatch
from tests import factories
from tests import factories_training as ft

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions: PostgreSQL"),
]


def test_two_concurrent_batches_pay_each_worker_once():
    city = factories.city_admin()
    at = factories.institution(actor=city)
    workers = [factories.worker(actor=city, at=at, name=f"张{i}") for i in range(5)]
    for worker in workers:
        ft.certificate(worker, level="junior", actor=city)
    scheme = services.scheme_create(
        actor=city,
        data={
            "code": "race",
            "name": "一次性技能补贴",
            "kind": "one_off_skill",
            "amounts": {"2": 500},
            "starts_on": datetime.date(2024, 1, 1),
            "notice_days": 0,
        },
    )
    runs = [services.run_eligibility(actor=city, scheme=scheme, period=p) for p in ("2026-11", "2026-12")]
    for run in runs:
        services.approve_all(actor=city, run=run)
    first_inserted, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def pay(run, started=None, wait=None):
        try:
            with transaction.atomic():
                services.pay(actor=city, run=run)
                if started is not None:
                    started.set()
                if wait is not None:
                    assert wait.wait(30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    holder = threading.Thread(target=pay, args=(runs[0], first_inserted, go))
    holder.start()
    assert first_inserted.wait(30)
    # The second batch inserts while the first has not committed: it waits on the index entries.
    racer = threading.Thread(target=pay, args=(runs[1],))
    racer.start()
    racer.join(1)
    assert racer.is_alive()
    go.set()
    holder.join(30)
    racer.join(30)
    assert not errors
    assert Payment.objects.count() == 5
    assert sorted(PaymentBatch.objects.values_list("paid_count", flat=True)) == [0, 5]
