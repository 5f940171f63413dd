"""Demo vacancies, job seekers and one hire, written through the services (called from
registry/demo_activity.py): the demo institution and another home in 渝中区 publish a vacancy and a trainee
post, a home in another district one more; the city registers six job seekers from the key groups with
consent; the demo institution takes one on (the worker appears in the registry with the key group)."""

from __future__ import annotations

import datetime
import random

from django.db.models import Count
from django.utils import timezone

from careforce.core.models import User
from careforce.core.synthetic import id_number, mobile
from careforce.registry.demo import DEMO_DISTRICT_CODE
from careforce.registry.models import Worker
from careforce.vacancies import selectors, services
from careforce.vacancies.models import Vacancy

SEEKERS = [
    ("覃春燕", "rural_migrant", "junior_high", "rural", "养老护理员"),
    ("冉小勇", "registered_unemployed", "senior_high", "urban", "护理员"),
    ("谭丽", "lifted_from_poverty", "senior_high", "rural", "养老护理员"),
    ("向婷婷", "unemployed_graduate", "college", "urban", "社会工作者"),
    ("牟建国", "housekeeping_transfer", "senior_high", "urban", "保洁员"),
    ("邓娟", "unemployed_graduate", "bachelor", "urban", "康复治疗师"),
]


def _institutions() -> tuple[list[int], str]:
    """Two staffed homes of one district (the demo district's if it has them: the demo institution's
    account sees its vacancy) and one of another district; and that first district's code."""
    staffed = list(
        Worker.objects.filter(is_active=True, institution__isnull=False)
        .values("institution", "district__code")
        .annotate(n=Count("id"))
        .order_by("-n", "institution")
    )
    codes = [row["district__code"] for row in staffed]
    code = DEMO_DISTRICT_CODE if DEMO_DISTRICT_CODE in codes else (codes[0] if codes else "")
    here = [row["institution"] for row in staffed if row["district__code"] == code][:2]
    elsewhere = [row["institution"] for row in staffed if row["district__code"] != code][:1]
    return here + elsewhere, code


def load(actor: User, rng: random.Random) -> int:
    """Returns how many records it wrote (vacancies, seekers, hires); nothing on a second load."""
    if Vacancy.objects.exists():
        return 0
    today = timezone.localdate()
    institutions, district = _institutions()
    if len(institutions) < 2:
        return 0
    first, second, other = institutions[0], institutions[-2], institutions[-1]
    closing = today + datetime.timedelta(days=45)
    vacancies = [
        services.vacancy_publish(
            actor=actor,
            data={"institution": first, "post": "养老护理员", "number": 3, "pay_min": 3800, "pay_max": 5200,
                  "closing_date": closing, "requirements": "持养老护理员证书优先，能适应倒班。"},
        ),
        services.vacancy_publish(
            actor=actor,
            data={"institution": first, "kind": "trainee", "post": "社会工作者", "number": 2, "pay_min": 2200,
                  "pay_max": 2600, "closing_date": closing, "min_education": "college",
                  "requirements": "就业见习岗位，见习期6个月。"},
        ),
        services.vacancy_publish(
            actor=actor,
            data={"institution": second, "post": "康复治疗师", "number": 1, "pay_min": 5000, "pay_max": 7000,
                  "closing_date": today + datetime.timedelta(days=20), "min_education": "college"},
        ),
        services.vacancy_publish(
            actor=actor,
            data={"institution": other, "post": "养老护理员", "number": 2, "pay_min": 3500, "pay_max": 4800,
                  "closing_date": closing},
        ),
    ]  # fmt: skip
    seekers = []
    for index, (name, group, education, hukou, post) in enumerate(SEEKERS):
        birth = datetime.date(1975 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28))
        seekers.append(
            services.seeker_register(
                actor=actor,
                data={
                    "name": name,
                    "id_number": id_number(rng, region=DEMO_DISTRICT_CODE, birth=birth, sequence=900 + index),
                    "phone": mobile(rng),
                    "district": district,
                    "source_channel": group,
                    "education": education,
                    "hukou_type": hukou,
                    "wanted_post": post,
                    "consent": True,
                },
            )
        )
    hires = 0
    match = selectors.matches(vacancies[0]).filter(pk=seekers[2].pk).first()
    if match is not None:  # an ID number already in the registry is taken as a transfer: still a hire
        services.hire(actor=actor, vacancy=vacancies[0], seeker=match, data={})
        hires = 1
    return len(vacancies) + len(seekers) + hires
