"""The dashboard's persisted facts and counters (facts.py) stay exact right after every kind of change.

Each test changes records through the services, then reads the dashboard WITHOUT resetting anything (as
the next request would) and compares every registry figure of every district involved, and the city
total, with a reference computed here directly from the registry's rows (a plain Python count, sharing no
code with facts.py or sources.py).
"""

from __future__ import annotations

import datetime
from collections import Counter
from unittest import mock

import pytest
from django.utils import timezone

from careforce.core.models import Verification
from careforce.indicators import engine, facts, selectors, tasks
from careforce.indicators.models import DistrictCounter, FactState, WorkerFact
from careforce.indicators.sources import add_months, month_key, month_start
from careforce.institutions.services import institution_update
from careforce.registry import verification
from careforce.registry.models import Employment, Worker
from careforce.registry.services import employment_end, employment_start, worker_transfer, worker_update
from careforce.training.models import Enrolment
from tests import factories
from tests import factories_training as ft
from tests.factories_indicators import district, fresh_dashboard, months_ago, today  # noqa: F401

pytestmark = pytest.mark.django_db

YUZHONG, JIANGBEI = "500103", "500105"
OLD = datetime.date(2018, 5, 2)


# ---------------------------------------------------------------- the reference: direct counts


def _age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _age_band(born: datetime.date, on: datetime.date) -> str:
    age = _age(born, on)
    return (
        "60+"
        if age >= 60
        else "50-59"
        if age >= 50
        else "40-49"
        if age >= 40
        else "30-39"
        if age >= 30
        else "<30"
    )


def _service_band(first: datetime.date | None, on: datetime.date) -> str:
    years = _age(first, on) if first else 0
    return (
        "10+"
        if years >= 10
        else "5-9"
        if years >= 5
        else "3-4"
        if years >= 3
        else "1-2"
        if years >= 1
        else "<1"
    )


def reference(district_id: int | None, on: datetime.date) -> Counter:
    """The registry figures of a district (None: the city), counted from the rows one by one."""
    f: Counter = Counter()
    workers = Worker.objects.filter(is_active=True).select_related("occupation", "institution")
    if district_id is not None:
        workers = workers.filter(district_id=district_id)
    year_start = datetime.date(on.year, 1, 1)
    for w in workers:
        posts = list(Employment.objects.filter(worker=w))
        first = min((p.start_date for p in posts), default=None)
        f["workers"] += 1
        f[f"team:{w.team}"] += 1
        f[f"occupation:{w.occupation.code}"] += 1
        f[f"age:{w.gender}:{_age_band(w.birth_date, on)}"] += 1
        f[f"education:{w.education}"] += 1
        f[f"source_channel:{w.source_channel}"] += 1
        f[f"service:{_service_band(first, on)}"] += 1
        if w.institution_id:
            f[f"ownership:{w.institution.ownership}"] += 1
            f[f"kind:{w.institution.kind}"] += 1
            if w.institution.head_id == w.pk:  # the head the institution names (负责人)
                f["heads"] += 1
                # 领雁: a district-tier heads' course of the institution's district, completed this year.
                trained = Enrolment.objects.filter(
                    worker=w,
                    status="completed",
                    completed_on__gte=year_start,
                    completed_on__year=on.year,
                    session__course__kind="heads",
                    session__course__tier="district",
                    session__course__organiser_district_id=w.institution.district_id,
                ).exists()
                f["heads_trained"] += int(trained)
    # History: full-time posts held at each past month end, joins and leaves, by the post's district.
    posts = Employment.objects.select_related("institution")
    if district_id is not None:
        posts = posts.filter(institution__district_id=district_id)
    first_month = add_months(month_start(on), -23)
    for k in range(23):
        month = add_months(first_month, k)
        last = add_months(month, 1) - datetime.timedelta(days=1)
        held = sum(
            1
            for p in posts
            if not p.is_part_time and p.start_date <= last and (p.end_date is None or p.end_date >= last)
        )
        f[f"posts:{month_key(month)}"] = held
    for p in posts:
        others = Employment.objects.filter(worker_id=p.worker_id).exclude(pk=p.pk)
        day_before = p.start_date - datetime.timedelta(days=1)
        if p.start_date >= first_month and not any(
            (q.start_date < p.start_date or (q.start_date == p.start_date and q.pk < p.pk))
            and (q.end_date is None or q.end_date >= day_before)
            for q in others
        ):
            f[f"joins:{month_key(p.start_date)}"] += 1
        if p.end_date and p.end_date >= first_month:
            day_after = p.end_date + datetime.timedelta(days=1)
            if not any(
                q.start_date <= day_after
                and (
                    q.end_date is None
                    or q.end_date > p.end_date
                    or (q.end_date == p.end_date and q.pk > p.pk)
                )
                for q in others
            ):
                f[f"leaves:{month_key(p.end_date)}"] += 1
    return +f  # zeros dropped


