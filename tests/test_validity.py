"""Validity of certificates and trainings: a period per kind (data), valid_until, status (valid, expired,
suspended, revoked) with reason, date and who, renewal linked to the previous validity; the certification
rate counts only valid certificates (expiry applied by the daily roll, reads never write); the public
verification shows the status; expiring items are listed for their institutions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from careforce.core.models import AuditEvent, District, Role
from careforce.registry.models import Occupation
from careforce.skills import metrics, public, selectors, services, tally
from careforce.skills.models import CertificateRenewal, CertificateValidity, SkillLevel, add_months
from careforce.training import selectors as training_selectors
from careforce.training import services as training_services
from careforce.training.models import TrainingValidity
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the platform's day (Asia/Shanghai), not the machine's


def three_years_for_care_workers() -> None:
    CertificateValidity.objects.create(
        occupation=Occupation.objects.get(code="care_worker"), level=None, months=36
    )


def rate_of(home) -> tuple[int, int]:
    return metrics.certification_counts(by="institution", ids=[home.pk])[home.pk]


def test_the_defaults_are_data_loaded_by_the_migrations():
    assert CertificateValidity.objects.filter(occupation=None, level=None, months=None).exists()
    assert dict(TrainingValidity.objects.values_list("kind", "months")) == {
        "heads": 12,
        "in_service": 12,
        "pre_job": None,
        "transfer": None,
        "online": None,
    }


def test_add_months_keeps_the_day_or_ends_the_month():
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2024, 11, 15), 14) == datetime.date(2026, 1, 15)


def test_a_certificate_gets_its_kinds_validity_and_expires_by_the_date(city, home):
    worker = factories.worker(at=home, actor=city)
    never = ft.certificate(worker, issued_on=datetime.date(2021, 5, 1))
    assert never.valid_until is None and never.status_today == "valid"
    three_years_for_care_workers()
    # The most specific row wins: care worker at junior level, two years.
    CertificateValidity.objects.create(
        occupation=Occupation.objects.get(code="care_worker"),
        level=SkillLevel.objects.get(code="junior"),
        months=24,
    )
    junior = ft.certificate(worker, issued_on=datetime.date(2022, 3, 15))
    assert junior.valid_until == datetime.date(2024, 3, 14) and junior.status_today == "expired"
    found = public.verify(junior.number, worker.name)
    assert (found.status, found.valid_until, found.status_since) == ("expired", "2024-03-14", "2024-03-15")
    stated = ft.certificate(
        worker, level="intermediate", issued_on=datetime.date(2024, 6, 1), valid_until="2030-05-31"
    )
    assert stated.valid_until == datetime.date(2030, 5, 31)
    with pytest.raises(ValidationError) as exc:
        ft.certificate(worker, issued_on=datetime.date(2024, 6, 1), valid_until="2024-01-01")
    assert list(exc.value.message_dict) == ["valid_until"]


def test_the_rate_counts_only_valid_certificates_and_the_roll_applies_expiry(city, home):
    three_years_for_care_workers()
    worker = factories.worker(at=home, actor=city)
    issued = TODAY - datetime.timedelta(days=365 * 3 - 5)  # ends in about five days
    cert = ft.certificate(worker, issued_on=issued)
    assert rate_of(home) == (1, 1)
    # An expired certificate does not count from the day after its last valid day: the daily roll applies
    # it (a read never writes, so before the roll the tally is yesterday's).
    assert tally.roll_expired() == 0 and tally.roll_expired(today=cert.valid_until) == 0
    assert tally.roll_expired(today=cert.valid_until + datetime.timedelta(days=1)) == 1
    assert rate_of(home) == (0, 1)
    assert cert.status_on(cert.valid_until) == "valid"
    assert cert.status_on(cert.valid_until + datetime.timedelta(days=1)) == "expired"


def test_a_suspended_or_revoked_certificate_stops_counting_and_says_so(city, home, client):
    worker = factories.worker(at=home, actor=city)
    cert = ft.certificate(worker)
    with pytest.raises(ValidationError) as exc:
        services.certificate_suspend(actor=city, certificate=cert, reason="")
    assert list(exc.value.message_dict) == ["reason"]
    services.certificate_suspend(actor=city, certificate=cert, reason="涉嫌考核舞弊，调查中")
    cert.refresh_from_db()
    assert (cert.status, cert.suspended_on, cert.status_changed_by) == ("suspended", TODAY, city)
    assert rate_of(home) == (0, 1)
    found = public.verify(cert.number, worker.name)
    assert (found.status, found.status_since) == ("suspended", TODAY.isoformat())
    api = client.get(
        "/api/v1/skills/certificates/verify", {"number": cert.number, "name": worker.name}
    ).json()
    assert api["status"] == "suspended" and api["status_label"]
    page = client.get(reverse("skills:verify"), {"number": cert.number, "name": worker.name}).content.decode()
    assert 'data-status="suspended"' in page
    with pytest.raises(ValidationError):
        services.certificate_renew(actor=city, certificate=cert, data={})
    services.certificate_reinstate(actor=city, certificate=cert, reason="调查结束，未发现问题")
    assert rate_of(home) == (1, 1)
    services.certificate_revoke(actor=city, certificate=cert, reason="考核舞弊属实")
    assert rate_of(home) == (0, 1)
    assert public.verify(cert.number, worker.name).status == "revoked"
    changes = [e.changes.get("status") for e in AuditEvent.objects.filter(object_type="skills.certificate")]
    assert ["valid", "suspended"] in changes and ["valid", "revoked"] in changes


def test_renewal_moves_the_validity_on_and_keeps_the_previous(city, home):
    three_years_for_care_workers()
    worker = factories.worker(at=home, actor=city)
    cert = ft.certificate(worker, issued_on=TODAY - datetime.timedelta(days=365 * 3 - 30))
    old_end = cert.valid_until
    services.certificate_renew(actor=city, certificate=cert, data={"note": "复审合格"})
    cert.refresh_from_db()
    # Renewed before the end: the new period runs on from the day after the old end.
    assert cert.valid_until == add_months(old_end + datetime.timedelta(days=1), 36) - datetime.timedelta(
        days=1
    )
    renewal = CertificateRenewal.objects.get(certificate=cert)
    assert (renewal.previous_valid_until, renewal.valid_until, renewal.renewed_by) == (
        old_end,
        cert.valid_until,
        city,
    )
    event = AuditEvent.objects.filter(object_type="skills.certificate").latest("id")
    assert event.changes["valid_until"] == [old_end.isoformat(), cert.valid_until.isoformat()]
    # A kind that never expires has nothing to renew unless the certificate states a new end.
    forever = ft.certificate(worker, occupation="care_worker", level="intermediate")
    CertificateValidity.objects.all().delete()
    forever.valid_until = None
    with pytest.raises(ValidationError) as exc:
        services.certificate_renew(actor=city, certificate=forever, data={})
    assert list(exc.value.message_dict) == ["valid_until"]
    with pytest.raises(Http404):
        services.certificate_renew(
            actor=factories.user(Role.DISTRICT_ADMIN, district=home.district), certificate=cert, data={}
        )


def test_expiring_certificates_are_listed_for_their_institution_only(city, home, client):
    three_years_for_care_workers()
    other = factories.institution(actor=city, district_code="500105")
    soon = ft.certificate(
        factories.worker(at=home, actor=city), issued_on=TODAY - datetime.timedelta(days=365 * 3 - 20)
    )
    ft.certificate(factories.worker(at=home, actor=city), issued_on=TODAY - datetime.timedelta(days=200))
    elsewhere = ft.certificate(
        factories.worker(at=other, actor=city), issued_on=TODAY - datetime.timedelta(days=365 * 3 - 10)
    )
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    assert list(selectors.expiring_certificates(admin)) == [soon]
    assert list(selectors.expiring_certificates(city)) == [elsewhere, soon]
    assert list(selectors.expiring_certificates(admin, days=5)) == []
    worker_user = factories.user(Role.WORKER, worker=soon.worker)
    assert not selectors.expiring_certificates(worker_user).exists()
    client.force_login(admin)
    page = client.get(reverse("skills:expiring")).content.decode()
    assert soon.number in page and elsewhere.number not in page
    api = client.get("/api/v1/skills/certificates/expiring").json()
    assert [i["number"] for i in api["items"]] == [soon.number]
    district = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    client.force_login(district)
    assert [i["id"] for i in client.get("/api/v1/skills/certificates/expiring").json()["items"]] == [
        elsewhere.pk
    ]


def test_the_certificate_page_suspends_and_renews(city, home, client):
    three_years_for_care_workers()
    cert = ft.certificate(
        factories.worker(at=home, actor=city), issued_on=TODAY - datetime.timedelta(days=400)
    )
    client.force_login(city)
    page = client.get(reverse("skills:certificate_detail", args=[cert.pk])).content.decode()
    assert 'id="renew-form"' in page and 'id="suspend-form"' in page and 'data-status="valid"' in page
    refused = client.post(reverse("skills:certificate_suspend", args=[cert.pk]), {"reason": ""})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    done = client.post(reverse("skills:certificate_suspend", args=[cert.pk]), {"reason": "暂停核查"})
    assert done.status_code == 302
    page = client.get(reverse("skills:certificate_detail", args=[cert.pk])).content.decode()
    assert (
        'data-status="suspended"' in page and 'id="reinstate-form"' in page and 'id="renew-form"' not in page
    )
    api = client.post(
        f"/api/v1/skills/certificates/{cert.pk}/reinstate",
        {"reason": "核查完毕"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["status_today"] == "valid"
    api = client.post(f"/api/v1/skills/certificates/{cert.pk}/renew", {}, content_type="application/json")
    assert api.status_code == 200 and api.json()["valid_until"] > cert.valid_until.isoformat()


def test_a_heads_training_is_valid_a_year_and_a_refresher_renews_it(city, home):
    head = ft.director(home, actor=city)
    first = ft.completion(
        head, session=ft.heads_session(actor=city, day=TODAY - datetime.timedelta(days=340))
    )
    assert first.valid_until == add_months(first.completed_on, 12) - datetime.timedelta(days=1)
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    assert list(training_selectors.expiring_completions(admin)) == [first]
    pre_job = ft.completion(head)
    assert pre_job.valid_until is None
    again = ft.completion(head, session=ft.heads_session(actor=city, day=TODAY))
    assert again.renews == first
    assert list(training_selectors.expiring_completions(admin)) == []
    training_services.completion_suspend(actor=city, enrolment=again, reason="签到造假")
    again.refresh_from_db()
    assert again.status_today == "suspended" and again.validity_changed_by == city
    training_services.completion_revoke(actor=city, enrolment=again, reason="核实属实")
    again.refresh_from_db()
    assert again.status_today == "revoked"
    with pytest.raises(ValidationError):
        training_services.completion_reinstate(actor=city, enrolment=again, reason="撤回")


def test_the_completion_page_shows_the_validity_and_its_organisers_suspend(city, home, client):
    head = ft.director(home, actor=city)
    done = ft.completion(head, session=ft.heads_session(actor=city, day=TODAY - datetime.timedelta(days=30)))
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(admin)
    url = reverse("training:completion_validity", args=[done.pk])
    page = client.get(url).content.decode()
    assert 'data-status="valid"' in page and 'id="validity-form"' not in page  # not the organiser
    assert client.post(url, {"action": "suspend", "reason": "x"}).status_code == 404
    client.force_login(city)
    refused = client.post(url, {"action": "reinstate", "reason": "撤回"})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    assert client.post(url, {"action": "suspend", "reason": "签到记录存疑"}).status_code == 302
    assert 'data-status="suspended"' in client.get(url).content.decode()
    worker_page = client.get(reverse("registry:worker_detail", args=[head.pk])).content.decode()
    assert url in worker_page
