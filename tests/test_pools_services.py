"""Pools: joining and leaving, draws that exclude conflicts and replay from their seed."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from careforce.core.models import AuditEvent, District, Role
from careforce.pools import services
from careforce.pools.models import Draw
from tests import factories

pytestmark = pytest.mark.django_db


def _external(city, n, **extra):
    return services.member_join(
        actor=city,
        data={
            "pool": "grading_assessor",
            "name": f"评审员{n}",
            "district": "500103",
            "qualifications": "等级评定培训合格",
            **extra,
        },
    )


def test_a_draw_excludes_staff_of_the_subject_and_replays(city, home):
    insider = services.member_join(
        actor=city,
        data={
            "pool": "grading_assessor",
            "worker": factories.worker(at=home, actor=city).pk,
            "qualifications": "护理部主任",
        },
    )
    employed = _external(city, 0, employer=home.pk)
    others = [_external(city, n) for n in range(1, 6)]
    draw = services.draw_make(
        actor=city,
        data={
            "pool": "grading_assessor",
            "task_kind": "grading",
            "task_title": "2025年等级评定",
            "subject_institutions": [home.pk],
            "count": 3,
        },
    )
    assert set(draw.excluded_ids) == {insider.pk, employed.pk}
    assert set(draw.picked_ids) <= {m.pk for m in others} and len(draw.picked_ids) == 3
    assert services.draw_replay(draw) == (draw.picked_ids, True)
    with pytest.raises(ValidationError) as exc:
        services.draw_make(
            actor=city,
            data={
                "pool": "grading_assessor",
                "task_title": "太多",
                "subject_institutions": [home.pk],
                "count": 6,
            },
        )
    assert "count" in exc.value.message_dict
    assert Draw.objects.count() == 1


def test_members_leave_once_and_stop_being_drawn(city):
    member = _external(city, 1)
    services.member_leave(actor=city, member=member, reason="退休")
    with pytest.raises(ValidationError):
        services.member_leave(actor=city, member=member)
    with pytest.raises(ValidationError):
        services.draw_make(actor=city, data={"pool": "grading_assessor", "task_title": "x", "count": 1})


def test_a_worker_joins_a_pool_once_and_institution_admins_cannot_manage_pools(city, home):
    worker = factories.worker(at=home, actor=city)
    services.member_join(
        actor=city, data={"pool": "ability_assessor", "worker": worker.pk, "qualifications": "评估师"}
    )
    with pytest.raises(ValidationError):
        services.member_join(
            actor=city, data={"pool": "ability_assessor", "worker": worker.pk, "qualifications": "x"}
        )
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    with pytest.raises(Http404):
        _external(admin, 9)


def test_a_members_qualifications_and_employer_change_and_the_draw_follows(city, home):
    outsider = _external(city, 1)
    services.member_update(
        actor=city, member=outsider, data={"qualifications": "高级评审员", "employer": home.uscc}
    )
    outsider.refresh_from_db()
    assert (outsider.qualifications, outsider.employer_id) == ("高级评审员", home.pk)
    event = AuditEvent.objects.get(object_type="pools.poolmember", action="update")
    assert event.changes["qualifications"] == ["等级评定培训合格", "高级评审员"]
    # Now employed by the subject institution: a draw for it leaves them out.
    with pytest.raises(ValidationError):
        services.draw_make(
            actor=city,
            data={
                "pool": "grading_assessor",
                "task_title": "评定",
                "subject_institutions": [home.pk],
                "count": 1,
            },
        )
    services.member_update(actor=city, member=outsider, data={"employer": ""})
    outsider.refresh_from_db()
    assert outsider.employer_id is None


def test_member_changes_are_checked_and_scoped(city, home):
    worker = factories.worker(at=home, actor=city)
    insider = services.member_join(
        actor=city, data={"pool": "expert", "worker": worker.pk, "qualifications": "护理专家"}
    )
    with pytest.raises(ValidationError) as exc:
        services.member_update(
            actor=city, member=insider, data={"qualifications": " ", "organisation": "别处"}
        )
    assert {"qualifications", "organisation"} <= set(exc.value.message_dict)
    other = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    for outsider_actor in (other, factories.user(Role.AUDITOR)):
        with pytest.raises(Http404):
            services.member_update(actor=outsider_actor, member=insider, data={"qualifications": "x"})
    services.member_leave(actor=city, member=insider)
    with pytest.raises(ValidationError):
        services.member_update(actor=city, member=insider, data={"qualifications": "新资格"})


def test_the_member_page_and_api_change_qualifications(client, city):
    member = _external(city, 2)
    client.force_login(city)
    page = client.get(reverse("pools:member_detail", args=[member.pk]))
    assert 'id="member-edit-form"' in page.content.decode()
    refused = client.post(reverse("pools:member_edit", args=[member.pk]), {"qualifications": ""})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    done = client.post(
        reverse("pools:member_edit", args=[member.pk]),
        {"qualifications": "副主任护师", "organisation": "某医院", "employer": ""},
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert (member.qualifications, member.organisation) == ("副主任护师", "某医院")
    response = client.patch(
        f"/api/v1/pools/members/{member.pk}", {"qualifications": "主任护师"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["qualifications"] == "主任护师"
    bad = client.patch(
        f"/api/v1/pools/members/{member.pk}", {"employer": "NOPE"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "employer"


def test_a_district_cannot_name_an_employer_outside_its_area(city, home):
    """An institution of another district answers like one that does not exist, on joining and on change."""
    yuzhong = District.objects.get(code="500103")
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong)
    elsewhere = factories.institution(actor=city, district_code="500105")
    data = {"pool": "grading_assessor", "name": "评审员", "qualifications": "合格", "employer": elsewhere.pk}
    with pytest.raises(ValidationError) as outside:
        services.member_join(actor=official, data=data)
    with pytest.raises(ValidationError) as missing:
        services.member_join(actor=official, data={**data, "employer": 999_999_999})
    assert outside.value.message_dict == missing.value.message_dict
    assert list(outside.value.message_dict) == ["employer"]
    member = services.member_join(actor=official, data={**data, "employer": home.uscc})
    assert member.employer_id == home.pk
    with pytest.raises(ValidationError) as changed:
        services.member_update(actor=official, member=member, data={"employer": elsewhere.uscc})
    assert changed.value.message_dict == missing.value.message_dict
    # The city's area is the whole city.
    assert (
        services.member_update(actor=city, member=member, data={"employer": elsewhere.pk}).employer
        == elsewhere
    )


def test_the_member_page_takes_a_registry_person_by_name_never_a_record_number(client, city, home):
    from django.urls import reverse

    from careforce.pools.models import PoolMember

    worker = factories.worker(at=home, actor=city, name="诸葛评委")
    client.force_login(city)
    url = reverse("pools:member_create")
    data = {"pool": "competition_judge", "qualifications": "裁判员", "joined_on": "2026-01-05"}
    refused = client.post(url, {**data, "worker": str(worker.pk)})
    assert refused.status_code == 200 and not PoolMember.objects.filter(worker=worker).exists()
    assert client.post(url, {**data, "worker": "诸葛评委"}).status_code == 302
    assert PoolMember.objects.filter(worker=worker).exists()
