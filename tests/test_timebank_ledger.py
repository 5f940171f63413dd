"""The time bank's ledger and its services: two entries summing to zero, append-only, never negative,
credited once, rules as data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404

from careforce.core.models import District, Role
from careforce.timebank import selectors, services
from careforce.timebank.models import (
    Account,
    AccountKind,
    Entry,
    Movement,
    MovementKind,
    OrderStatus,
    RecordStatus,
    Reward,
    Rules,
    Unit,
)
from tests import factories
from tests.factories_timebank import deposit, site, volunteer

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(city):
    return {"site": site(city), "vol": volunteer(city)}


def test_it_credits_a_verified_record_in_two_entries_that_sum_to_zero(city, world):
    record = deposit(city, world["vol"], world["site"], "2.5")
    assert record.status == RecordStatus.CREDITED
    assert selectors.balance(world["vol"]) == D("2.5")
    assert selectors.balance(world["vol"], Unit.POINTS) == D("25")  # companionship: 10 points an hour
    movement = Movement.objects.get(source_key=f"record:{record.pk}:hours")
    amounts = sorted(movement.entries.values_list("amount", flat=True))
    assert amounts == [D("-2.5"), D("2.5")]
    assert services.reconcile() == []


def test_it_refuses_update_and_delete_of_entries_and_movements(city, world):
    deposit(city, world["vol"], world["site"])
    for model in (Entry, Movement):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all().update(memo="x") if model is Movement else model.objects.all().update(
                amount=D("99")
            )
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all()._raw_delete(model.objects.db)
    assert Entry.objects.count() == 4


def test_it_refuses_zero_and_negative_amounts(city, world):
    source = services.system_account(AccountKind.SOURCE, Unit.HOURS)
    account = services.person_account(world["vol"], Unit.HOURS)
    for amount in ("0", "-1"):
        with pytest.raises(ValidationError), transaction.atomic():
            services.post(
                kind="deposit", from_account=source, to_account=account, amount=D(amount), actor=city
            )
    movement = Movement.objects.create(kind="deposit", unit="hours", amount=D("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            movement=movement, account=account, amount=D("0"), balance_after=0, at=movement.at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Movement.objects.create(kind="deposit", unit="hours", amount=D("0"))


def test_a_person_balance_cannot_go_negative_even_past_the_service(city, world):
    deposit(city, world["vol"], world["site"], "1")
    account = services.person_account(world["vol"], Unit.HOURS)
    held = services.system_account(AccountKind.HELD, Unit.HOURS)
    with pytest.raises(ValidationError) as caught, transaction.atomic():
        services.post(kind="hold", from_account=account, to_account=held, amount=D("1.5"), actor=city)
    assert caught.value.code == "insufficient_balance"
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=D("-1"))


def test_a_record_above_the_threshold_waits_for_a_second_check_by_another_official(city, world):
    record = deposit(city, world["vol"], world["site"], "9")
    assert record.status == RecordStatus.DISTRICT_CHECK
    assert selectors.balance(world["vol"]) == 0
    with pytest.raises(ValidationError):
        services.record_check(actor=city, record=record)
    other_district = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    with pytest.raises(Http404):
        services.record_check(actor=other_district, record=record)
    checker = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    record = services.record_check(actor=checker, record=record)
    assert record.status == RecordStatus.CREDITED
    assert selectors.balance(world["vol"]) == D("9")


def test_the_threshold_is_data(city, world):
    Rules.objects.update(district_check_above_hours=D("20"))
    assert deposit(city, world["vol"], world["site"], "9").status == RecordStatus.CREDITED


def test_an_import_run_twice_credits_each_record_once(city, world):
    rows = [
        {
            "source_key": f"batch-{n}",
            "volunteer_id_number": services.crypto.decrypt(
                world["vol"].id_number_encrypted, context=b"volunteer.id_number"
            ),
            "site": world["site"].code,
            "kind": "meals",
            "recipient": "张爷爷",
            "served_on": "2026-10-02",
            "hours": "1",
        }
        for n in range(5)
    ]
    rows.append({**rows[0], "source_key": "bad", "hours": "30"})
    first = services.records_import(actor=city, rows=rows)
    assert (first.created, first.skipped, list(first.errors)) == (5, 0, [6])
    assert "hours" in first.errors[6]
    again = services.records_import(actor=city, rows=rows)
    assert (again.created, again.skipped) == (0, 5)
    assert selectors.balance(world["vol"]) == D("5")
    assert services.reconcile() == []


def test_hours_above_the_cap_go_to_the_public_pool(city, world):
    Rules.objects.update(cap_hours=D("3"))
    deposit(city, world["vol"], world["site"], "2")
    deposit(city, world["vol"], world["site"], "2")
    assert selectors.balance(world["vol"]) == D("3")
    assert services.system_account(AccountKind.POOL, Unit.HOURS).balance == D("1")
    assert services.reconcile() == []


def test_withdrawal_for_oneself_needs_the_minimum_age_a_relative_may_be_served(city, world):
    young = volunteer(city, name="小周", birth=datetime.date(2000, 1, 1))
    deposit(city, young, world["site"], "4")
    data = {"site": world["site"].code, "kind": "care", "hours": "1"}
    with pytest.raises(ValidationError) as caught:
        services.order_request(actor=city, volunteer=young, data=data)
    assert "relative" in caught.value.message_dict
    mother = services.relative_register(
        actor=city,
        volunteer=young,
        data={"name": "周母", "relationship": "parent", "id_number": factories.new_id_number()},
    )
    order = services.order_request(actor=city, volunteer=young, data={**data, "relative": mother.pk})
    assert selectors.balance(young) == D("3")
    order = services.order_deliver(actor=city, order=order)
    order = services.order_confirm(actor=city, order=order)
    assert order.status == OrderStatus.CONFIRMED
    assert services.system_account(AccountKind.REDEEMED, Unit.HOURS).balance == D("1")
    assert services.system_account(AccountKind.HELD, Unit.HOURS).balance == 0
    assert services.reconcile() == []


def test_daily_limit_and_cancellation(city, world):
    Rules.objects.update(daily_limit_hours=D("2"))
    deposit(city, world["vol"], world["site"], "5")
    data = {"site": world["site"].pk, "kind": "meals", "hours": "2"}
    order = services.order_request(actor=city, volunteer=world["vol"], data=data)
    with pytest.raises(ValidationError, match="2"):
        services.order_request(actor=city, volunteer=world["vol"], data={**data, "hours": "0.5"})
    services.order_cancel(actor=city, order=order)
    assert selectors.balance(world["vol"]) == D("5")
    # A cancelled order frees the day's limit.
    services.order_request(actor=city, volunteer=world["vol"], data=data)


def test_insufficient_balance_is_a_clear_refusal(city, world):
    deposit(city, world["vol"], world["site"], "1")
    with pytest.raises(ValidationError) as caught:
        services.order_request(
            actor=city, volunteer=world["vol"], data={"site": world["site"].pk, "kind": "meals", "hours": "2"}
        )
    assert caught.value.code == "insufficient_balance"
    assert "hours" in caught.value.message_dict


def test_transfer_to_a_relative_who_volunteers_donation_and_points(city, world):
    deposit(city, world["vol"], world["site"], "4")
    spouse_id = factories.new_id_number()
    spouse = volunteer(city, name="配偶", id_number=spouse_id)
    relative = services.relative_register(
        actor=city,
        volunteer=world["vol"],
        data={"name": "配偶", "relationship": "spouse", "id_number": spouse_id},
    )
    assert relative.as_volunteer == spouse
    services.transfer(actor=city, volunteer=world["vol"], data={"relative": relative.pk, "hours": "1.5"})
    services.donate(actor=city, volunteer=world["vol"], data={"hours": "0.5"})
    assert (selectors.balance(world["vol"]), selectors.balance(spouse)) == (D("2"), D("1.5"))
    reward = Reward.objects.create(name="理发券", points=D("30"))
    services.redeem_reward(actor=city, volunteer=world["vol"], data={"reward": reward.pk})
    assert selectors.balance(world["vol"], Unit.POINTS) == D("10")
    with pytest.raises(ValidationError):
        services.redeem_reward(actor=city, volunteer=world["vol"], data={"reward": reward.pk})
    assert services.reconcile() == []


def test_a_correction_is_a_reversal_never_an_edit(city, world):
    record = deposit(city, world["vol"], world["site"], "2")
    movement = Movement.objects.get(source_key=f"record:{record.pk}:hours")
    reversal = services.movement_reverse(actor=city, movement=movement, reason="重复登记")
    assert reversal.kind == MovementKind.REVERSAL and reversal.reverses == movement
    assert selectors.balance(world["vol"]) == 0
    with pytest.raises(ValidationError):
        services.movement_reverse(actor=city, movement=movement, reason="again")
    assert services.reconcile() == []


def test_reconcile_finds_a_balance_that_differs_from_its_entries(city, world):
    deposit(city, world["vol"], world["site"], "2")
    Account.objects.filter(kind=AccountKind.PERSON, unit=Unit.HOURS).update(balance=D("3"))
    assert any("balance 3.00" in problem for problem in services.reconcile())


def test_the_public_pool_grants_what_it_holds_and_no_more(city, world):
    deposit(city, world["vol"], world["site"], "3")
    services.donate(actor=city, volunteer=world["vol"], data={"hours": "2"})
    needy = volunteer(city, name="困难老人")
    services.pool_grant(actor=city, volunteer=needy, data={"hours": "1.5", "reason": "失能老人"})
    assert selectors.balance(needy) == D("1.5")
    with pytest.raises(ValidationError) as caught:
        services.pool_grant(actor=city, volunteer=needy, data={"hours": "1", "reason": "再次"})
    assert caught.value.code == "insufficient_balance"
    other_district = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    with pytest.raises(Http404):
        services.pool_grant(actor=other_district, volunteer=needy, data={"hours": "0.5", "reason": "x"})
    assert services.reconcile() == []
