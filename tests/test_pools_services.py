"""Pools: joining and leaving, draws that exclude conflicts and replay from their seed."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from careforce.core.models import Role
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
            "seed": 42,
        },
    )
    assert set(draw.excluded_ids) == {insider.pk, employed.pk}
    assert set(draw.picked_ids) <= {m.pk for m in others} and len(draw.picked_ids) == 3
    assert services.draw_replay(draw) == (draw.picked_ids, True)
    again = services.draw_make(
        actor=city,
        data={
            "pool": "grading_assessor",
            "task_title": "重放",
            "subject_institutions": [home.pk],
            "count": 3,
            "seed": 42,
        },
    )
    assert again.picked_ids == draw.picked_ids
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
    assert Draw.objects.count() == 2


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
