"""Expiry of deposited hours: oldest hours spent first, each expiry once, nothing without a rule."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from careforce.timebank import expiry, selectors, services
from careforce.timebank.models import Account, AccountKind, Movement, MovementKind, Rules, Unit
from tests.factories_timebank import deposit, site, volunteer

pytestmark = pytest.mark.django_db
D = Decimal


def _at(day: datetime.date):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def world(city):
    Rules.objects.update(expiry_months=12)
    return {"site": site(city), "vol": volunteer(city)}


def test_months_before_keeps_the_day_or_the_months_last_day():
    assert expiry.months_before(datetime.date(2026, 12, 7), 12) == datetime.date(2025, 12, 7)
    assert expiry.months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert expiry.months_before(datetime.date(2026, 1, 15), 13) == datetime.date(2024, 12, 15)


def test_without_a_rule_nothing_expires(city):
    vol, where = volunteer(city), site(city)
    deposit(city, vol, where, "3")
    assert expiry.expire_hours(timezone.localdate() + datetime.timedelta(days=4000)) == (0, D("0"))
    assert selectors.balance(vol) == D("3")


def test_old_hours_not_spent_expire_oldest_first_once(city, world):
    vol, where = world["vol"], world["site"]
    with _at(datetime.date(2024, 1, 10)):
        deposit(city, vol, where, "5", served_on="2024-01-09")
    with _at(datetime.date(2024, 6, 1)):
        services.donate(actor=city, volunteer=vol, data={"hours": "2"})  # spends 2 of the oldest 5
    with _at(datetime.date(2025, 3, 1)):
        deposit(city, vol, where, "4", served_on="2025-02-28")
    # On 2025-02-01 the hours of 2024-01-10 are more than 12 months old: 5 - 2 spent = 3 expire.
    assert expiry.expire_hours(datetime.date(2025, 2, 1)) == (1, D("3"))
    assert selectors.balance(vol) == D("4")  # the later deposit stays
    # Run again the same day, or cut short and run again: nothing twice.
    assert expiry.expire_hours(datetime.date(2025, 2, 1)) == (0, D("0"))
    # A year after the second deposit its 4 hours expire, and nothing of the first again.
    assert expiry.expire_hours(datetime.date(2026, 3, 5)) == (1, D("4"))
    assert Movement.objects.filter(kind=MovementKind.EXPIRY).count() == 2
    assert Account.objects.get(kind=AccountKind.EXPIRED, unit=Unit.HOURS).balance == D("7")
    assert services.reconcile() == []


def test_recent_hours_do_not_expire_and_soon_expiring_hours_are_told(city, world):
    vol, where = world["vol"], world["site"]
    today = timezone.localdate()
    then = today - datetime.timedelta(days=350)
    with _at(then):
        deposit(city, vol, where, "2", served_on=then.isoformat())
    deposit(city, vol, where, "3")
    assert expiry.expire_hours(today) == (0, D("0"))
    account = selectors.account_of(vol)
    assert expiry.expiring_soon(account, days=30, on=today) == D("2")
    assert expiry.expiring_soon(account, days=10, on=today) == D("0")


def test_command_expires_for_a_given_day(city, world, capsys):
    with _at(datetime.date(2024, 1, 10)):
        deposit(city, world["vol"], world["site"], "1.5", served_on="2024-01-09")
    call_command("timebank_expire", "--date", "2025-06-01")
    assert "1.50 expired from 1 account" in capsys.readouterr().out
    assert selectors.balance(world["vol"]) == D("0")


def test_district_figures_are_kept_by_the_services_and_equal_the_records(city, world):
    from careforce.timebank import tally
    from careforce.timebank.models import DistrictTally

    vol, where = world["vol"], world["site"]
    Rules.objects.update(min_withdrawal_age=0)
    with _at(datetime.date(2024, 1, 10)):
        deposit(city, vol, where, "5", served_on="2024-01-09")
    deposit(city, vol, where, "3")
    services.donate(actor=city, volunteer=vol, data={"hours": "1"})
    kept = services.order_request(
        actor=city, volunteer=vol, data={"site": where.pk, "kind": "meals", "hours": "2"}
    )
    dropped = services.order_request(
        actor=city, volunteer=vol, data={"site": where.pk, "kind": "meals", "hours": "1"}
    )
    services.order_deliver(actor=city, order=kept)
    services.order_confirm(actor=city, order=kept)
    services.order_cancel(actor=city, order=dropped)
    expiry.expire_hours(datetime.date(2025, 6, 1))
    row = DistrictTally.objects.get(district=vol.district)
    assert (row.volunteers, row.deposited, row.withdrawn, row.open, row.donated, row.expired) == (
        1,
        D("8"),
        D("2"),
        D("0"),
        D("1"),
        D("1"),
    )  # expired: 5 old hours − 4 paid out since (donation 1, orders 2 + 1; the cancelled hour came back new)
    assert tally.differences() == [] and services.reconcile() == []
    figures = {r["district"].pk: r for r in selectors.district_figures(city)}[vol.district_id]
    assert figures["deposited"] == D("8") and figures["expired"] == D("1")
    # A tally changed behind the services' back is found by the reconciliation, and the rebuild repairs it.
    DistrictTally.objects.filter(pk=row.pk).update(deposited=D("99"))
    assert tally.differences() and services.reconcile()
    tally.rebuild()
    assert tally.differences() == []


def test_the_dashboard_reads_the_time_bank_figures_right_after_each_change(city, world):
    from careforce.indicators import selectors as indicators

    def reading(code):
        return {r.code: r for r in indicators.overview(city)["readings"]}[code].value

    deposit(city, world["vol"], world["site"], "2.5")
    assert reading("timebank_deposited") == D("2.5")
    assert reading("timebank_volunteers") == 1
    deposit(city, world["vol"], world["site"], "1")
    services.donate(actor=city, volunteer=world["vol"], data={"hours": "0.5"})
    assert reading("timebank_deposited") == D("3.5")
    assert reading("timebank_donated") == D("0.5")
