"""Test data, created through the services so that tests exercise the one write path."""

from __future__ import annotations

import datetime
import itertools
import random

from careforce.core.models import District, Role, User
from careforce.core.services import account_create
from careforce.core.synthetic import credit_code, id_number, mobile
from careforce.institutions.models import Institution
from careforce.institutions.services import institution_create
from careforce.registry.models import Worker
from careforce.registry.services import worker_register

_rng = random.Random(20261129)
_counter = itertools.count(1)


def district(code: str = "500103") -> District:
    return District.objects.get(code=code)


def city_admin(username: str | None = None) -> User:
    return account_create(
        username=username or f"city{next(_counter)}", password="pass-word-123", role=Role.CITY_ADMIN
    )


def user(role: str, **binding) -> User:
    return account_create(username=f"{role}{next(_counter)}", password="pass-word-123", role=role, **binding)


def new_id_number(*, region: str = "500103", birth: datetime.date | None = None) -> str:
    birth = birth or datetime.date(1970 + _rng.randrange(30), 1 + _rng.randrange(12), 1 + _rng.randrange(28))
    return id_number(_rng, region=region, birth=birth, sequence=next(_counter))


def institution(*, district_code: str = "500103", actor: User | None = None, **fields) -> Institution:
    actor = actor or User.objects.filter(role=Role.CITY_ADMIN).first() or city_admin()
    data = {
        "uscc": credit_code(_rng, region=district_code[:6] if district_code[:1].isdigit() else "500000"),
        "name": f"测试养老院{next(_counter)}",
        "district": District.objects.get(code=district_code).pk,
        "kind": "institution",
        "ownership": "private",
        "beds": 100,
        **fields,
    }
    return institution_create(actor=actor, data=data)


def worker(
    *,
    at: Institution | None = None,
    actor: User | None = None,
    name: str = "张三",
    start: datetime.date = datetime.date(2020, 3, 1),
    **fields,
) -> Worker:
    actor = actor or User.objects.filter(role=Role.CITY_ADMIN).first() or city_admin()
    at = at or institution(actor=actor)
    data = {
        "name": name,
        "id_number": new_id_number(),
        "phone": mobile(_rng),
        "education": "senior_high",
        "hukou_type": "rural",
        "source_channel": "rural_migrant",
        "team": "care",
        "occupation": "care_worker",
        **fields,
    }
    employment = {"institution": at.pk, "post": "护理员", "start_date": start, "has_labour_contract": True}
    return worker_register(actor=actor, data=data, employment=employment)
