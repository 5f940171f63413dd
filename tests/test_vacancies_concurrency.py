"""Parallel hires for the last posts of a vacancy on PostgreSQL: the vacancy's row lock queues them, so
exactly as many are hired as there are posts, the rest are refused — never a deadlock, never more filled
than posts, never a worker without a hire."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from careforce.registry.models import Worker
from careforce.vacancies import services
from careforce.vacancies.models import Hire, VacancyStatus
from tests import factories_vacancies as fv

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under parallel transactions"),
]


def test_parallel_hires_fill_exactly_the_posts(city, home):
    vacancy = fv.vacancy(city, home, number=2)
    seekers = [fv.seeker(city) for _ in range(6)]
    barrier = threading.Barrier(len(seekers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def take(seeker):
        try:
            barrier.wait(30)
            services.hire(actor=city, vacancy=vacancy, seeker=seeker, data={})
            outcome = "ok"
        except ValidationError as exc:
            outcome = "refused" if "vacancy" in exc.message_dict else repr(exc.message_dict)
        except Exception as exc:  # a deadlock or a server error would land here
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=take, args=(s,)) for s in seekers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["ok", "ok", "refused", "refused", "refused", "refused"], outcomes
    vacancy.refresh_from_db()
    assert (vacancy.filled, vacancy.status) == (2, VacancyStatus.FILLED)
    assert Hire.objects.count() == 2 and Worker.objects.count() == 2