def shown(district_id: int | None, on: datetime.date) -> Counter:
    """What the dashboard reads now (no reset: exactly what the next request sees), same keys."""
    figures = selectors.load_context().figures(district_id)
    current = month_key(month_start(on))
    keep = (
        "workers",
        "team:",
        "occupation:",
        "age:",
        "education:",
        "source_channel:",
        "service:",
        "ownership:",
    )
    keep += ("kind:", "heads", "posts:", "joins:", "leaves:")
    out = Counter(
        {
            k: v
            for k, v in figures.items()
            if k.startswith(keep) and k != f"posts:{current}" and k not in ("heads_courses",)
        }
    )
    return +out


def assert_exact(*codes: str | None, on: datetime.date | None = None) -> None:
    on = on or today()
    for code in codes:
        d = district(code).pk if code else None
        assert shown(d, on) == reference(d, on), code or "city"
    # And the headline figure against a plain COUNT(*).
    figures = selectors.load_context().figures(None)
    assert figures["workers"] == Worker.objects.filter(is_active=True).count()


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(city):
    h = factories.institution(actor=city, district_code=YUZHONG, name="幸福院")
    g = factories.institution(actor=city, district_code=YUZHONG, name="安康院", ownership="public")
    j = factories.institution(actor=city, district_code=JIANGBEI, name="康乐院")
    young = factories.new_id_number(birth=today().replace(year=today().year - 29, day=1))
    w1 = factories.worker(at=h, actor=city, name="甲", start=OLD, id_number=young)
    w2 = factories.worker(
        at=h, actor=city, name="乙", start=months_ago(5), team="professional", occupation="social_worker"
    )
    w3 = ft.director(h, actor=city, name="丙")
    w4 = factories.worker(at=g, actor=city, name="丁", start=months_ago(14))
    w5 = factories.worker(at=j, actor=city, name="戊", start=months_ago(20), education="bachelor")
    assert_exact(YUZHONG, JIANGBEI, None)  # the first registration built the facts
    return {"h": h, "g": g, "j": j, "w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5}


# ---------------------------------------------------------------- exact right after each change


def test_it_is_exact_right_after_a_transfer_across_districts(world, city):
    worker_transfer(
        actor=city,
        worker=world["w1"],
        data={"institution": world["j"].pk, "post": "护理员", "start_date": months_ago(1)},
    )
    assert_exact(YUZHONG, JIANGBEI, None)


def test_it_is_exact_right_after_a_post_ends(world, city):
    employment_end(actor=city, employment=world["w4"].employments.get(), end_date=months_ago(2, day=15))
    assert_exact(YUZHONG, JIANGBEI, None)
    # The person came back a month later: a join, and the earlier exit still counted.
    employment_start(
        actor=city,
        worker=world["w4"],
        data={"institution": world["h"].pk, "post": "护理员", "start_date": months_ago(1, day=3)},
    )
    assert_exact(YUZHONG, None)


def test_it_is_exact_right_after_a_new_registration(world, city):
    factories.worker(
        at=world["j"],
        actor=city,
        name="己",
        start=months_ago(3),
        team="professional",
        occupation="social_worker",
    )
    assert_exact(JIANGBEI, None)


def test_it_is_exact_right_after_a_change_of_occupation_and_of_the_institution(world, city):
    worker_update(actor=city, worker=world["w2"], data={"occupation": "care_worker", "team": "care"})
    institution_update(actor=city, institution=world["h"], data={"ownership": "public", "kind": "community"})
    assert_exact(YUZHONG, None)


def test_it_is_exact_right_after_a_training_completion_and_a_certificate(world, city):
    before = selectors.load_context().figures(district(YUZHONG).pk)
    assert (before["heads"], before["heads_trained"]) == (1, 0)
    session = ft.heads_session(YUZHONG, actor=city, day=today())
    ft.completion(world["w3"], session=session, actor=city, hours="8")
    after = selectors.load_context().figures(district(YUZHONG).pk)
    assert (after["heads"], after["heads_trained"]) == (1, 1)
    assert after["training_person_times"] == before["training_person_times"] + 1
    ft.certificate(world["w1"])
    after = selectors.load_context().figures(district(YUZHONG).pk)
    assert after["certified_care_workers"] == before["certified_care_workers"] + 1
    assert_exact(YUZHONG, None)
    row = next(
        r
        for r in selectors.institution_table(
            district(YUZHONG).pk, selectors.load_context(), selectors.scope_of(city)
        )
        if r["id"] == world["h"].pk
    )
    assert (row["heads"], row["heads_trained"], row["certified"]) == (1, 1, 1)


# ---------------------------------------------------------------- dates, restarts, idempotence


def _later(days: int):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return mock.patch("django.utils.timezone.localdate", return_value=day), day


def test_age_and_service_bands_move_with_the_date_without_a_rebuild(world, city):
    # w1 turns 30 within the year; w4 reaches 1-2 years of service in two months.
    for days in (40, 200, 400, 3700):
        patch, day = _later(days)
        with patch, mock.patch.object(facts, "build", side_effect=AssertionError("no rebuild")):
            tasks.daily_roll.call()  # the worker, at 00:05: reads never move the bands
            assert_exact(YUZHONG, JIANGBEI, None, on=day)
        assert FactState.objects.get().as_of == day


def test_a_new_year_clears_heads_trained_this_year(world, city):
    session = ft.heads_session(YUZHONG, actor=city, day=today())
    ft.completion(world["w3"], session=session, actor=city, hours="8")
    assert selectors.load_context().figures(district(YUZHONG).pk)["heads_trained"] == 1
    new_year = datetime.date(today().year + 1, 1, 2)
    with mock.patch("django.utils.timezone.localdate", return_value=new_year):
        tasks.daily_roll.call()
        figures = selectors.load_context().figures(district(YUZHONG).pk)
        assert (figures["heads"], figures["heads_trained"]) == (1, 0)
        assert_exact(YUZHONG, None, on=new_year)


def test_a_restarted_process_reads_the_persisted_counters_and_catches_up(world, city):
    employment_end(actor=city, employment=world["w5"].employments.get(), end_date=today())
    engine.reset()  # a new process: nothing in memory
    with mock.patch.object(facts, "build", side_effect=AssertionError("no rebuild")):
        assert_exact(JIANGBEI, None)


def test_refreshing_again_changes_nothing(world, city):
    before = sorted(DistrictCounter.objects.values_list("district_id", "key", "n"))
    facts.refresh(Worker.objects.values_list("pk", flat=True))
    facts.refresh(Worker.objects.values_list("pk", flat=True))
    assert sorted(DistrictCounter.objects.values_list("district_id", "key", "n")) == before
    assert WorkerFact.objects.count() == Worker.objects.count()


def test_a_rebuild_gives_the_same_counters_as_the_incremental_path(world, city):
    worker_transfer(
        actor=city,
        worker=world["w2"],
        data={"institution": world["g"].pk, "post": "社工", "start_date": months_ago(1)},
    )
    employment_end(actor=city, employment=world["w5"].employments.get(), end_date=months_ago(0, day=1))
    selectors.load_context()
    incremental = sorted(DistrictCounter.objects.exclude(n=0).values_list("district_id", "key", "n"))
    engine.rebuild()
    assert sorted(DistrictCounter.objects.exclude(n=0).values_list("district_id", "key", "n")) == incremental


def test_the_district_page_computes_only_the_rows_it_shows(world, city, client):
    for n in range(60):
        factories.institution(actor=city, district_code=YUZHONG, name=f"养老院{n:03d}")
    client.force_login(city)
    response = client.get(f"/indicators/districts/{district(YUZHONG).pk}/")
    assert response.status_code == 200
    page = response.context["institutions_page"]
    assert (page["number"], page["pages"], page["count"], len(page["rows"])) == (1, 2, 62, 50)
    second = client.get(f"/indicators/districts/{district(YUZHONG).pk}/?page=2").context["institutions_page"]
    assert len(second["rows"]) == 12
    assert {r["name"] for r in page["rows"]}.isdisjoint({r["name"] for r in second["rows"]})
    h = next(r for r in page["rows"] + second["rows"] if r["id"] == world["h"].pk)
    assert (h["workers"], h["heads"], h["social_workers"]) == (3, 1, 1)


def test_certification_follows_a_certified_care_worker_who_moves_and_leaves(world, city):
    from careforce.indicators import sources

    ft.certificate(world["w1"])
    yz, jb = district(YUZHONG).pk, district(JIANGBEI).pk

    def shown_and_direct():
        ctx = selectors.load_context()
        direct = sources.certification_figures([yz, jb])
        return (
            [(ctx.figures(d)["certified_care_workers"], ctx.figures(d)["care_workers"]) for d in (yz, jb)],
            [(direct[d]["certified_care_workers"], direct[d]["care_workers"]) for d in (yz, jb)],
        )

    shown_now, direct = shown_and_direct()
    assert shown_now == direct and shown_now[0][0] == 1
    worker_transfer(
        actor=city,
        worker=world["w1"],
        data={"institution": world["j"].pk, "post": "护理员", "start_date": months_ago(0, day=1)},
    )
    shown_now, direct = shown_and_direct()
    assert shown_now == direct and shown_now[1][0] == 1 and shown_now[0][0] == 0
    employment_end(
        actor=city, employment=world["w1"].employments.get(end_date__isnull=True), end_date=today()
    )
    shown_now, direct = shown_and_direct()
    assert shown_now == direct and shown_now[1] == (0, 1)  # w5 remains, uncertified


# ---------------------------------------------------------------- reads only read, writes carry their facts


def test_a_dashboard_read_only_reads(world, city, client):
    """No read catches up, rebuilds, rolls the date or takes the facts' lock: every statement a dashboard
    page, its API and a district page send is a SELECT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    employment_end(actor=city, employment=world["w4"].employments.get(), end_date=months_ago(1))
    engine.reset()  # a process that has read nothing yet
    client.force_login(city)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/indicators/").status_code == 200
        assert client.get(f"/indicators/districts/{district(YUZHONG).pk}/").status_code == 200
        assert client.get("/api/v1/indicators").status_code == 200
    written = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK TO"))
    ]
    # Sessions and the account's last-seen bookkeeping are not the dashboard's.
    assert [sql for sql in written if "indicators_" in sql or "advisory" in sql] == []


def test_a_change_and_its_facts_commit_together(world, city):
    """If the facts cannot be brought up to date, the change itself is not saved."""
    before = Worker.objects.get(pk=world["w2"].pk).occupation_id
    with (
        mock.patch.object(facts, "_apply", side_effect=RuntimeError("counters unavailable")),
        pytest.raises(RuntimeError),
    ):
        worker_update(actor=city, worker=world["w2"], data={"occupation": "care_worker", "team": "care"})
    assert Worker.objects.get(pk=world["w2"].pk).occupation_id == before
    assert_exact(YUZHONG, None)


def test_the_versions_tell_every_process_what_changed(world, city):
    from careforce.indicators import marks

    selectors.load_context()  # this process holds every block now
    before = marks.versions()
    worker_transfer(
        actor=city,
        worker=world["w1"],
        data={"institution": world["j"].pk, "post": "护理员", "start_date": months_ago(1)},
    )
    after = marks.versions()
    changed = {d for d in after if after[d] != before.get(d)}
    assert changed == {district(YUZHONG).pk, district(JIANGBEI).pk}
    assert_exact(YUZHONG, JIANGBEI, None)


def test_the_set_based_build_equals_the_worker_by_worker_path(world, city):
    """On PostgreSQL the rebuild is a few SQL statements; they give the same facts and counters as the
    contributions computed worker by worker (part-time posts, overlaps, returns, heads trained included)."""
    from django.db import transaction

    w1, w4 = world["w1"], world["w4"]
    employment_start(
        actor=city,
        worker=w1,
        data={
            "institution": world["g"].pk,
            "post": "兼职",
            "start_date": months_ago(3),
            "is_part_time": "是",
        },
    )
    employment_end(actor=city, employment=w4.employments.get(), end_date=months_ago(6, day=10))
    employment_start(
        actor=city,
        worker=w4,
        data={"institution": world["j"].pk, "post": "护理员", "start_date": months_ago(6, day=11)},
    )
    ft.completion(
        world["w3"], session=ft.heads_session(YUZHONG, actor=city, day=today()), actor=city, hours="8"
    )
    verification.worker_verify(actor=city, worker=w4, status=Verification.AUTHORITY_CHECKED)

    def snapshot():
        return (
            sorted(WorkerFact.objects.values_list(*facts.FACT_FIELDS)),
            sorted(DistrictCounter.objects.exclude(n=0).values_list("district_id", "key", "n")),
            sorted(facts.InstitutionCounter.objects.exclude(n=0).values_list("institution_id", "key", "n")),
        )

    facts.build()  # set-based on PostgreSQL
    set_based = snapshot()
    with transaction.atomic():
        facts._build_by_ranges(facts.rules_for(today()), log=None)
        by_worker = snapshot()
        transaction.set_rollback(True)
    assert set_based == by_worker
    assert any(key.startswith("ft_start.care:") for _d, key, _n in set_based[1])
    assert any(key == "verified_workers" for _d, key, _n in set_based[1])
