"""Two schemes paid to the same people at once, on PostgreSQL: the people paid are counted once whatever
the order of commits, and the kept figures equal the records."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from careforce.core.models import District
from careforce.incentives import metrics, services
from tests import factories
from tests import factories_training as ft

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions: PostgreSQL"),
]


def _scheme(city, code: str):
    return services.scheme_create(
        actor=city,
        data={
            "code": code,
            "name": code,
            "kind": "one_off_skill",
            "amounts": {"2": 500},
            "starts_on": datetime.date(2024, 1, 1),
            "notice_days": 0,
        },
    )


def test_two_schemes_paid_at_once_count_each_person_once():
    city = factories.city_admin()
    at = factories.institution(actor=city, district_code="500103")
    for i in range(5):
        ft.certificate(factories.worker(actor=city, at=at, name=f"张{i}"), level="junior", actor=city)
    runs = []
    for code in ("a", "b"):
        run = services.run_eligibility(actor=city, scheme=_scheme(city, code), period="2026-11")
        services.approve_all(actor=city, run=run)
        runs.append(run)
    inserted, go = threading.Event(), threading.Event()
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

    holder = threading.Thread(target=pay, args=(runs[0], inserted, go))
    holder.start()
    assert inserted.wait(30)
    racer = threading.Thread(target=pay, args=(runs[1],))  # commits first, counting the five as new
    racer.start()
    racer.join(30)
    go.set()  # the holder counts after the racer committed: nobody new
    holder.join(30)
    assert not errors
    district = District.objects.get(code="500103").pk
    assert metrics.people([district]) == {district: 5}
    assert metrics.differences() == []
