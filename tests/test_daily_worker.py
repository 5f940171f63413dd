"""Officials' findings on the worker's phone pages and on naming people: online courses in the worker's
menu with their progress and completions; forms that take a record number name the person."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careforce.core.models import Role
from careforce.training import services
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


def test_the_worker_finds_online_courses_in_the_menu_and_sees_progress_then_completion(client, city, home):
    worker = factories.worker(at=home, actor=city)
    account = factories.user(Role.WORKER, worker=worker)
    course = ft.course(kind="online", hours="3", title="失智照护线上课")
    session = ft.session(
        course=course, end_date=datetime.date.today() + datetime.timedelta(days=30), venue=""
    )
    first = services.lesson_add(actor=city, course=course, data={"title": "认识失智", "minutes": 10})
    second = services.lesson_add(actor=city, course=course, data={"title": "沟通技巧", "minutes": 15})
    client.force_login(account)

    home_page = client.get(reverse("core:home"), follow=True).content.decode()
    assert f'href="{reverse("training:learn")}"' in home_page and 'id="nav-learn"' in home_page

    enrolment = services.online_enrol_self(actor=account, session=session)
    ft.study(account, enrolment, first)
    page = client.get(reverse("training:learn")).content.decode()
    assert "已完成 1 / 2 节课" in page

    ft.study(account, enrolment, second)
    page = client.get(reverse("training:learn")).content.decode()
    assert f"已于 {datetime.date.today():%Y-%m-%d} 完成" in page and "失智照护线上课" in page


def test_the_certificate_form_is_the_bodys_own_with_no_issuer_list_to_fill(client, city, home):
    # The body records the certificates it issues as itself: no issuer list that could be empty, and the
    # holder is chosen by name, pinyin or ID with the person picker (tests/test_roles.py), never a record number.
    body = ft.evaluation_body(actor=city)
    client.force_login(ft.body_account(body))
    page = client.get(reverse("skills:certificate_create")).content.decode()
    assert 'name="issuer"' not in page and 'name="worker"' in page
    client.force_login(city)
    assert client.get(reverse("skills:certificate_create")).status_code == 404


def test_the_enrolment_confirmation_names_the_people_enrolled(client, city, home):
    workers = [factories.worker(at=home, actor=city, name=name) for name in ("欧阳娜娜", "司马光")]
    session = ft.session(actor=city, start_date=datetime.date.today(), end_date=datetime.date.today())
    client.force_login(city)
    response = client.post(
        reverse("training:session_enrol", args=[session.pk]), {"institution": str(home.pk)}, follow=True
    )
    said = " ".join(str(m) for m in response.context["messages"])
    assert "欧阳娜娜" in said and "司马光" in said and len(workers) == 2
