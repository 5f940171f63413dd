"""Draws nobody can steer: the seed comes from the server and a caller's seed is refused; a task is drawn
once, redrawn once with a reason by its administrators and further only by a city administrator, each redraw
recorded beside the first; every draw still replays from its record."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from careforce.core.models import AuditEvent, District, Role
from careforce.core.scope import scope_of
from careforce.pools import services
from careforce.pools.models import Draw
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(city):
    return [
        services.member_join(
            actor=city,
            data={
                "pool": "grading_assessor",
                "name": f"评审员{n}",
                "district": "500103",
                "qualifications": "等级评定培训合格",
            },
        )
        for n in range(8)
    ]


@pytest.fixture
def official(db):
    return factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))


def task(home, **extra):
    return {
        "pool": "grading_assessor",
        "task_kind": "grading",
        "task_title": "2026年等级评定",
        "subject_institutions": [home.pk],
        "count": 3,
        **extra,
    }


def test_a_caller_cannot_choose_the_seed(city, home, pool, client):
    with pytest.raises(ValidationError) as exc:
        services.draw_make(actor=city, data=task(home, seed=42))
    assert list(exc.value.message_dict) == ["seed"]
    assert not Draw.objects.exists()
    client.force_login(city)
    response = client.post("/api/v1/pools/draws", task(home, seed=7), content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "seed"
    assert not Draw.objects.exists()


def test_the_seed_comes_from_the_server_and_the_draw_replays(city, home, pool):
    seeds = set()
    for n in range(3):
        draw = services.draw_make(actor=city, data=task(home, task_title=f"评定{n}"))
        assert services.draw_replay(draw) == (draw.picked_ids, True)
        seeds.add(draw.seed)
        event = AuditEvent.objects.get(object_type="pools.draw", object_id=str(draw.pk))
        assert event.changes["seed"] == [None, draw.seed]
    assert len(seeds) == 3 and all(0 <= s < 2**62 for s in seeds)


def test_a_task_is_drawn_once_then_only_redrawn(city, home, pool):
    services.draw_make(actor=city, data=task(home))
    with pytest.raises(ValidationError) as exc:
        services.draw_make(actor=city, data=task(home, task_title=" ２０２６年等级评定 "))
    assert list(exc.value.message_dict) == ["task_title"]
    assert Draw.objects.count() == 1


def test_one_redraw_by_the_district_then_only_the_city(city, home, pool, official):
    first = services.draw_make(actor=official, data=task(home))
    with pytest.raises(ValidationError) as exc:
        services.draw_redraw(actor=official, draw=first, reason="  ")
    assert list(exc.value.message_dict) == ["reason"]
    second = services.draw_redraw(actor=official, draw=first, reason="评审员2人临时回避")
    assert (second.redraw_of, second.sequence, second.reason) == (first, 1, "评审员2人临时回避")
    assert second.seed != first.seed and services.draw_replay(second) == (second.picked_ids, True)
    assert services.may_redraw(scope_of(official), second) is False
    with pytest.raises(ValidationError) as exc:
        services.draw_redraw(actor=official, draw=second, reason="再来一次")
    assert list(exc.value.message_dict) == ["reason"]
    third = services.draw_redraw(actor=city, draw=second, reason="抽中人员均不能到场")
    fourth = services.draw_redraw(actor=city, draw=first, reason="再次无法到场")
    # Each recorded beside the first, numbered, and audited with its reason.
    assert (third.redraw_of, third.sequence, fourth.redraw_of, fourth.sequence) == (first, 2, first, 3)
    assert list(first.redraws.order_by("sequence").values_list("sequence", flat=True)) == [1, 2, 3]
    event = AuditEvent.objects.get(object_type="pools.draw", object_id=str(third.pk))
    assert event.changes["reason"] == [None, "抽中人员均不能到场"] and event.changes["redraw_of"] == [
        None,
        first.pk,
    ]
    assert all(services.draw_replay(d)[1] for d in (first, second, third, fourth))


def test_another_district_cannot_redraw(city, home, pool):
    first = services.draw_make(actor=city, data=task(home))
    other = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    with pytest.raises(Http404):
        services.draw_redraw(actor=other, draw=first, reason="x")
    with pytest.raises(Http404):
        services.draw_redraw(actor=factories.user(Role.AUDITOR), draw=first, reason="x")


def test_the_page_and_the_api_redraw(client, city, home, pool, official):
    first = services.draw_make(actor=official, data=task(home))
    client.force_login(official)
    page = client.get(reverse("pools:draw_detail", args=[first.pk])).content.decode()
    assert 'id="redraw-form"' in page and 'id="task-draws"' in page
    refused = client.post(reverse("pools:draw_redraw", args=[first.pk]), {"reason": ""})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    done = client.post(reverse("pools:draw_redraw", args=[first.pk]), {"reason": "评审员生病"})
    second = Draw.objects.get(redraw_of=first)
    assert done.status_code == 302 and done["Location"] == reverse("pools:draw_detail", args=[second.pk])
    page = client.get(reverse("pools:draw_detail", args=[second.pk])).content.decode()
    assert "评审员生病" in page and 'id="redraw-form"' not in page
    api = client.post(
        f"/api/v1/pools/draws/{first.pk}/redraw", {"reason": "再抽"}, content_type="application/json"
    )
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "reason"
    client.force_login(city)
    api = client.post(
        f"/api/v1/pools/draws/{first.pk}/redraw", {"reason": "再抽"}, content_type="application/json"
    )
    body = api.json()
    assert api.status_code == 201 and (body["redraw_of_id"], body["sequence"]) == (first.pk, 2)
    assert body["replay_matches"] is True and body["reason"] == "再抽"
