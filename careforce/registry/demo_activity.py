"""Demo data for every module, after the registry (registry/demo.py): two years of activity written through
each capability's services with the dates it happened on, so that the dashboard, the trends and the
projections show what the platform does.

What it writes (sizes scale with the number of workers):
- institution heads (负责人) named on half the institutions that have a director (`institution_update`);
- training bases accredited over the last years; city courses with a session every month of the last 24,
  enrolments, the register of each day (`attendance_record`) and completions (`enrolments_create`, `enrolments_complete`, completion dated the session's
  last day); each district's heads' course (领雁) this year with most heads trained; the city's own heads'
  course; an online course open this year with its lessons (training/demo.py), whose minimum study time per
  lesson follows from its hours;
- two registered evaluation bodies and certificates of about three care workers in ten, issued over six years
  (`certificates_issue`, in batches);
- evaluations by elders and families over two years (`evaluation_create`);
- complaints received over two years at every stage — concluded and closed, substantiated or not, under
  investigation, and a few open past their deadline (`complaint_receive`, `complaint_transition` dated);
- penalties following some substantiated complaints and a dishonesty listing (`penalty_record`,
  `listing_create`);
- last month's quality ranking, computed and published (`ranking_compute`, `ranking_publish`);
- recognition: this year's awards, a city skill competition with its results, a master studio and the
  household-registration list (careforce/recognition/demo.py).
- a few vacancies and trainee posts, job seekers from the key groups and one hire (vacancies/demo.py).
Nothing is written straight into a derived table: each service keeps the dashboard's facts current in its own
transaction, and the trends read the records' own dates.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from careforce.conduct import services as conduct
from careforce.conduct.models import ComplaintChannel
from careforce.core.models import District, User
from careforce.core.synthetic import credit_code
from careforce.credit import services as credit
from careforce.institutions.models import Institution
from careforce.institutions.services import institution_update
from careforce.rankings import services as rankings
from careforce.rankings.models import RankingSnapshot
from careforce.recognition import demo as recognition_demo
from careforce.registry.demo import DEMO_DISTRICT_CODE
from careforce.registry.models import Worker
from careforce.registry.services import employment_start
from careforce.skills import services as skills
from careforce.skills.models import Certificate, EvaluationBody
from careforce.timebank import demo as timebank_demo
from careforce.training import demo as training_demo
from careforce.training import services as training
from careforce.training.models import TrainingBase
from careforce.vacancies import demo as vacancies_demo

Log = Callable[[str], None]
DAY = datetime.timedelta(days=1)

COURSES = [
    # (title, kind, hours, share of the monthly sessions)
    ("养老护理员岗前培训", "pre_job", "40", 3),
    ("养老护理员在岗轮训", "in_service", "16", 4),
    ("失智老人照护专项培训", "in_service", "24", 2),
    ("家政人员转岗养老护理培训", "transfer", "32", 1),
]
BASES = [
    ("重庆城市管理职业学院养老服务培训基地", "重庆城市管理职业学院", "training", "CQ-GX"),
    ("重庆市第一社会福利院实训基地", "重庆市第一社会福利院", "practical", "500103"),
    ("渝北区养老服务指导中心培训基地", "渝北区民政局", "training", "500112"),
    ("万州区养老护理实训基地", "万州区社会福利院", "practical", "500101"),
    ("涪陵区养老服务培训中心", "涪陵区民政局", "training", "500102"),
    ("江津区养老护理员实训基地", "江津区社会福利院", "practical", "500116"),
    ("永川区职业技能培训基地（养老）", "重庆财经职业学院", "training", "500118"),
    ("黔江区养老服务实训基地", "黔江区民政局", "practical", "500114"),
]
COMPLAINTS = [
    "家属反映护理员夜间巡房不及时，老人摔倒后半小时才发现。",
    "老人反映护理员喂饭时态度生硬，催促进食。",
    "家属反映老人衣物长期未及时更换清洗。",
    "投诉护理员擅自离岗，未按约定时间上门服务。",
    "家属反映护理员向老人推销保健品。",
    "老人反映护理员说话不耐烦，多次呵斥。",
    "投诉机构未按护理等级提供服务，收费与服务不符。",
    "家属反映老人褥疮护理不到位。",
]
COMMENTS = [
    "护理很细心，老人很满意。",
    "服务态度好，按时上门。",
    "有耐心，会和老人聊天。",
    "技术熟练，翻身擦洗很专业。",
    "总体不错，偶尔迟到。",
    "",
    "",
]
FINDINGS_SUBSTANTIATED = "经调查，投诉反映情况基本属实，已责令机构整改并对当事人批评教育。"
FINDINGS_UNSUBSTANTIATED = "经调取监控、询问当事人及其他老人，投诉反映情况不属实，已向投诉人反馈。"


@dataclass
class ActivityResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _month_start(day: datetime.date, back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    if last <= first:
        return first
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def load_activity(
    *,
    actor: User,
    seed: int,
    today: datetime.date,
    log: Log = print,
    months: int = 24,
) -> ActivityResult:
    """Two years of activity over the workers and institutions in the database (see the module docstring)."""
    started = time.monotonic()
    rng = random.Random(seed * 7919 + 1)
    result = ActivityResult()
    active = list(
        Worker.objects.filter(is_active=True, institution__isnull=False)
        .order_by("pk")
        .values_list("pk", "institution_id", "team", "occupation__code")
    )
    if not active:
        return result
    steps = [
        ("heads", lambda: _heads(actor, rng, active)),
        ("training bases", lambda: _bases(actor, rng, today)),
        ("training", lambda: _training(actor, rng, today, active, months)),
        ("heads' training", lambda: _heads_training(actor, rng, today)),
        ("online lessons", lambda: training_demo.load(actor, today)),
        ("certificates", lambda: _certificates(actor, rng, today, active)),
        ("evaluations", lambda: _evaluations(actor, rng, today, active, months)),
        ("complaints", lambda: _complaints(actor, rng, today, active, months)),
        ("ranking", lambda: _ranking(actor, today)),
        ("time bank", lambda: timebank_demo.load(actor, rng, today)),
        ("recognition", lambda: recognition_demo.load(actor, rng, today, active)),
        ("contracts and subsidies", lambda: _incentives(actor, rng, today)),
        ("vacancies", lambda: vacancies_demo.load(actor, rng)),
    ]
    for name, step in steps:
        with transaction.atomic():
            result.counts[name] = step()
        log(f"  {name}: {result.counts[name]:,}  {time.monotonic() - started:.1f} s")
    # No rebuild of the dashboard's facts is needed: each service above refreshed the facts of what it
    # touched in its own transaction (indicators/marks.py), and the trends are read from the records' own
    # dates (employment, training, certificates, complaints), so history shows as it is.
    result.seconds = time.monotonic() - started
    return result


def _incentives(actor: User, rng: random.Random, today: datetime.date) -> int:
    from careforce.incentives import demo

    return demo.load(actor, rng, today)


# ---------------------------------------------------------------- institutions' heads


def _heads(actor: User, rng: random.Random, active) -> int:
    """Half the institutions with a director (or deputy) name them as head; the rest have not recorded one
    yet (the home page's queue lists them)."""
    candidates: dict[int, int] = {}
    for pk, institution_id, _team, occupation in active:
        if occupation in ("director", "deputy_director") and institution_id not in candidates:
            candidates[institution_id] = pk
    named = 0
    institutions = Institution.objects.filter(pk__in=candidates, head__isnull=True)
    for institution in institutions:
        if rng.random() < 0.5:
            institution_update(
                actor=actor, institution=institution, data={"head": candidates[institution.pk]}
            )
            named += 1
    return named


# ---------------------------------------------------------------- training


def _bases(actor: User, rng: random.Random, today: datetime.date) -> int:
    districts = {d.code: d for d in District.objects.all()}
    made = 0
    for name, host, kind, code in BASES:
        district = districts.get(code)
        if district is None:
            continue
        training.training_base_register(
            actor=actor,
            data={
                "name": name,
                "host": host,
                "kind": kind,
                "district": district.code,
                "accredited_on": today - datetime.timedelta(days=rng.randrange(30, 1100)),
                "capacity": rng.choice((60, 80, 120, 200)),
                "address": f"重庆市{district.name}",
            },
        )
        made += 1
    return made


def _training(actor: User, rng: random.Random, today: datetime.date, active, months: int) -> int:
    """A session of a city course every month; about 0.2 % of the workforce completes each one."""
    courses = []
    for title, kind, hours, weight in COURSES:
        course = training.course_create(
            actor=actor, data={"title": title, "kind": kind, "tier": "city", "hours": hours}
        )
        courses += [course] * weight
    care = [pk for pk, _inst, team, _occ in active if team == "care"] or [pk for pk, *_ in active]
    per_session = max(5, min(60, len(active) * 2 // 1000))
    # The sessions are held at the training bases in turn (each base's account runs its own).
    bases = list(TrainingBase.objects.filter(is_active=True, kind="training").order_by("id"))
    completed = 0
    for back in range(months, -1, -1):
        first = _month_start(today, back)
        start = first + datetime.timedelta(days=rng.randrange(3, 20))
        end = start + datetime.timedelta(days=2)
        if end >= today:
            continue
        course = rng.choice(courses)
        session = training.session_schedule(
            actor=actor,
            course=course,
            data={
                "start_date": start,
                "end_date": end,
                "venue": "重庆市养老服务培训中心",
                "capacity": per_session + 20,
                **({"base": bases[back % len(bases)].pk} if bases else {}),
            },
        )
        chosen = rng.sample(care, min(per_session, len(care)))
        workers = list(Worker.objects.filter(pk__in=chosen))
        training.enrolments_create(actor=actor, session=session, workers=workers)
        finished = [w.pk for w in workers if rng.random() < 0.93]
        day = start
        while day <= end:  # the register of each day: those who finished, and most of the others
            present = finished + [w.pk for w in workers if w.pk not in finished and rng.random() < 0.5]
            training.attendance_record(actor=actor, session=session, day=day, present_worker_ids=present)
            day += DAY
        if finished:
            completed += training.enrolments_complete(
                actor=actor,
                session=session,
                worker_ids=finished,
                data={"completed_on": end, "exam_passed": "合格"},
            )
    return completed


def _heads_training(actor: User, rng: random.Random, today: datetime.date) -> int:
    """Each district's heads' course (领雁) this year, attended by most of its heads; the city's own."""
    heads_by_district: dict[int, list[int]] = {}
    for district_id, head_id in Institution.objects.filter(head__isnull=False).values_list(
        "district_id", "head_id"
    ):
        heads_by_district.setdefault(district_id, []).append(head_id)
    year_start = datetime.date(today.year, 1, 1)
    last = today - datetime.timedelta(days=3)
    if last <= year_start:
        return 0
    trained = 0
    districts = District.objects.filter(pk__in=heads_by_district).order_by("sort_order")
    for district in districts:
        heads = heads_by_district[district.pk]
        course = training.course_create(
            actor=actor,
            data={
                "title": f"{district.name}{today.year}年养老机构负责人轮训",
                "kind": "heads",
                "tier": "district",
                "organiser_district": district.pk,
                "hours": "8",
            },
        )
        day = _between(rng, year_start + datetime.timedelta(days=60), last)
        session = training.session_schedule(
            actor=actor,
            course=course,
            data={
                "start_date": day,
                "end_date": day,
                "venue": f"{district.name}民政局会议室",
                "capacity": 500,
            },
        )
        training.enrolments_create(actor=actor, session=session, workers=Worker.objects.filter(pk__in=heads))
        attended = [pk for pk in heads if rng.random() < 0.75]
        if attended:
            trained += training.enrolments_complete(
                actor=actor, session=session, worker_ids=attended, data={"completed_on": day}
            )
    course = training.course_create(
        actor=actor,
        data={
            "title": f"{today.year}年全市养老机构负责人“领雁”培训班",
            "kind": "heads",
            "tier": "city",
            "hours": "24",
        },
    )
    day = _between(rng, year_start + datetime.timedelta(days=30), last)
    training.session_schedule(
        actor=actor,
        course=course,
        data={"start_date": day, "end_date": day, "capacity": 120, "venue": "重庆市民政局培训中心"},
    )
    return trained


# ---------------------------------------------------------------- certificates


def _certificates(actor: User, rng: random.Random, today: datetime.date, active) -> int:
    bodies = []
    for n, (name, district) in enumerate(
        (
            ("重庆市养老服务职业技能等级认定中心", "500103"),
            ("重庆城市管理职业学院职业技能等级认定站", "500106"),
        ),
        1,
    ):
        registration = f"Y000050{n:04d}"
        body = EvaluationBody.objects.filter(registration_number=registration).first()
        if body is not None:  # a second demo load issues with the bodies of the first
            bodies.append(body)
            continue
        body = skills.evaluation_body_register(
            actor=actor,
            data={
                "name": name,
                "uscc": credit_code(rng, region="500000", prefix="12"),
                "registration_number": registration,
                "registered_on": datetime.date(2019, 3, 1),
                "district": district,
            },
        )
        skills.evaluation_range_set(
            actor=actor, body=body, occupation="care_worker", lowest="junior", highest="technician"
        )
        bodies.append(body)
    levels = ["junior"] * 55 + ["intermediate"] * 32 + ["senior"] * 11 + ["technician"] * 2
    holders = [pk for pk, _inst, _team, occ in active if occ == "care_worker" and rng.random() < 0.3]
    by_pk = {w.pk: w for w in Worker.objects.filter(pk__in=holders)}
    items = []
    first = Certificate.objects.count()  # numbers follow those of an earlier load
    for n, pk in enumerate(holders, first + 1):
        issued = today - datetime.timedelta(days=int(rng.triangular(20, 6 * 365, 400)))
        items.append(
            {
                "number": f"CQ{issued.year}{n:07d}",
                "worker": by_pk[pk],
                "occupation": "care_worker",
                "level": rng.choice(levels),
                "issuer": rng.choice(bodies).pk,
                "issued_on": issued,
            }
        )
    # Each body records its own certificates, through its own account.
    for body in bodies:
        issuer_actor = _body_account(body)
        mine = [item for item in items if item["issuer"] == body.pk]
        for start in range(0, len(mine), 2000):
            skills.certificates_issue(actor=issuer_actor, items=mine[start : start + 2000])
    return len(items)


def _body_account(body: EvaluationBody) -> User:
    """The account an evaluation body records its certificates with (no password: the demo signs in with
    demo-evaluation, which ensure_demo_accounts binds to the first body)."""
    from careforce.core.models import Role
    from careforce.core.services import account_create

    existing = User.objects.filter(role=Role.EVALUATION_BODY, evaluation_body=body).order_by("id").first()
    if existing is not None:
        return existing
    return account_create(
        username=f"body-{body.registration_number}",
        password=None,
        role=Role.EVALUATION_BODY,
        display_name=body.name,
        evaluation_body=body,
    )


# ---------------------------------------------------------------- conduct


def _evaluations(actor: User, rng: random.Random, today: datetime.date, active, months: int) -> int:
    care = [pk for pk, _inst, team, _occ in active if team == "care"]
    count = min(len(care), max(10, len(active) * 3 // 1000))
    made = 0
    for pk in rng.sample(care, count):
        mean = rng.choice((5, 5, 5, 4, 4, 4, 3))
        scores = {
            code: max(1, min(5, mean + rng.choice((0, 0, 0, 1, -1))))
            for code in ("attitude", "skill", "punctuality", "communication", "hygiene")
        }
        conduct.evaluation_create(
            actor=actor,
            data={
                "worker": pk,
                "evaluator_kind": rng.choice(("elder", "elder", "family")),
                "evaluated_on": today - datetime.timedelta(days=rng.randrange(0, months * 30)),
                "scores": scores,
                "comment": rng.choice(COMMENTS),
            },
        )
        made += 1
    return made


def _complaints(actor: User, rng: random.Random, today: datetime.date, active, months: int) -> int:
    """Complaints over two years: most concluded within their deadline and closed; some concluded late; a few
    still open past their deadline; the newest under investigation or just received."""
    channels = list(ComplaintChannel.objects.all())
    count = max(12, len(active) * 4 // 1000)
    subjects = rng.sample(active, min(count, len(active)))
    made = 0
    listed = penalised = False
    last_found = None
    # The first four show every open stage even in a small demo: open past the deadline (received, and
    # under investigation), just received, under investigation within the deadline.
    planned = [(75, "received"), (50, "investigating"), (2, "received"), (6, "investigating")]
    for n, (pk, institution_id, _team, _occ) in enumerate(subjects):
        ago, stage = planned[n] if n < len(planned) else (rng.randrange(0, months * 30), "")
        received = today - datetime.timedelta(days=ago)
        complaint = conduct.complaint_receive(
            actor=actor,
            data={
                "channel": rng.choice(channels).code,
                "worker": pk,
                "institution": institution_id,
                "content": rng.choice(COMPLAINTS),
                "received_on": received,
            },
        )
        made += 1
        roll = rng.random()
        if stage == "received" or (complaint.deadline >= today and roll < 0.5):
            continue  # just received (or, past its deadline, overdue)
        if complaint.deadline < today and roll < 0.04:
            continue  # open past its deadline: overdue
        investigated = min(today, received + datetime.timedelta(days=rng.randrange(1, 4)))
        conduct.complaint_transition(actor=actor, complaint=complaint, to="investigating", on=investigated)
        if stage == "investigating" or (complaint.deadline >= today and roll < 0.8):
            continue  # under investigation (past its deadline: overdue)
        if complaint.deadline < today and roll < 0.07:
            continue  # under investigation past its deadline: overdue
        span = (complaint.deadline - received).days
        late = rng.random() < 0.1
        offset = rng.randrange(span + 1, span + 20) if late else rng.randrange(3, max(4, span))
        concluded = max(investigated, min(today, received + datetime.timedelta(days=offset)))
        found = rng.random() < 0.4
        conduct.complaint_transition(
            actor=actor,
            complaint=complaint,
            to="substantiated" if found else "unsubstantiated",
            note=FINDINGS_SUBSTANTIATED if found else FINDINGS_UNSUBSTANTIATED,
            on=concluded,
        )
        if concluded + DAY * 7 < today:
            conduct.complaint_transition(
                actor=actor, complaint=complaint, to="closed", on=concluded + datetime.timedelta(days=7)
            )
        if not found:
            continue
        last_found = (pk, complaint, concluded)
        if not penalised or rng.random() < 0.35:  # the first substantiated complaint always leads to one
            kind = rng.choice(("warning", "warning", "fine", "dismissal")) if penalised else "fine"
            penalised = True
            decided = min(today, concluded + datetime.timedelta(days=rng.randrange(1, 15)))
            conduct.penalty_record(
                actor=actor,
                data={
                    "worker": pk,
                    "institution": institution_id,
                    "complaint": complaint.pk,
                    "kind": kind,
                    "deciding_body": "重庆市民政局",
                    "legal_basis": "《养老机构管理办法》第四十六条",
                    "decided_on": decided,
                    **({"fine_amount": rng.choice(("1000", "2000", "5000"))} if kind == "fine" else {}),
                },
            )
            if kind == "dismissal" and not listed:
                _list_and_hire(actor, pk, complaint.pk, decided)
                listed = True
    if not listed and last_found is not None:
        pk, complaint, concluded = last_found
        _list_and_hire(actor, pk, complaint.pk, concluded)
    return made


def _list_and_hire(actor: User, worker_id: int, complaint_id: int, day: datetime.date) -> None:
    """A dishonesty listing; then an institution of the demo district takes the listed worker on part-time
    with a recorded reason, so that the district is notified (an unread notification on its home page)."""
    credit.listing_create(
        actor=actor,
        data={
            "worker": worker_id,
            "situation": "elder_abuse",
            "deciding_body": "重庆市民政局",
            "facts": FINDINGS_SUBSTANTIATED,
            "complaint": complaint_id,
            "start_date": day,
        },
    )
    worker = Worker.objects.get(pk=worker_id)
    other = (
        Institution.objects.filter(district__code=DEMO_DISTRICT_CODE)
        .exclude(pk=worker.institution_id)
        .order_by("pk")
        .first()
    )
    if other is None:
        return
    employment_start(
        actor=actor,
        worker=worker,
        data={
            "institution": other.pk,
            "post": "后勤（兼职）",
            "start_date": max(day, timezone.localdate() - datetime.timedelta(days=10)),
            "is_part_time": True,
            "override_reason": "经核实仅从事后勤工作，不直接接触老人",
        },
    )


# ---------------------------------------------------------------- ranking


def _ranking(actor: User, today: datetime.date) -> int:
    """Last month's quality ranking, computed and published."""
    last_month = _month_start(today, 1)
    if RankingSnapshot.objects.filter(period_kind="month", period_start=last_month).exists():
        return 0  # published by an earlier load
    ranking = rankings.ranking_compute(
        actor=actor,
        data={"period_kind": "month", "year": str(last_month.year), "number": str(last_month.month)},
    )
    rankings.ranking_publish(actor=actor, ranking=ranking)
    return ranking.rows.count()
