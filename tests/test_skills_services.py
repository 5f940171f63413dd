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


def _item(worker, number, level="junior", body=None):
    return {
        "number": number,
        "worker": worker,
        "occupation": "care_worker",
        "level": level,
        "issuer": (body or ft.evaluation_body()).pk,
        "issued_on": datetime.date(2024, 6, 1),
    }


def test_many_certificates_are_issued_together_with_the_same_effects_as_one(city, home):
    from careforce.core.models import AuditEvent
    from careforce.skills.models import Certificate, CertificationTally, WorkerSkill

    body = ft.evaluation_body()
    workers = [factories.worker(at=home, actor=city) for _ in range(3)]
    one = ft.certificate(workers[0], issuer=body, level="intermediate")
    issued = services.certificates_issue(
        actor=ft.body_account(body),
        items=[_item(workers[1], "B0001", body=body), _item(workers[2], "B0002", "senior", body=body)],
    )
    assert [c.pk for c in issued] == list(
        Certificate.objects.filter(number__in=["B0001", "B0002"])
        .order_by("number")
        .values_list("pk", flat=True)
    )
    ranks = dict(WorkerSkill.objects.filter(worker__in=workers).values_list("worker_id", "current_rank"))
    assert len(set(ranks.values()) | {0}) > 1 and all(ranks[w.pk] > 0 for w in workers)
    assert CertificationTally.objects.get(institution=home).certified == 3
    created = AuditEvent.objects.filter(object_type="skills.certificate", action="create")
    by_one = created.get(object_id=one.pk).changes
    by_many = created.get(object_id=issued[0].pk).changes
    assert set(by_one) == set(by_many) and by_many["number"] == [None, "B0001"]
    assert created.get(object_id=issued[0].pk).institution_id == home.pk


def test_a_batch_with_a_bad_item_writes_nothing_and_names_it(city, home):
    from careforce.skills.models import Certificate

    body = ft.evaluation_body()
    worker = factories.worker(at=home, actor=city)
    items = [
        _item(worker, "C0001", body=body),
        _item(worker, "C0001", body=body),
        _item(worker, "C0003", "senior_technician", body=body),
    ]
    with pytest.raises(services.CertificateErrors) as exc:
        services.certificates_issue(actor=ft.body_account(body), items=items)
    assert set(exc.value.by_index) == {1, 2}
    assert "number" in exc.value.by_index[1].message_dict and "level" in exc.value.by_index[2].message_dict
    assert not Certificate.objects.filter(number__startswith="C000").exists()
