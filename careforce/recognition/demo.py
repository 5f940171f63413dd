"""Demo recognition, written through the services (called from careforce/registry/demo_activity.py): this
year's award round, one city skill competition with judges drawn from the judges' pool and its results
published, one master studio with its apprentices, and the household-registration list of the technicians."""

from __future__ import annotations

import datetime
import random

from careforce.core.models import User
from careforce.pools import services as pools
from careforce.pools.models import PoolKind, PoolMember
from careforce.recognition import services
from careforce.recognition.models import Award, SettlementFlag
from careforce.skills import metrics
from careforce.skills.models import SkillLevel

JUDGES = ["周建华", "吴秀兰", "郑国强", "冯丽娟", "陈志明", "褚玉梅", "卫东升", "蒋文静"]


def load(actor: User, rng: random.Random, today: datetime.date, active: list[tuple]) -> int:
    """The number of records written. `active`: (worker id, institution id, team, occupation code) rows."""
    carers = [row[0] for row in active if row[3] == "care_worker"] or [row[0] for row in active]
    if len(carers) < 60:
        return 0
    # A second demo load adds to what is there: workers already honoured this year are left out.
    honoured = set(Award.objects.filter(year=today.year).values_list("worker_id", flat=True))
    flagged = set(
        SettlementFlag.objects.filter(withdrawn_on__isnull=True).values_list("worker_id", flat=True)
    )
    candidates = [pk for pk in carers if pk not in honoured]
    if len(candidates) < 30:
        return 0
    picked = rng.sample(candidates, 30)
    written = 0
    for worker_id in picked[:8]:
        services.award_grant(
            actor=actor,
            data={
                "kind": "most_beautiful_carer",
                "worker": worker_id,
                "year": today.year,
                "citation": "扎根一线，悉心照护失能老人。",
            },
        )
        written += 1
    for worker_id in picked[8:12]:
        services.award_grant(
            actor=actor, data={"kind": "most_beautiful_worker", "worker": worker_id, "year": today.year}
        )
        written += 1

    current_judges = PoolMember.objects.filter(pool=PoolKind.COMPETITION_JUDGE, left_on__isnull=True).count()
    if current_judges < len(JUDGES):  # the pool topped up to eight: the draw takes five
        for name in JUDGES[current_judges:]:
            pools.member_join(
                actor=actor,
                data={
                    "pool": PoolKind.COMPETITION_JUDGE,
                    "name": name,
                    "organisation": "重庆城市管理职业学院",
                    "district": "500106",
                    "qualifications": "养老护理职业技能竞赛裁判员",
                },
            )
            written += 1
    held_on = today - datetime.timedelta(days=45)
    competition = services.competition_create(
        actor=actor,
        data={"title": f"{today.year}年重庆市养老护理职业技能大赛", "level": "city", "held_on": held_on},
    )
    for worker_id in picked[12:24]:
        services.entrant_add(actor=actor, competition=competition, data={"worker": worker_id})
        written += 1
    services.judges_draw(actor=actor, competition=competition, count=5)
    scores = {str(e.pk): f"{rng.uniform(70, 99):.1f}" for e in competition.entrants.all()}
    services.scores_enter(actor=actor, competition=competition, scores=scores)
    services.results_publish(actor=actor, competition=competition)

    levels = metrics.current_levels_for_workers(carers)
    technician = SkillLevel.objects.get(code="technician").rank
    high = sorted(pk for pk, rank in levels.items() if rank >= technician and pk not in flagged)
    leader = high[0] if high else picked[24]
    studio = services.studio_create(
        actor=actor,
        data={
            "name": "养老护理技能大师工作室",
            "leader": leader,
            "founded_on": today.replace(year=today.year - 2, month=3, day=1),
            "description": "带徒传技：失能照护、安宁疗护。",
        },
    )
    for n, worker_id in enumerate(w for w in picked[25:30] if w != leader):
        services.studio_member_add(
            actor=actor,
            studio=studio,
            data={
                "worker": worker_id,
                "role": "apprentice",
                "started_on": today.replace(year=today.year - 1, month=n + 1, day=1),
            },
        )
        written += 1
    for worker_id in high[:20]:
        services.settlement_flag(actor=actor, data={"worker": worker_id, "note": "技师及以上，直接落户"})
        written += 1
    return written + 2
