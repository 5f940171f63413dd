"""Demo data: about 17,000 workers at about 900 institutions across Chongqing, written through the services.

Institutions go through `institution_create`, workers with their employment histories through
`workers_register` in batches (the importer's bulk path), so the demo exercises the one write path and its
validation, audit trail and encryption. Used by `careforce demo` and by bench/registry.py.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from careforce.core import crypto, demo_names, twofactor
from careforce.core.models import ADMINISTRATOR_ROLES, District, Role, User
from careforce.core.scope import needs_second_factor
from careforce.core.services import account_create
from careforce.core.synthetic import credit_code, id_number, mobile
from careforce.institutions.models import Institution
from careforce.institutions.services import institution_create
from careforce.registry.models import Occupation, Worker
from careforce.registry.services import Registration, workers_register

SYSTEM_USERNAME = "system"
DEMO_PASSWORD = "careforce-demo-2026"
DEFAULT_WORKERS = 17_000
DEFAULT_INSTITUTIONS = 900
DEFAULT_SEED = 2026
DEMO_DISTRICT_CODE = "500103"  # 渝中区: the district of the district and institution demo accounts

Log = Callable[[str], None]


def _weighted(rng: random.Random, table: dict) -> Callable[[], object]:
    """A sampler over {value: weight} with precomputed cumulative weights (fast for many draws)."""
    values = list(table)
    cumulative = list(itertools.accumulate(table.values()))
    total = cumulative[-1]

    def draw() -> object:
        return values[bisect.bisect_right(cumulative, rng.random() * total)]

    return draw


def _years_before(day: datetime.date, years: float) -> datetime.date:
    return day - datetime.timedelta(days=round(years * 365.25))


# ---------------------------------------------------------------- accounts


def system_actor() -> User:
    """The account the demo writes as: a city administrator that cannot log in."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = account_create(
            username=SYSTEM_USERNAME, password=None, role=Role.CITY_ADMIN, display_name="系统（演示数据）"
        )
    return user


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    role_label: str
    scope: str
    created: bool
    totp_secret: str = ""  # base32, for an authenticator app; "" for roles that sign in with a password alone


def ensure_demo_accounts(password: str = DEMO_PASSWORD) -> tuple[list[DemoAccount], list[str]]:
    """One account per role, created if missing (existing ones are left as they are). Returns the accounts
    and notes about any that could not be created (no data to bind them to)."""
    notes: list[str] = []
    accounts: list[DemoAccount] = []
    district = District.objects.filter(code=DEMO_DISTRICT_CODE).first()
    staffed = (
        Worker.objects.filter(is_active=True, institution__isnull=False)
        .values("institution")
        .annotate(n=Count("id"))
        .order_by("-n", "institution")
    )
    institution_id = (staffed.filter(district=district).first() or staffed.first() or {}).get("institution")
    institution = Institution.objects.select_related("district").filter(pk=institution_id).first()
    worker = None
    if institution is not None:
        worker = (
            Worker.objects.filter(institution=institution, is_active=True, account__isnull=True)
            .order_by("team", "id")  # "care" sorts first: a care worker if there is one
            .first()
        )
    from careforce.skills.models import EvaluationBody
    from careforce.training.models import TrainingBase

    base = TrainingBase.objects.filter(is_active=True, kind="training").order_by("id").first()
    body = EvaluationBody.objects.filter(is_active=True).order_by("id").first()
    specs = [
        ("demo-city", Role.CITY_ADMIN, "市级管理员", {}, "全市"),
        ("demo-district", Role.DISTRICT_ADMIN, "区县管理员", {"district": district}, str(district or "")),
        (
            "demo-institution",
            Role.INSTITUTION_ADMIN,
            "机构管理员",
            {"institution": institution},
            f"{institution} ({institution.district})" if institution else "",
        ),
        ("demo-auditor", Role.AUDITOR, "督导员（只读）", {}, "全市（只读）"),
        ("demo-worker", Role.WORKER, "从业人员", {"worker": worker}, f"本人记录：{worker}" if worker else ""),
        ("demo-base", Role.TRAINING_BASE, "培训基地", {"training_base": base}, str(base or "")),
        ("demo-evaluation", Role.EVALUATION_BODY, "评价机构", {"evaluation_body": body}, str(body or "")),
        # The three administrators (三员分立): no personal records in their scope.
        ("demo-sysadmin", Role.SYSTEM_ADMIN, "系统管理员", {}, "账号与配置"),
        ("demo-secadmin", Role.SECURITY_ADMIN, "安全管理员", {}, "角色、锁定与两步验证"),
        ("demo-auditadmin", Role.AUDIT_ADMIN, "审计管理员", {}, "审计与访问日志"),
    ]
    for username, role, label, binding, scope in specs:
        user = (
            User.objects.select_related(
                "district", "institution", "worker", "training_base", "evaluation_body"
            )
            .filter(username=username)
            .first()
        )
        created = False
        if user is None:
            if any(value is None for value in binding.values()):
                notes.append(f"{username}: not created, no {', '.join(binding)} to bind it to yet")
                continue
            user = account_create(
                username=username, password=password, role=role, display_name=f"演示{label}", **binding
            )
            created = True
        else:
            bound = (
                user.district or user.institution or user.worker or user.training_base or user.evaluation_body
            )
            if user.role not in ADMINISTRATOR_ROLES:  # theirs is the duty written in the spec above
                scope = {Role.CITY_ADMIN: "全市", Role.AUDITOR: "全市（只读）"}.get(
                    user.role, str(bound or "")
                )
            if user.role == Role.WORKER and user.worker:
                scope = f"本人记录：{user.worker}"
            if user.role == Role.INSTITUTION_ADMIN and user.institution:
                scope = f"{user.institution} ({user.institution.district})"
        accounts.append(
            DemoAccount(user.username, user.role, label, scope, created, _demo_authenticator(user))
        )
    return accounts, notes


