"""Concurrent withdrawals from one account on PostgreSQL: the account row lock queues them, so exactly as
many succeed as the balance allows and the rest are refused as insufficient balance — never a deadlock,
never a negative balance."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections

from careforce.timebank import selectors, services
from careforce.timebank.models import OrderStatus, Rules, ServiceOrder
from tests.factories_timebank import deposit, site, volunteer

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under parallel transactions"),
]


def test_it_lets_exactly_the_balance_through_under_parallel_withdrawals(city):
    Rules.objects.update(daily_limit_hours=Decimal("100"), min_withdrawal_age=0)
    at = site(city)
    who = volunteer(city)
    for _ in range(2):
        deposit(city, who, at, "5")
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def withdraw():
        try:
            barrier.wait(30)
            services.order_request(
                actor=city, volunteer=who, data={"site": at.pk, "kind": "meals", "hours": "1"}
            )
            outcome = "ok"
        except ValidationError as exc:
            outcome = exc.code if exc.code == "insufficient_balance" else repr(exc.message_dict)
        except Exception as exc:  # a deadlock or a server error would land here
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=withdraw) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(set(outcomes)) == ["insufficient_balance", "ok"], outcomes
    assert outcomes.count("ok") == 10
    assert ServiceOrder.objects.filter(status=OrderStatus.REQUESTED).count() == 10
    assert selectors.balance(who) == 0
    assert services.reconcile() == []
    call_command("timebank_reconcile")
