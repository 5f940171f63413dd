"""The time bank's part of the demo: service sites in a few districts, volunteers (some of them registry
workers), six months of verified service credited through the services, orders at each stage, a
transfer, a donation, rewards and one volunteer with a sign-in of their own (`demo-volunteer`)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from careforce.core.models import District, User
from careforce.core.synthetic import id_number, mobile
from careforce.timebank import services
from careforce.timebank.models import Reward, Site, Volunteer

DISTRICTS = ("500103", "500112", "500105", "500106")
SURNAMES = "王李张刘陈杨黄赵周吴"
GIVEN = ("秀英", "桂兰", "建国", "玉梅", "志强", "小红", "德明", "淑芬", "海燕", "国华", "文静", "永福")
KINDS = ("companionship", "meals", "cleaning", "errands", "care", "health")
RECIPIENTS = ("王奶奶", "刘爷爷", "陈婆婆", "张大爷", "李阿姨", "赵大妈")
REWARDS = (("理发服务一次", "30"), ("体检套餐（基础）", "200"), ("生活用品礼包", "80"))


def load(actor: User, rng: random.Random, today: datetime.date, *, volunteers: int = 40) -> int:
    """Credited service records written; nothing when the time bank already has sites (a second load)."""
    if Site.objects.exists():
        return 0
    districts = list(District.objects.filter(code__in=DISTRICTS).order_by("code"))
    sites = [
        services.site_create(
            actor=actor,
            data={
                "code": f"SJ{d.code}",
                "name": f"{d.name}社区时间银行服务站",
                "kind": "community",
                "district": d.code,
            },
        )
        for d in districts
    ]
    for name, points in REWARDS:
        Reward.objects.get_or_create(name=name, defaults={"points": Decimal(points)})
    people: list[Volunteer] = []
    for n in range(volunteers):
        district = districts[n % len(districts)]
        # The first ten are of the age to withdraw for themselves; the others younger volunteers.
        year = rng.randint(1950, 1962) if n < 10 else rng.randint(1963, 2004)
        birth = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        people.append(
            services.volunteer_register(
                actor=actor,
                data={
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "district": district.code,
                    "id_number": id_number(rng, region=district.code, birth=birth, sequence=900 + n),
                    "phone": mobile(rng),
                },
            )
        )
    credited = 0
    for n in range(volunteers * 4):
        who = people[n % volunteers]
        site = sites[districts.index(who.district)] if who.district in districts else sites[0]
        served = today - datetime.timedelta(days=rng.randint(1, 180))
        hours = Decimal(rng.choice(("1", "1.5", "2", "2.5", "3", "4")))
        services.record_submit(
            actor=actor,
            data={
                "source_key": f"DEMO-{n + 1:05d}",
                "volunteer": who,
                "site": site.pk,
                "kind": rng.choice(KINDS),
                "recipient": rng.choice(RECIPIENTS),
                "served_on": served.isoformat(),
                "hours": str(hours),
            },
            verify=True,
        )
        credited += 1
    _withdrawals(actor, rng, people, sites)
    return credited


def _withdrawals(actor: User, rng: random.Random, people: list[Volunteer], sites: list[Site]) -> None:
    """Orders at each stage, a relative, a transfer, a donation and a redemption."""
    elder = people[0]
    services.relative_register(
        actor=actor,
        volunteer=elder,
        data={
            "name": "周老太",
            "relationship": "parent",
            "id_number": id_number(rng, region="500103", birth=datetime.date(1941, 3, 9), sequence=990),
        },
    )
    relative = elder.relatives.get()
    orders = []
    for n, who in enumerate(people[1:7]):
        orders.append(
            services.order_request(
                actor=actor,
                volunteer=who,
                data={"site": sites[n % len(sites)].pk, "kind": "meals", "hours": "1", "relative": ""},
            )
            if n % 2
            else services.order_request(
                actor=actor,
                volunteer=elder,
                data={"site": sites[0].pk, "kind": "care", "hours": "1", "relative": relative.pk},
            )
        )
    for order in orders[:4]:
        services.order_deliver(actor=actor, order=order)
    for order in orders[:2]:
        services.order_confirm(actor=actor, order=order)
    services.donate(actor=actor, volunteer=people[8], data={"hours": "1"})
    reward = Reward.objects.filter(is_active=True).order_by("points").first()
    if reward is not None:
        services.redeem_reward(actor=actor, volunteer=people[9], data={"reward": reward.pk})
