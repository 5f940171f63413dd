"""Training-base and evaluation-body accounts, person pickers, reference lists in English and the minimum
study time of online lessons."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from careforce.core.models import AccessKind, District, RecordAccess, Role
from careforce.core.scope import Level, needs_second_factor, scope_of
from careforce.skills import services as skills_services
from careforce.skills.models import Certificate
from careforce.training import services
from careforce.training.models import EnrolmentStatus, LessonOpening
from tests import factories
from tests import factories_training as ft
from tests.scope.common import training_base

pytestmark = pytest.mark.django_db


@pytest.fixture
def bases(city):
    return training_base(city, "500103"), training_base(city, "500105")


def _base_session(city, base, **fields):
    course = ft.course(actor=city, title=fields.pop("title", "养老护理员岗前培训"))
    return ft.session(course=course, actor=city, base=base.pk, **fields)


# ---------------------------------------------------------------- accounts and scope


def test_the_new_roles_are_bound_to_their_base_or_body_and_sign_in_with_a_second_factor(city, bases):
    body = ft.evaluation_body(actor=city)
    base_user = factories.user(Role.TRAINING_BASE, training_base=bases[0])
    body_user = factories.user(Role.EVALUATION_BODY, evaluation_body=body)
    assert scope_of(base_user).level == Level.BASE and scope_of(base_user).training_base_id == bases[0].pk
    assert scope_of(body_user).level == Level.BODY and scope_of(body_user).evaluation_body_id == body.pk
    assert needs_second_factor(base_user) and needs_second_factor(body_user)
    with pytest.raises(ValidationError):
        factories.user(Role.TRAINING_BASE)  # a base account without its base


def test_a_base_sees_and_runs_only_the_sessions_held_at_it(client, city, bases):
    mine = _base_session(city, bases[0])
    other = _base_session(city, bases[1])
    account = factories.user(Role.TRAINING_BASE, training_base=bases[0])
    client.force_login(account)
    page = client.get(reverse("training:session_list")).content.decode()
    assert reverse("training:session_detail", args=[mine.pk]) in page
    assert reverse("training:session_detail", args=[other.pk]) not in page
    assert client.get(reverse("training:session_detail", args=[other.pk])).status_code == 404
    # A worker of another district goes on the city course held at the base (found by the base, masked).
    worker = factories.worker(at=factories.institution(actor=city, district_code="500105"), actor=city)
    services.enrolments_create(actor=account, session=mine, workers=[worker])
    assert mine.enrolments.get().worker == worker
    with pytest.raises(Http404):
        services.enrolments_create(actor=account, session=other, workers=[worker])
    # Its session stays at the base.
    with pytest.raises(ValidationError) as refused:
        services.session_update(actor=account, session=mine, data={"base": bases[1].pk})
    assert "base" in refused.value.message_dict
    # The registry is not the base's.
    assert client.get(reverse("registry:worker_detail", args=[worker.pk])).status_code == 404


def test_the_home_page_of_a_base_lists_its_sessions_waiting_for_results(client, city, bases):
    session = _base_session(
        city, bases[0], start_date=datetime.date(2025, 3, 1), end_date=datetime.date(2025, 3, 2)
    )
    worker = factories.worker(actor=city)
    services.enrolments_create(actor=city, session=session, workers=[worker])
    client.force_login(factories.user(Role.TRAINING_BASE, training_base=bases[0]))
    page = client.get(reverse("core:home")).content.decode()
    assert 'id="queue-sessions_awaiting_results"' in page and 'data-count="1"' in page
    listed = client.get(reverse("training:session_list") + "?awaiting=on").content.decode()
    assert reverse("training:session_detail", args=[session.pk]) in listed


# ---------------------------------------------------------------- evaluation bodies


def test_a_body_records_its_own_certificates_and_sees_only_those(client, city, home):
    body = ft.evaluation_body(actor=city)
    other = ft.evaluation_body(actor=city)
    worker = factories.worker(at=home, actor=city, name="欧阳娜娜")
    theirs = ft.certificate(factories.worker(at=home, actor=city), issuer=other)
    account = factories.user(Role.EVALUATION_BODY, evaluation_body=body)
    client.force_login(account)
    response = client.post(
        reverse("skills:certificate_create"),
        {
            "number": "CQ2025000123",
            "worker": "欧阳娜娜",
            "occupation": "care_worker",
            "level": "junior",
            "issued_on": "2025-05-01",
        },
    )
    assert response.status_code == 302, response.content.decode()
    cert = Certificate.objects.get(number="CQ2025000123")
    assert (cert.worker, cert.issuer) == (worker, body)
    assert client.get(reverse("skills:certificate_detail", args=[cert.pk])).status_code == 200
    assert client.get(reverse("skills:certificate_detail", args=[theirs.pk])).status_code == 404
    # Another body's name as issuer is refused; the range is the body's own.
    with pytest.raises(ValidationError) as refused:
        skills_services.certificate_issue(
            actor=account,
            data={
                "number": "X1",
                "worker": worker,
                "occupation": "care_worker",
                "level": "junior",
                "issuer": other.pk,
                "issued_on": "2025-05-01",
            },
        )
    assert "issuer" in refused.value.message_dict


def test_administrators_no_longer_record_certificates_for_the_bodies(client, city, home):
    ft.evaluation_body(actor=city)
    client.force_login(city)
    assert client.get(reverse("skills:certificate_create")).status_code == 404
    with pytest.raises(Http404):
        skills_services.certificate_issue(actor=city, data={"number": "X"})


# ---------------------------------------------------------------- person pickers


def test_the_picker_lists_masked_people_and_a_full_id_number_is_a_counted_lookup(client, city, home):
    id_number = factories.new_id_number()
    worker = factories.worker(at=home, actor=city, name="司马光明", id_number=id_number)
    client.force_login(city)
    url = reverse("registry:person_search")
    rows = client.get(url, {"q": "司马"}).json()["items"]
    assert rows == [
        {
            "key": str(worker.pk),
            "name": "司马光明",
            "id_number": worker.id_number_masked,
            "institution": home.name,
        }
    ]
    assert id_number not in str(rows)
    before = RecordAccess.objects.filter(kind=AccessKind.LOOKUP_ID).count()
    assert [r["key"] for r in client.get(url, {"q": id_number}).json()["items"]] == [str(worker.pk)]
    assert RecordAccess.objects.filter(kind=AccessKind.LOOKUP_ID).count() == before + 1
    client.force_login(factories.user(Role.WORKER, worker=worker))
    assert client.get(url, {"q": "司马"}).status_code == 404


def test_without_javascript_an_ambiguous_name_is_refused_with_a_clear_message(client, city, bases):
    session = _base_session(city, bases[0])
    factories.worker(actor=city, name="张伟")
    factories.worker(actor=city, name="张伟")
    account = factories.user(Role.TRAINING_BASE, training_base=bases[0])
    client.force_login(account)
    with translation.override("zh-hans"):
        response = client.post(
            reverse("training:session_enrol", args=[session.pk]), {"person": "张伟"}, follow=True
        )
    assert "多人" in response.content.decode() or "Several people" in response.content.decode()
    assert not session.enrolments.exists()
    one = factories.worker(actor=city, name="上官婉儿")
    client.post(reverse("training:session_enrol", args=[session.pk]), {"person": "shangguan"})
    assert list(session.enrolments.values_list("worker_id", flat=True)) == [one.pk]


# ---------------------------------------------------------------- English reference lists


def test_reference_rows_show_in_english_on_english_pages(client, city, home):
    worker = factories.worker(at=home, actor=city, occupation="care_worker")
    client.force_login(city)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert "Elderly care worker" in page and "Yuzhong District" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert "养老护理员" in page and "Elderly care worker" not in page
    assert District.objects.get(code="500103").name_en == "Yuzhong District"


def test_a_published_ranking_names_its_districts_in_english(client, city, home):
    from careforce.rankings import services as rankings

    today = timezone.localdate()
    draft = rankings.ranking_compute(
        actor=city, data={"period_kind": "month", "year": today.year, "number": today.month}
    )
    snapshot = rankings.ranking_publish(actor=city, ranking=draft)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("rankings:public_detail", args=[snapshot.pk])).content.decode()
    assert "Yuzhong District" in page


# ---------------------------------------------------------------- minimum time per online lesson


def test_a_lesson_marked_studied_seconds_after_opening_is_refused(client, city, home):
    worker = factories.worker(at=home, actor=city)
    account = factories.user(Role.WORKER, worker=worker)
    course = ft.course(kind="online", hours="1", title="防跌倒线上课", lesson_min_minutes="5")
    session = ft.session(course=course, end_date=timezone.localdate() + datetime.timedelta(days=30), venue="")
    lesson = services.lesson_add(actor=city, course=course, data={"title": "居家防跌倒", "minutes": 10})
    enrolment = services.online_enrol_self(actor=account, session=session)
    client.force_login(account)
    url = reverse("training:learning", args=[enrolment.pk])
    client.post(url, {"lesson": lesson.pk, "action": "open"})
    opening = LessonOpening.objects.get(enrolment=enrolment, lesson=lesson)
    with translation.override("zh-hans"):
        page = client.post(url, {"lesson": lesson.pk, "action": "done"}, follow=True).content.decode()
    assert "本课时至少需学习 5 分钟，还需 5 分钟" in page
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    # The API is held to the same server-side clock.
    api = client.post(
        f"/api/v1/training/enrolments/{enrolment.pk}/progress",
        {"lesson": lesson.pk},
        content_type="application/json",
    )
    assert api.status_code == 422
    # Opening again does not move the start; once the minimum has passed, it counts.
    LessonOpening.objects.filter(pk=opening.pk).update(
        opened_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    client.post(url, {"lesson": lesson.pk, "action": "open"})
    client.post(url, {"lesson": lesson.pk, "action": "done"})
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    # The course list still shows the course, with its progress, after completion.
    learn = client.get(reverse("training:learn")).content.decode()
    assert "防跌倒线上课" in learn and "1/1" in learn


def test_the_pages_of_the_new_roles_open_and_the_registry_does_not(client, city, bases):
    body = ft.evaluation_body(actor=city)
    client.force_login(factories.user(Role.TRAINING_BASE, training_base=bases[0]))
    for name in ("core:home", "training:overview", "training:session_list", "training:base_list"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("training:base_detail", args=[bases[0].pk])).status_code == 200
    assert client.get(reverse("indicators:home")).status_code == 404
    menu = client.get(reverse("core:home")).content.decode()
    # The import is in its menu: the results of its own sessions (tests/test_training_base_imports.py).
    assert reverse("registry:worker_list") not in menu and reverse("imports:job_list") in menu
    client.force_login(factories.user(Role.EVALUATION_BODY, evaluation_body=body))
    for name in ("core:home", "skills:overview", "skills:expiring", "skills:certificate_create"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("training:overview")).status_code == 404
    assert client.get(reverse("registry:person_search"), {"q": "张"}).status_code == 200


def test_a_body_imports_its_certificates_and_sees_its_own_import_only(city, home):
    from careforce.imports import services as imports
    from careforce.imports.selectors import jobs_visible_to

    worker = factories.worker(at=home, actor=city, name="张三")
    body = ft.evaluation_body(actor=city)
    account = ft.body_account(body)
    text = f"证书编号,身份证号码,姓名,职业,等级,评价机构,发证日期\nB9,{worker.reveal_id_number()},张三,养老护理员,初级工,,2024-01-01\n"
    job = imports.import_upload(
        actor=account, sheet="certificates", file_name="c.csv", data=text.encode("utf-8-sig")
    )
    job.refresh_from_db()
    assert job.rows_new == 1, job.message
    assert job.scope_key == f"body:{body.pk}"
    assert list(jobs_visible_to(account)) == [job]
    other = ft.body_account(ft.evaluation_body(actor=city))
    assert not jobs_visible_to(other).exists()
    with pytest.raises(Http404):
        imports.import_upload(actor=account, sheet="workers", file_name="r.csv", data=b"x")
