"""The worker's online course on a phone: the lesson page says how long each lesson must stay open (the
course sets nothing, so its hours spread over its lessons), a "studied" sent right after opening is refused
with the minutes to go, and once the time has passed the lesson counts and the course completes."""

import datetime

import pytest
from playwright.sync_api import expect

from careforce.core.models import Role
from careforce.training import services
from careforce.training.models import Enrolment, EnrolmentStatus
from tests import factories
from tests import factories_training as ft
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_worker_is_held_to_the_lessons_minimum_time_then_completes_the_course(page, live_server):
    city = factories.city_admin("shiju")
    home = factories.institution(actor=city, district_code="500103", name="渝中区幸福养老院")
    worker = factories.worker(at=home, actor=city, name="何大英")
    account = factories.user(Role.WORKER, worker=worker)
    course = ft.course(actor=city, kind="online", hours="1", title="居家防跌倒（线上）")
    session = ft.session(
        course=course, actor=city, end_date=datetime.date.today() + datetime.timedelta(days=30), venue=""
    )
    lesson = services.lesson_add(actor=city, course=course, data={"title": "跌倒风险评估", "minutes": 20})
    enrolment = services.online_enrol_self(actor=account, session=session)

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, account.username)
    page.goto(f"{live_server.url}/training/learn/{enrolment.pk}/")
    # 1 class hour × 45 minutes over its one lesson.
    expect(page.locator("#lesson-minimum")).to_contain_text("45 分钟")
    item = page.locator(f"#lesson-{lesson.pk}")
    item.get_by_role("button").click()  # open the lesson
    item.get_by_role("button").click()  # "studied" at once
    expect(page.locator(".messages .alert-danger")).to_contain_text("本课时至少需学习 45 分钟")
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED

    ft.time_passes(enrolment, 45)
    page.reload()
    page.locator(f"#lesson-{lesson.pk}").get_by_role("button").click()
    expect(page.locator("body")).to_contain_text("课程已完成")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
