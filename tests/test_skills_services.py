"""Skills services: only registered bodies issue, within their range; revocation; titles; credits; public
verification."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from careforce.core.models import Role
from careforce.skills import public, selectors, services
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


def test_it_only_lets_a_body_issue_within_its_range(city, home):
    worker = factories.worker(at=home, actor=city)
    body = ft.evaluation_body()  # care_worker, junior–technician
    with pytest.raises(ValidationError) as exc:
        ft.certificate(worker, issuer=body, level="senior_technician")
    assert "level" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ft.certificate(worker, issuer=body, level="apprentice")
    assert "level" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ft.certificate(worker, issuer=body, occupation="ability_assessor")
    services.evaluation_body_update(actor=city, body=body, data={"is_active": False})
    with pytest.raises(ValidationError) as exc:
        ft.certificate(worker, issuer=body)
    assert "issuer" in exc.value.message_dict


def test_it_refuses_duplicate_numbers_and_non_city_issuers(city, home):
    worker = factories.worker(at=home, actor=city)
    cert = ft.certificate(worker)
    with pytest.raises(ValidationError) as exc:
        ft.certificate(worker, number=cert.number)
    assert "number" in exc.value.message_dict
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    with pytest.raises(Http404):
        ft.certificate(worker, actor=district_admin)


def test_revocation_needs_a_reason_and_happens_once(city, home):
    cert = ft.certificate(factories.worker(at=home, actor=city))
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=city, certificate=cert, reason="")
    services.certificate_revoke(actor=city, certificate=cert, reason="证书造假")
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=city, certificate=cert, reason="再次")


def test_titles_and_credits_show_per_worker(city, home):
    worker = factories.worker(at=home, actor=city)
    services.title_record(
        actor=city,
        worker=worker,
        data={
            "grade": "中级",
            "name": "养老照护师（中级）",
            "awarded_on": "2024-01-01",
            "awarded_by": "市人社局",
        },
    )
    ft.certificate(worker, level="intermediate")
    ft.completion(worker, hours="20")
    credits = selectors.worker_credits(worker)
    assert credits["hours"] == Decimal("20.0")
    assert credits["training"] == Decimal("2.0") and credits["certificates"] == Decimal(6)
    assert selectors.worker_level(worker).code == "intermediate"
    assert selectors.worker_titles(worker).get().grade == "intermediate"
    with pytest.raises(ValidationError) as exc:
        services.title_record(actor=city, worker=worker, data={"grade": "特级"})
    assert {"grade", "name", "awarded_on", "awarded_by"} <= set(exc.value.message_dict)


def test_public_verification_needs_number_and_name_and_reveals_little(city, home):
    worker = factories.worker(at=home, actor=city, name="张三丰")
    cert = ft.certificate(worker, issued_on=datetime.date(2024, 6, 1))
    result = public.verify(cert.number.lower(), "张三丰")
    assert result.holder_masked == "张*丰" and result.level == "初级工" and result.status == "valid"
    assert public.verify(cert.number, "张三") is None
    assert public.verify("NOPE", "张三丰") is None
    assert public.mask_name("李四") == "李*"


def test_the_rate_limit_counts_per_client(settings):
    settings.CAREFORCE_VERIFY_RATE = (2, 60)
    assert not public.rate_limited("10.0.0.9")
    assert not public.rate_limited("10.0.0.9")
    assert public.rate_limited("10.0.0.9")
    assert not public.rate_limited("10.0.0.10")


def test_the_qr_code_is_inline_svg():
    svg = public.qr_svg("http://example.org/skills/verify/?number=S1")
    assert svg.startswith("<svg") and "path" in svg