def _demo_authenticator(user: User) -> str:
    """A demo account that must pass a second factor gets an authenticator enrolled here, so that a
    development machine can sign in with it (add the secret to an app, or run `careforce otp-code USER`).
    Returns its secret as an app takes it; "" when the role needs none."""
    if not needs_second_factor(user):
        return ""
    device = twofactor.confirmed_totp(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
    return twofactor.secret_as_text(device.key).replace(" ", "")


def format_accounts(accounts: Sequence[DemoAccount], password: str = DEMO_PASSWORD) -> str:
    rows = [("username", "password", "TOTP secret", "role", "scope")]
    rows += [
        (a.username, password, a.totp_secret or "-", f"{a.role} ({a.role_label})", a.scope) for a in accounts
    ]

    def width(text: str) -> int:  # CJK characters take two columns in a terminal
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------- institutions


def allocate_districts(rng: random.Random, districts: Sequence[District], count: int) -> list[District]:
    """`count` districts for new institutions, weighted by size; every district gets one when count allows,
    and 渝中区 (the demo accounts' district) always gets one."""
    weights = {d: demo_names.DISTRICT_WEIGHTS.get(d.code, 20.0) for d in districts}
    chosen: list[District] = []
    if count >= len(districts):
        chosen = list(districts)
    else:
        chosen = [d for d in districts if d.code == DEMO_DISTRICT_CODE][:count]
    remaining = count - len(chosen)
    if remaining > 0:
        total = sum(weights.values())
        shares = {d: remaining * w / total for d, w in weights.items()}
        floors = {d: int(s) for d, s in shares.items()}
        leftover = remaining - sum(floors.values())
        by_fraction = sorted(shares, key=lambda d: (shares[d] - floors[d], rng.random()), reverse=True)
        for d in by_fraction[:leftover]:
            floors[d] += 1
        for d, n in floors.items():
            chosen.extend([d] * n)
    rng.shuffle(chosen)
    return chosen


def _region(district: District) -> str:
    return demo_names.ZONE_REGION.get(district.code, district.code)


def institution_data(
    rng: random.Random, district: District, *, used_names: set[str], used_codes: set[str]
) -> dict:
    """The fields of one plausible institution in `district` (not yet written)."""
    kind = rng.choices(("institution", "community", "home_care"), (45, 40, 15))[0]
    if kind == "institution":
        ownership = rng.choices(("public", "private", "public_built_private_run"), (30, 50, 20))[0]
        patterns = (
            demo_names.PUBLIC_INSTITUTION_PATTERNS
            if ownership == "public"
            else demo_names.INSTITUTION_PATTERNS
        )
    elif kind == "community":
        ownership = rng.choices(("public", "private", "public_built_private_run"), (20, 30, 50))[0]
        patterns = (
            demo_names.COMMUNITY_PATTERNS
            if district.kind == "district"
            else demo_names.COUNTY_COMMUNITY_PATTERNS
        )
    else:
        ownership = rng.choices(("private", "public_built_private_run"), (90, 10))[0]
        patterns = demo_names.HOME_CARE_PATTERNS
    streets = demo_names.STREETS.get(district.code, ("城关",))
    for attempt in itertools.count():
        pattern, prefix = rng.choice(patterns)
        name = pattern.format(
            district=district.name, street=rng.choice(streets), brand=rng.choice(demo_names.BRANDS)
        )
        if attempt > 20:
            name = f"{name[:-3]}第{attempt - 19}{name[-3:]}"
        if name not in used_names:
            break
    used_names.add(name)
    is_public_service_unit = ownership == "public" and prefix == "12"
    while True:
        code = credit_code(rng, region=_region(district), prefix=prefix)
        if code not in used_codes:
            break
    used_codes.add(code)
    if kind == "institution":
        star = rng.choices(range(6), (34, 26, 20, 11, 6, 3))[0]
        beds = int(min(800, max(20, rng.lognormvariate(4.3, 0.6)))) + star * 20
    elif kind == "community":
        star = rng.choices(range(6), (60, 22, 12, 4, 2, 0))[0]
        beds = rng.choice((0, 0, 10, 15, 20, 25, 30, 40))
    else:
        star, beds = rng.choices(range(3), (85, 12, 3))[0], 0
    residents = round(beds * rng.uniform(0.4, 0.92))
    # Share of residents by ability level: able, mild, moderate, severe, total.
    mix = [rng.uniform(0.5, 1.5) * w for w in (30, 28, 20, 14, 8)]
    levels = [int(residents * m / sum(mix)) for m in mix]
    levels[1] += residents - sum(levels)
    street = rng.choice(streets)
    return {
        "uscc": code,
        "name": name,
        "district": district,
        "kind": kind,
        "ownership": ownership,
        "is_public_service_unit": is_public_service_unit,
        "star_grade": star,
        "beds": beds,
        "residents_able": levels[0],
        "residents_mild": levels[1],
        "residents_moderate": levels[2],
        "residents_severe": levels[3],
        "residents_total": levels[4],
        "address": f"重庆市{district.name}{street}{rng.choice(('路', '街', '大道'))}{rng.randrange(1, 400)}号",
        "contact_name": "",
        "contact_phone": mobile(rng),
    }


def create_institutions(*, actor: User, count: int, rng: random.Random, log: Log) -> list[Institution]:
    districts = list(District.objects.order_by("sort_order", "code"))
    existing = Institution.objects.values_list("name", "uscc")
    used_names = {name for name, _code in existing}
    used_codes = {code for _name, code in existing}
    started = time.monotonic()
    created = []
    for n, district in enumerate(allocate_districts(rng, districts, count), 1):
        data = institution_data(rng, district, used_names=used_names, used_codes=used_codes)
        data["contact_name"] = _name(rng, female=rng.random() < 0.6, young=False)
        created.append(institution_create(actor=actor, data=data))
        if n % 300 == 0 or n == count:
            log(f"  institutions {n:,}/{count:,}  {time.monotonic() - started:.1f} s")
    return created


# ---------------------------------------------------------------- workers


def _name(rng: random.Random, *, female: bool, young: bool) -> str:
    surname = _SURNAME_DRAW(rng)
    roll = rng.random()
    if female:
        whole = demo_names.FEMALE_YOUNGER_NAMES if young else demo_names.FEMALE_OLDER_NAMES
        single, first, second = demo_names.FEMALE_SINGLE, demo_names.FEMALE_FIRST, demo_names.FEMALE_SECOND
    else:
        whole = demo_names.MALE_YOUNGER_NAMES if young else demo_names.MALE_OLDER_NAMES
        single, first, second = demo_names.MALE_SINGLE, demo_names.MALE_FIRST, demo_names.MALE_SECOND
    if roll < 0.25:
        given = rng.choice(single)
    elif roll < 0.6:
        given = rng.choice(whole)
    else:
        given = rng.choice(first) + rng.choice(second)
    return surname + given


def _surname_sampler() -> Callable[[random.Random], str]:
    values = list(demo_names.SURNAMES)
    cumulative = list(itertools.accumulate(demo_names.SURNAMES.values()))
    total = cumulative[-1]
    return lambda rng: values[bisect.bisect_right(cumulative, rng.random() * total)]


_SURNAME_DRAW = _surname_sampler()

TEAMS = {"care": 75, "professional": 12, "management": 7, "support": 6}

OCCUPATIONS = {
    "care": {
        "care_worker": 88,
        "community_helper": 5,
        "elder_care_adviser": 3,
        "bathing_assistant": 2,
        "dementia_carer": 2,
    },
    "professional": {
        "nurse": 30,
        "doctor": 12,
        "rehabilitation_therapist": 14,
        "social_worker": 20,
        "ability_assessor": 8,
        "dietitian": 5,
        "psychological_counsellor": 4,
        "health_manager": 7,
    },
    "management": {
        "director": 25,
        "deputy_director": 15,
        "care_supervisor": 25,
        "hr_manager": 10,
        "finance_manager": 15,
        "quality_manager": 10,
    },
    "support": {
        "cook": 30,
        "cleaner": 30,
        "property_staff": 15,
        "maintenance_technician": 10,
        "fire_safety_officer": 8,
        "food_safety_officer": 4,
        "it_administrator": 3,
    },
}
SOURCES = {
    "care": {
        "rural_migrant": 33,
        "registered_unemployed": 12,
        "housekeeping_transfer": 12,
        "lifted_from_poverty": 8,
        "relapse_monitored": 2,
        "related_graduate": 4,
        "unemployed_graduate": 2,
        "younger_old": 6,
        "trainee_post": 2,
        "introduced_talent": 1,
        "other": 18,
    },
    "professional": {
        "related_graduate": 42,
        "retired_medical": 15,
        "introduced_talent": 8,
        "unemployed_graduate": 10,
        "trainee_post": 7,
        "registered_unemployed": 3,
        "other": 15,
    },
    "management": {
        "related_graduate": 22,
        "introduced_talent": 15,
        "retired_medical": 5,
        "registered_unemployed": 10,
        "housekeeping_transfer": 5,
        "other": 43,
    },
    "support": {
        "rural_migrant": 30,
        "registered_unemployed": 20,
        "housekeeping_transfer": 18,
        "lifted_from_poverty": 5,
        "other": 27,
    },
}
EDUCATION = {
    "care": {"junior_high": 55, "senior_high": 35, "college": 8, "bachelor": 2},
    "professional": {"senior_high": 12, "college": 45, "bachelor": 38, "postgraduate": 5},
    "management": {"senior_high": 15, "college": 40, "bachelor": 40, "postgraduate": 5},
    "support": {"junior_high": 45, "senior_high": 45, "college": 10},
    "graduate": {"college": 60, "bachelor": 37, "postgraduate": 3},
}
# Age (mean, standard deviation, low, high) by team: the care workforce is older.
AGES = {
    "care": (50, 7, 22, 66),
    "professional": (38, 10, 22, 62),
    "management": (45, 8, 26, 63),
    "support": (49, 8, 20, 66),
}
FEMALE_SHARE = {"care": 0.88, "professional": 0.72, "management": 0.55, "support": 0.45}
GRADUATE_SOURCES = {"related_graduate", "unemployed_graduate", "trainee_post"}
RURAL_SOURCES = {"rural_migrant", "lifted_from_poverty", "relapse_monitored"}
# Shares of the employment-history shapes.
TRANSFER_SHARE = 0.20  # a closed period at another institution before the current one
SECOND_TRANSFER_SHARE = 0.25  # of those, a third (earlier) period too
NOT_EMPLOYED_SHARE = 0.08
EXTRA_PART_TIME_SHARE = 0.02


class WorkerGenerator:
    """Builds `Registration`s of plausible workers at the given institutions."""

    def __init__(
        self,
        rng: random.Random,
        institutions: Sequence[Institution],
        *,
        today: datetime.date,
        taken_hashes: set[str] | None = None,
        slot: tuple[int, int] = (0, 1),
    ):
        """`slot` (k, n): draw ID sequence numbers from the k-th of n disjoint sets, so that n generators
        running in parallel (bench/registry.py) never issue the same ID number."""
        self.rng = rng
        self.slot = slot
        self.today = today
        self.institutions = list(institutions)
        self.taken_hashes = taken_hashes or set()
        self.issued: set[str] = set()
        districts = {i.district_id: i.district for i in self.institutions}
        self.by_district: dict[int, list[Institution]] = {}
        for inst in self.institutions:
            self.by_district.setdefault(inst.district_id, []).append(inst)
        # Staff by size: homes by beds, home-care companies employ many carers, community centres a few.
        weights = [
            {"institution": 6 + i.beds * 0.35, "community": 8, "home_care": 22}.get(i.kind, 8)
            for i in self.institutions
        ]
        self._inst_cumulative = list(itertools.accumulate(weights))
        self.home_regions = _weighted(
            rng, {d.code: demo_names.DISTRICT_WEIGHTS.get(d.code, 20) for d in District.objects.all()}
        )
        self.rural_regions = _weighted(
            rng,
            {
                code: w
                for code, w in demo_names.DISTRICT_WEIGHTS.items()
                if code[:4] == "5002" or code in ("500154", "500101", "500235", "500236", "500152", "500114")
            },
        )
        self.migrant_regions = _weighted(rng, demo_names.MIGRANT_REGIONS)
        self.team = _weighted(rng, TEAMS)
        self.occupation = {team: _weighted(rng, table) for team, table in OCCUPATIONS.items()}
        # A post is what the institution calls the job, in words (养老护理员), never the occupation's code.
        self.post_names = dict(Occupation.objects.values_list("code", "name"))
        self.source = {team: _weighted(rng, table) for team, table in SOURCES.items()}
        self.education = {team: _weighted(rng, table) for team, table in EDUCATION.items()}
        self._district_of = districts

    def _institution(self) -> Institution:
        point = self.rng.random() * self._inst_cumulative[-1]
        return self.institutions[bisect.bisect_right(self._inst_cumulative, point)]

    def _other_institution(self, current: Institution) -> Institution | None:
        rng = self.rng
        local = self.by_district.get(current.district_id, [])
        pool = local if rng.random() < 0.7 and len(local) > 1 else self.institutions  # mostly moves nearby
        if len(pool) < 2:
            return None
        for _ in range(10):
            other = pool[rng.randrange(len(pool))]
            if other.pk != current.pk:
                return other
        return None

    def _region(self, source: str, birth: datetime.date, home: Institution) -> str:
        rng = self.rng
        roll = rng.random()
        if source == "rural_migrant":
            if roll < 0.4:
                return self.migrant_regions()
            return _region_code(self.rural_regions())
        if roll < 0.08:
            return self.migrant_regions()
        if birth.year < 1978 and roll < 0.18:
            return rng.choice(demo_names.OLD_CHONGQING_REGIONS)
        if roll < 0.65:
            return _region_code(self._district_of[home.district_id].code)
        return _region_code(self.home_regions())

    def _id_number(self, region: str, birth: datetime.date, female: bool) -> str:
        rng = self.rng
        while True:
            # The 17th digit is odd for men and even for women.
            k, n = self.slot
            sequence = (rng.randrange(0, 500 // n) * n + k) * 2 + (0 if female else 1)
            number = id_number(rng, region=region, birth=birth, sequence=sequence)
            if number in self.issued:
                continue
            if self.taken_hashes and crypto.blind_index(number, purpose="id_number") in self.taken_hashes:
                continue
            self.issued.add(number)
            return number

    def registration(self) -> Registration:
        rng = self.rng
        team = self.team()
        source = self.source[team]()
        occupation = self.occupation[team]()
        female = rng.random() < FEMALE_SHARE[team]
        if source == "retired_medical":
            age = rng.uniform(55, 68)
            occupation = rng.choice(("nurse", "nurse", "doctor")) if team == "professional" else occupation
            female = rng.random() < 0.75
        elif source == "younger_old":
            age = rng.uniform(55, 66)
        elif source in GRADUATE_SOURCES:
            age = rng.uniform(21, 34)
        else:
            mean, sd, low, high = AGES[team]
            age = min(high, max(low, rng.gauss(mean, sd)))
        birth = self.today - datetime.timedelta(days=int(age * 365.25) + rng.randrange(0, 300))
        if source in GRADUATE_SOURCES or source == "retired_medical":
            education = self.education["graduate"]()
        else:
            education = self.education[team]()
        if source in RURAL_SOURCES:
            hukou = "rural"
        else:
            hukou = "rural" if rng.random() < (0.55 if team in ("care", "support") else 0.3) else "urban"
        home = self._institution()
        data = {
            "name": _name(rng, female=female, young=birth.year >= 1985),
            "id_number": self._id_number(self._region(source, birth, home), birth, female),
            "phone": mobile(rng) if rng.random() < 0.96 else "",
            "education": education,
            "hukou_type": hukou,
            "source_channel": source,
            "team": team,
            "occupation": occupation,
        }
        return Registration(
            data=data, employments=self._history(home, birth, source, self.post_names[occupation])
        )

    def _history(self, home: Institution, birth: datetime.date, source: str, post: str) -> list[dict]:
        rng = self.rng
        today = self.today
        career_age = 55 if source == "retired_medical" else 50 if source == "younger_old" else 18
        earliest = max(_years_before(birth, -career_age), datetime.date(1995, 1, 1))
        employed = rng.random() >= NOT_EMPLOYED_SHARE
        end = None if employed else today - datetime.timedelta(days=rng.randrange(20, 900))
        anchor = end or today
        if anchor <= earliest + datetime.timedelta(days=60):
            end, anchor = None, today  # too young to have left a job: keep them employed
        part_time = rng.random() < (0.12 if home.kind == "home_care" else 0.03)
        span = (anchor - earliest).days
        length = min(span - 1, int(rng.expovariate(1 / 3.5) * 365) + 30)
        start = anchor - datetime.timedelta(days=max(length, 1))
        periods = [
            {
                "institution": home.uscc,
                "post": post,
                "start_date": start,
                "end_date": end,
                "has_labour_contract": rng.random() < (0.35 if part_time else 0.84),
                "is_part_time": part_time,
                "end_reason": "" if end is None else rng.choice(demo_names.END_REASONS),
            }
        ]
        earlier = 0
        if rng.random() < TRANSFER_SHARE:
            earlier = 2 if rng.random() < SECOND_TRANSFER_SHARE else 1
        current = home
        for _ in range(earlier):
            previous = self._other_institution(current)
            next_start = periods[0]["start_date"]
            transfer = rng.random() < 0.6
            last_day = next_start - datetime.timedelta(days=1 if transfer else rng.randrange(30, 540))
            first_day = last_day - datetime.timedelta(days=rng.randrange(180, 6 * 365))
            if previous is None or first_day < earliest:
                break
            periods.insert(
                0,
                {
                    "institution": previous.uscc,
                    "post": post,
                    "start_date": first_day,
                    "end_date": last_day,
                    "has_labour_contract": rng.random() < 0.8,
                    "is_part_time": False,
                    "end_reason": demo_names.TRANSFER_REASON
                    if transfer
                    else rng.choice(demo_names.END_REASONS),
                },
            )
            current = previous
        if end is None and not part_time and rng.random() < EXTRA_PART_TIME_SHARE:
            other = self._other_institution(home)
            if other is not None:
                begin = max(start, today - datetime.timedelta(days=720)) + datetime.timedelta(
                    days=rng.randrange(0, 300)
                )
                if begin < today:
                    periods.append(
                        {
                            "institution": other.uscc,
                            "post": post,
                            "start_date": begin,
                            "end_date": None,
                            "has_labour_contract": False,
                            "is_part_time": True,
                            "end_reason": "",
                        }
                    )
        return periods

    def batches(self, count: int, size: int) -> Iterator[list[Registration]]:
        done = 0
        while done < count:
            n = min(size, count - done)
            yield [self.registration() for _ in range(n)]
            done += n


def _region_code(code: str) -> str:
    return demo_names.ZONE_REGION.get(code, code)


# ---------------------------------------------------------------- the whole load


@dataclass
class LoadResult:
    institutions: int
    workers: int
    seconds: float


def load(
    *,
    workers: int = DEFAULT_WORKERS,
    institutions: int = DEFAULT_INSTITUTIONS,
    seed: int = DEFAULT_SEED,
    batch_size: int = 2000,
    log: Log = print,
    actor: User | None = None,
) -> LoadResult:
    """Create `institutions` institutions, then `workers` workers at all institutions in the database."""
    started = time.monotonic()
    rng = random.Random(seed)
    actor = actor or system_actor()
    if institutions:
        log(f"Creating {institutions:,} institutions …")
        create_institutions(actor=actor, count=institutions, rng=rng, log=log)
    pool = list(Institution.objects.select_related("district").order_by("id"))
    if workers and not pool:
        raise ValueError("There are no institutions to employ the workers; pass --institutions.")
    taken = set(Worker.objects.values_list("id_number_hash", flat=True)) if Worker.objects.exists() else set()
    generator = WorkerGenerator(rng, pool, today=timezone.localdate(), taken_hashes=taken)
    if workers:
        log(f"Registering {workers:,} workers in batches of {batch_size:,} …")
    done = 0
    for batch in generator.batches(workers, batch_size):
        workers_register(actor=actor, registrations=batch)
        done += len(batch)
        log(f"  workers {done:,}/{workers:,}  {time.monotonic() - started:.1f} s")
    return LoadResult(institutions, workers, time.monotonic() - started)
