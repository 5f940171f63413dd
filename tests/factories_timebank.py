"""Time-bank test data, made through the services."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from careforce.core.models import User
from careforce.timebank import services
from careforce.timebank.models import Site, Volunteer
from tests import factories

_n = itertools.count(1)


def volunteer(
    actor: User, *, name: str = "李志愿", district: str = "500103", birth: datetime.date | None = None, **data
) -> Volunteer:
    return services.volunteer_register(
        actor=actor,
        data={
            "name": name,
            "district": district,
            "id_number": factories.new_id_number(birth=birth or datetime.date(1960, 5, 1)),
            "phone": "13912345678",
            **data,
        },
    )


def site(actor: User, *, district: str = "500103", **data) -> Site:
    return services.site_create(
        actor=actor,
        data={
            "code": f"S{next(_n):04d}",
            "name": f"社区站{next(_n)}",
            "kind": "community",
            "district": district,
            **data,
        },
    )


def deposit(actor: User, who: Volunteer, at: Site, hours: str | Decimal = "2", **data):
    return services.record_submit(
        actor=actor,
        data={
            "source_key": f"R{next(_n):06d}",
            "volunteer": who,
            "site": at.pk,
            "kind": "companionship",
            "recipient": "王奶奶",
            "served_on": "2026-11-01",
            "hours": str(hours),
            **data,
        },
        verify=True,
    )
