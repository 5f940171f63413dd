"""Verification (核验) of worker records, employments and certificates: set through services by the right
administrators, audited, with who and when; shown on the pages and the API; counted."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from careforce.core.models import AuditEvent, Role, Verification
from careforce.registry import services as registry
from careforce.registry import verification
from careforce.skills import services as skills_services
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(city, home):
    return factories.worker(at=home, actor=city, name="张三")


def test_a_new_record_is_self_reported(worker):
    assert worker.verification == Verification.SELF_REPORTED and worker.verified_by is None
    assert worker.employments.get().verification == Verification.SELF_REPORTED


def test_the_institution_confirms_its_worker_and_employment_with_who_and_when(home, worker):
    boss = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    verification.worker_verify(actor=boss, worker=worker, status="institution_confirmed")
    worker.refresh_from_db()
    assert (worker.verification, worker.verified_by, worker.verified_at is not None) == (
        "institution_confirmed",
        boss,
        True,
    )
    event = AuditEvent.objects.filter(object_type="registry.worker", object_id=worker.pk).latest("id")
    assert event.actor == boss and event.changes["verification"] == ["self_reported", "institution_confirmed"]
    employment = worker.employments.get()
    verification.employment_verify(actor=boss, employment=employment, status="institution_confirmed")
    employment.refresh_from_db()
    assert employment.verification == "institution_confirmed" and employment.verified_by == boss


def test_only_district_and_city_administrators_check_against_the_authority(city, home, worker):
    boss = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    with pytest.raises(ValidationError) as caught:
        verification.worker_verify(actor=boss, worker=worker, status="authority_checked")
    assert "verification" in caught.value.message_dict
    district = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    verification.worker_verify(actor=district, worker=worker, status="authority_checked")
    worker.refresh_from_db()
    assert worker.verification == "authority_checked"


def test_out_of_scope_and_read_only_accounts_cannot_verify(city, worker):
    elsewhere = factories.institution(actor=city, district_code="500105")
    other = factories.user(Role.INSTITUTION_ADMIN, institution=elsewhere)
    with pytest.raises(Http404):
        verification.worker_verify(actor=other, worker=worker, status="institution_confirmed")
    with pytest.raises(Http404):
        verification.employment_verify(
            actor=other, employment=worker.employments.get(), status="institution_confirmed"
        )
    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(Http404):
        verification.worker_verify(actor=auditor, worker=worker, status="institution_confirmed")


def test_an_unknown_status_is_refused_by_name(city, worker):
    with pytest.raises(ValidationError) as caught:
        verification.worker_verify(actor=city, worker=worker, status="trust me")
    assert "verification" in caught.value.message_dict


def test_a_change_to_a_confirmed_record_makes_it_self_reported_again(city, worker):
    verification.worker_verify(actor=city, worker=worker, status="institution_confirmed")
    registry.worker_update(actor=city, worker=worker, data={"education": "college"})
    worker.refresh_from_db()
    assert (worker.verification, worker.verified_by, worker.verified_at) == ("self_reported", None, None)
    employment = worker.employments.get()
    verification.employment_verify(actor=city, employment=employment, status="institution_confirmed")
    registry.employment_update(actor=city, employment=employment, data={"post": "护理组长"})
    employment.refresh_from_db()
    assert employment.verification == "self_reported"


def test_a_certificate_is_checked_against_its_issuer(city, home, worker):
    cert = ft.certificate(worker, actor=city)
    boss = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    with pytest.raises(ValidationError):
        skills_services.certificate_verify(actor=boss, certificate=cert, status="authority_checked")
    skills_services.certificate_verify(actor=boss, certificate=cert, status="institution_confirmed")
    skills_services.certificate_verify(actor=city, certificate=cert, status="authority_checked")
    cert.refresh_from_db()
    assert (cert.verification, cert.verified_by) == ("authority_checked", city)
    assert AuditEvent.objects.filter(object_type="skills.certificate", object_id=cert.pk).count() == 3


def test_the_api_shows_and_sets_verification(client, city, worker):
    client.force_login(city)
    shown = client.get(f"/api/v1/workers/{worker.pk}").json()
    assert (shown["verification"], shown["verified_by"], shown["verified_at"]) == (
        "self_reported",
        None,
        None,
    )
    assert shown["employments"][0]["verification"] == "self_reported"
    response = client.post(
        f"/api/v1/workers/{worker.pk}/verification",
        json.dumps({"verification": "authority_checked"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["verification"], body["verified_by"]) == ("authority_checked", city.pk) and body[
        "verified_at"
    ]
    bad = client.post(
        f"/api/v1/workers/{worker.pk}/verification",
        json.dumps({"verification": "x"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "verification"
    emp = worker.employments.get()
    response = client.post(
        f"/api/v1/employments/{emp.pk}/verification",
        json.dumps({"verification": "institution_confirmed"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["verification"] == "institution_confirmed"
    cert = ft.certificate(worker, actor=city)
    response = client.post(
        f"/api/v1/skills/certificates/{cert.pk}/verification",
        json.dumps({"verification": "authority_checked"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["verification"] == "authority_checked"
    counts = client.get("/api/v1/verification/counts").json()
    assert counts["workers"] == {
        "total": 1,
        "self_reported": 0,
        "institution_confirmed": 0,
        "authority_checked": 1,
        "verified": 1,
    }
    assert counts["employments"]["verified"] == 1 and counts["certificates"]["authority_checked"] == 1


def test_the_counts_are_scoped(city, home, worker):
    verification.worker_verify(actor=city, worker=worker, status="institution_confirmed")
    elsewhere = factories.institution(actor=city, district_code="500105")
    factories.worker(at=elsewhere, actor=city, name="李四")
    other = factories.user(Role.DISTRICT_ADMIN, district=elsewhere.district)
    assert verification.verification_counts(other)["workers"]["total"] == 1
    assert verification.verification_counts(other)["workers"]["verified"] == 0
    assert verification.verification_counts(city)["workers"] == {
        "total": 2,
        "self_reported": 1,
        "institution_confirmed": 1,
        "authority_checked": 0,
        "verified": 1,
    }


def test_the_worker_page_shows_and_sets_verification(client, home, worker):
    boss = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(boss)
    page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert 'data-verification="self_reported"' in page
    assert reverse("registry:worker_verify", args=[worker.pk]) in page
    assert 'value="authority_checked"' not in page  # not this role's to set
    response = client.post(
        reverse("registry:worker_verify", args=[worker.pk]), {"verification": "institution_confirmed"}
    )
    assert response.status_code == 302
    page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert 'data-verification="institution_confirmed"' in page
    emp = worker.employments.get()
    client.post(
        reverse("registry:employment_verify", args=[emp.pk]), {"verification": "institution_confirmed"}
    )
    emp.refresh_from_db()
    assert emp.verification == "institution_confirmed"


def test_the_certificate_page_shows_and_sets_verification(client, city, worker):
    cert = ft.certificate(worker, actor=city)
    client.force_login(city)
    page = client.get(reverse("skills:certificate_detail", args=[cert.pk])).content.decode()
    assert 'data-verification="self_reported"' in page
    client.post(reverse("skills:certificate_verify", args=[cert.pk]), {"verification": "authority_checked"})
    cert.refresh_from_db()
    assert cert.verification == "authority_checked"
