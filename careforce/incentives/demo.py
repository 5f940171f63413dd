"""Demo data of contracts, insurance and subsidies, written through the services: contracts and cover for
part of 渝中区's staff (some ending soon, for the expiring list), a demonstration post allowance for 渝中区,
last month's eligibility run, approved and paid in one batch."""

from __future__ import annotations

import datetime
import random

from careforce.core.models import District, User
from careforce.incentives import services
from careforce.incentives.models import Scheme
from careforce.registry.models import Worker

DEMO_DISTRICT = "500103"


def load(actor: User, rng: random.Random, today: datetime.date) -> int:
    """Contracts written; nothing on a second load (the demo scheme is there already)."""
    if Scheme.objects.filter(code="demo-yuzhong-post").exists():
        return 0
    district = District.objects.get(code=DEMO_DISTRICT)
    staff = list(
        Worker.objects.filter(district=district, is_active=True, institution__isnull=False).order_by("pk")[
            :400
        ]
    )
    written = 0
    for worker in staff:
        if rng.random() < 0.8:
            end = today + datetime.timedelta(days=rng.randrange(5, 3 * 365))
            services.contract_add(
                actor=actor,
                worker=worker,
                data={
                    "contract_type": "fixed_term",
                    "start_date": end.replace(year=end.year - 3) + datetime.timedelta(days=1),
                    "end_date": end,
                },
            )
            written += 1
        if rng.random() < 0.6:
            start = today - datetime.timedelta(days=rng.randrange(1, 360))
            services.cover_add(
                actor=actor,
                worker=worker,
                data={
                    "kind": "work_injury",
                    "insurer": "中国人民财产保险",
                    "start_date": start,
                    "end_date": start + datetime.timedelta(days=364),
                },
            )
            written += 1
    scheme = services.scheme_create(
        actor=actor,
        data={
            "code": "demo-yuzhong-post",
            "name": "演示：渝中区养老护理员岗位津贴",
            "kind": "monthly_post",
            "level": "district",
            "district": district,
            "amounts": {"2": 200, "3": 300, "4": 500, "5": 800},
            "min_contract_years": 1,
            "notice_days": 0,
            "starts_on": today - datetime.timedelta(days=365),
        },
    )
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    run = services.run_eligibility(actor=actor, scheme=scheme, period=last_month)
    services.approve_all(actor=actor, run=run)
    services.pay(actor=actor, run=run)
    return written + run.considered
