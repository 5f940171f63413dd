"""Every indicator's definition on small hand-made data with known answers.

The world (dates relative to today; m<n> = n months ago):
渝中区, institution H (100 beds; 30 able + 6 severely disabled residents → 4 care staff required):
  w1 care worker since 2020, certified (junior)       w6 care worker since 2020, no certificate
  w2 social worker, joined in m5                      w3 head (director) since 2020, trained this year
  w4 care worker, joined in m3, left on day 10 of m1  w5 care worker since 2020, transferred to J in m2
江北区, institution J (50 beds): w5 from m2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from careforce.indicators import definitions, selectors, services
from careforce.indicators.models import OlderPopulation
from careforce.registry.services import employment_end, worker_transfer
from tests import factories
from tests import factories_training as ft
from tests.factories_indicators import district, fresh_dashboard, key, months_ago, today  # noqa: F401

pytestmark = pytest.mark.django_db

OLD = datetime.date(2020, 3, 1)


@pytest.fixture
def world(city):
    h = factories.institution(
        actor=city, district_code="500103", beds=100, residents_able=30, residents_severe=6, name="幸福院"
    )
    j = factories.institution(actor=city, district_code="500105", beds=50, name="康乐院")
    young = factories.new_id_number(birth=today().replace(year=today().year - 25, day=1))
    w1 = factories.worker(at=h, actor=city, name="甲", start=OLD, id_number=young)
    w6 = factories.worker(at=h, actor=city, name="己", start=OLD)
    w2 = factories.worker(
        at=h, actor=city, name="乙", start=months_ago(5), team="professional", occupation="social_worker"
    )
    w3 = ft.director(h, actor=city, name="丙")
    w4 = factories.worker(at=h, actor=city, name="丁", start=months_ago(3))
    employment_end(actor=city, employment=w4.employments.get(), end_date=months_ago(1, day=10))
    w5 = factories.worker(at=h, actor=city, name="戊", start=OLD)
    worker_transfer(
        actor=city, worker=w5, data={"institution": j.pk, "post": "护理员", "start_date": months_ago(2)}
    )
    ft.certificate(w1)
    session = ft.heads_session("500103", actor=city, day=today())
    ft.completion(w3, session=session, actor=city, hours="8")
    OlderPopulation.objects.create(district=district("500103"), year=2024, count=3000, source="测试")
    return {"h": h, "j": j, "w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5, "w6": w6}


def value(code: str, district_code: str | None, city):
    ctx = selectors.load_context()
    d = district(district_code).pk if district_code else None
    return definitions.get(code).compute(ctx.figures(d))


def test_it_counts_workers_with_a_current_post_once_in_their_district(world, city):
    assert value("registry_workers", "500103", city).value == 4  # w1 w2 w3 w6; w4 left, w5 moved
    assert value("registry_workers", "500105", city).value == 1
    assert value("registry_workers", None, city).value == 5
    assert value("care_workers_team", "500103", city).value == 2


def test_it_computes_social_worker_and_density_ratios(world, city):
    assert value("social_workers_per_100_beds", "500103", city).value == Decimal(1)  # 1 per 100 beds
    assert value("social_workers_per_100_beds", "500105", city).value == 0
    per_older = value("social_workers_per_1000_older", "500103", city)
    assert (per_older.numerator, per_older.denominator) == (1, 3000)
    assert definitions.get("density_per_1000_older").round(
        value("density_per_1000_older", "500103", city).value
    ) == Decimal("1.33")
    # No older population entered for 江北区: no data, not zero.
    assert value("density_per_1000_older", "500105", city).value is None
    # City-wide: the figure of the migration (8.01 million, end of 2024).
    assert value("density_per_1000_older", None, city).denominator == 8_010_000


def test_it_reads_certification_training_and_heads_from_their_modules(world, city):
    assert value("certification_rate", "500103", city).value == 50  # w1 of w1 + w6
    assert value("training_person_times", "500103", city).value == 1
    assert value("heads_training_coverage", "500103", city).value == 100
    # 康乐院 records no head: a gap of the 领雁 list, so 0 of 1 institution, not "no data".
    coverage = value("heads_training_coverage", "500105", city)
    assert (coverage.numerator, coverage.denominator) == (0, 1)


def test_heads_training_follows_the_one_lingyan_rule(world, city):
    """Only a district-tier heads' course of the head's own district, completed this calendar year,
    trains a head; the dashboard, the 领雁 page and the API agree."""
    from careforce.institutions.services import institution_update
    from careforce.training import selectors as training_selectors

    j = world["j"]
    head = ft.director(j, actor=city, name="庚")
    city_course = ft.session(
        course=ft.course(actor=city, kind="heads", tier="city", hours="8"),
        actor=city,
        start_date=today(),
        end_date=today(),
    )
    ft.completion(head, session=city_course, actor=city, hours="8")  # the city's own course
    ft.completion(head, session=ft.heads_session("500103", actor=city, day=today()), actor=city, hours="8")
    assert value("heads_training_coverage", "500105", city).value == 0  # neither is 江北区's rotation
    coverage = training_selectors.heads_coverage(city, year=today().year)
    jiangbei = next(r for r in coverage["districts"] if r["district"].code == "500105")
    assert (jiangbei["institutions"], jiangbei["trained"]) == (1, 0)
    assert [g["reason"] for g in jiangbei["gaps"]] == ["not_trained"]
    ft.completion(head, session=ft.heads_session("500105", actor=city, day=today()), actor=city, hours="8")
    assert value("heads_training_coverage", "500105", city).value == 100
    # A head named only by name (not yet registered) is a gap, and so is no head at all.
    institution_update(actor=city, institution=j, data={"head": "", "head_pending_name": "王某"})
    assert value("heads_training_coverage", "500105", city).value == 0
    coverage = training_selectors.heads_coverage(city, year=today().year)
    jiangbei = next(r for r in coverage["districts"] if r["district"].code == "500105")
    assert [g["reason"] for g in jiangbei["gaps"]] == ["not_registered"]


def test_it_rebuilds_the_monthly_history_and_flows_from_employment_dates(world, city):
    ctx = selectors.load_context()
    yz = ctx.figures(district("500103").pk)
    posts = {n: yz[f"posts:{key(n)}"] for n in (6, 5, 4, 3, 2, 1)}
    assert posts == {6: 4, 5: 5, 4: 5, 3: 6, 2: 5, 1: 4}
    assert yz[f"joins:{key(5)}"] == 1 and yz[f"joins:{key(3)}"] == 1
    assert yz[f"leaves:{key(1)}"] == 1
    assert sum(v for k, v in yz.items() if k.startswith("leaves:")) == 1  # the transfer is no exit
    jb = ctx.figures(district("500105").pk)
    assert sum(v for k, v in jb.items() if k.startswith("joins:")) == 0  # nor an entry
    assert jb[f"posts:{key(2)}"] == 1 and jb[f"posts:{key(3)}"] == 0
    assert value("exit_rate", "500103", city).value == 25  # 1 exit per 4 workers


def test_it_splits_the_structure_by_team_age_and_service(world, city):
    ctx = selectors.load_context()
    s = selectors.structure(ctx.figures(district("500103").pk), today())
    assert dict((v, n) for v, _l, n in s["team"]) == {
        "care": 2,
        "professional": 1,
        "management": 1,
        "support": 0,
    }
    assert sum(m + f for _b, m, f in s["pyramid"]) == 4
    expected = {"M": 0, "F": 0}
    for w in ("w1", "w2", "w3", "w6"):
        worker = world[w]
        age = (
            today().year
            - worker.birth_date.year
            - ((today().month, today().day) < (worker.birth_date.month, worker.birth_date.day))
        )
        if age < 30:
            expected[worker.gender] += 1
    assert [(m, f) for b, m, f in s["pyramid"] if b == "<30"] == [(expected["M"], expected["F"])]
    assert dict((label, n) for _v, label, n in s["service"])["<1"] == 1  # w2 joined 5 months ago
    assert dict((v, n) for v, _l, n in s["ownership"])["private"] == 4


def test_it_finds_institutions_short_of_care_staff(world, city):
    ctx = selectors.load_context()
    row = next(
        r
        for r in selectors.institution_table(district("500103").pk, ctx, selectors.scope_of(city))
        if r["name"] == "幸福院"
    )
    assert (row["required_care"], row["care"], row["short"]) == (4, 2, 2)
    assert (row["heads"], row["heads_trained"], row["certified"], row["care_workers"]) == (1, 1, 1, 2)


def test_it_projects_to_the_due_date_and_tells_the_rate_needed(world, city):
    ctx = selectors.load_context()
    reading = selectors.read(definitions.get("registry_workers"), None, ctx, selectors.scope_of(city), {})
    assert reading.target.value == 25000
    assert reading.projection.status in {"off_track", "no_trend"}
    assert reading.projection.needed_per_month > 0
    assert reading.points[-1][1] == 5  # the current month is today's value


def test_it_counts_training_bases_by_name_of_the_training_model(world, city):
    from careforce.training.services import training_base_register

    data = {
        "name": "重庆护理培训基地",
        "host": "重庆城市职业学院",
        "kind": "training",
        "district": "500103",
        "accredited_on": "2024-01-01",
        "capacity": 200,
    }
    training_base_register(actor=city, data=data)
    training_base_register(actor=city, data={**data, "name": "实训基地", "kind": "practical"})
    assert value("training_bases", None, city).value == 1


def test_a_monthly_snapshot_stores_every_indicator_per_place(world, city):
    written = services.monthly_figures_record()
    assert written == 42 * len(definitions.available()) or written > 0
