"""Time bank: a sign-in for a volunteer who is not a registry worker (one-time link), the rewards page,
and the notice of hours about to expire."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from careforce.core.models import AuditEvent, Role
from careforce.timebank import selectors
from careforce.timebank.models import Reward, Rules, Unit, Volunteer
from tests import factories
from tests.factories_timebank import deposit, site, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return {"site": site(city), "vol": volunteer(city)}


def test_a_district_admin_gives_a_sign_in_by_a_one_time_link(client, city, world):
    admin = factories.user(Role.DISTRICT_ADMIN, district=world["vol"].district)
    client.force_login(admin)
    response = client.post(reverse("timebank:account_create", args=[world["vol"].pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    link = re.search(r"http://testserver(/timebank/activate/[^<\s]+)", response.content.decode()).group(1)
    vol = Volunteer.objects.select_related("account").get(pk=world["vol"].pk)
    assert vol.account.role == Role.NONE and not vol.account.has_usable_password()
    assert AuditEvent.objects.filter(object_id=str(vol.account.pk)).exists()
    # A second account for the same volunteer is refused.
    again = client.post(reverse("timebank:account_create", args=[vol.pk]), follow=True)
    assert "already signs in" in again.content.decode() or "已" in again.content.decode()
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"activate-form" in form.content
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(set_url, {"new_password1": "Shui-Lian-2026!x", "new_password2": "Shui-Lian-2026!x"})
    assert done.status_code == 302
    vol.account.refresh_from_db()
    assert vol.account.check_password("Shui-Lian-2026!x")
    # The link works once.
    assert b"activate-form" not in client.get(link, follow=True).content
    client.force_login(vol.account)
    assert client.get(reverse("timebank:me")).status_code == 200
    # The account opens nothing else.
    assert client.get(reverse("timebank:volunteer_list")).status_code in (403, 404)


def test_an_admin_of_another_district_or_an_auditor_cannot_give_a_sign_in(client, city, world):
    other = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500112"))
    auditor = factories.user(Role.AUDITOR)
    for user in (other, auditor):
        client.force_login(user)
        assert client.post(reverse("timebank:account_create", args=[world["vol"].pk])).status_code == 404
    assert Volunteer.objects.get(pk=world["vol"].pk).account_id is None


def test_points_buy_a_reward_from_the_catalogue_and_show_in_the_list(client, city, world):
    deposit(city, world["vol"], world["site"], "3")  # 30 points
    reward = Reward.objects.create(name="理发券（一次）", points=Decimal("20"))
    client.force_login(city)
    url = reverse("timebank:volunteer_detail", args=[world["vol"].pk])
    page = client.get(url).content.decode()
    assert "理发券（一次） · 20" in page and 'id="reward-form"' in page
    response = client.post(
        reverse("timebank:redemption_create", args=[world["vol"].pk]), {"reward": reward.pk}
    )
    assert response.status_code == 302
    assert selectors.balance(world["vol"], Unit.POINTS) == Decimal("10")
    assert "理发券（一次）" in client.get(url).content.decode().split('id="redemptions"')[1]
    # Not enough points left: the form says so, nothing moves.
    refused = client.post(
        reverse("timebank:redemption_create", args=[world["vol"].pk]), {"reward": reward.pk}
    )
    assert refused.status_code == 200 and "余额不足" in refused.content.decode()
    assert selectors.balance(world["vol"], Unit.POINTS) == Decimal("10")


def test_the_volunteer_is_told_of_hours_expiring_within_30_days(client, city, world):
    Rules.objects.update(expiry_months=12)
    then = timezone.localdate() - datetime.timedelta(days=350)
    moment = timezone.make_aware(datetime.datetime.combine(then, datetime.time(9)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        deposit(city, world["vol"], world["site"], "2", served_on=then.isoformat())
    client.force_login(city)
    page = client.get(reverse("timebank:volunteer_detail", args=[world["vol"].pk])).content.decode()
    assert 'id="expiring"' in page


def test_the_statement_page_pages_by_entry_and_costs_the_same_queries_however_long(client, city, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        deposit(city, world["vol"], world["site"], "1")
    client.force_login(city)
    url = reverse("timebank:statement_page", args=[world["vol"].pk])
    client.get(url)  # the account's permissions and device are then known (core/account_cache.py)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert 'id="balance">3.00<' in page and page.count("<tr>") == 4  # header + 3 entries
    for _ in range(60):
        deposit(city, world["vol"], world["site"], "1")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few)
    assert page.count("<tr>") == 51 and "&amp;before=" in page
    older = re.search(r'href="\?unit=hours&amp;before=(\d+)"', page).group(1)
    rest = client.get(url, {"before": older}).content.decode()
    assert rest.count("<tr>") == 1 + 13 and "&amp;before=" not in rest
    points = client.get(url, {"unit": "points"}).content.decode()
    assert 'id="balance">630.00<' in points


def test_a_volunteer_reads_their_own_statement_and_nobody_elses(client, city, world):
    deposit(city, world["vol"], world["site"], "2")
    account = factories.user(Role.NONE)
    Volunteer.objects.filter(pk=world["vol"].pk).update(account=account)
    client.force_login(account)
    assert 'id="balance">2.00<' in client.get(reverse("timebank:my_statement")).content.decode()
    other = volunteer(city, name="别人")
    assert client.get(reverse("timebank:statement_page", args=[other.pk])).status_code == 404


def test_the_activation_link_sets_no_official_accounts_password(client, city):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(city.pk))
    link = reverse("timebank:account_activate", args=[uid, default_token_generator.make_token(city)])
    assert b"activate-form" not in client.get(link, follow=True).content
