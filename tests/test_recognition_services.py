"""Recognition: awards, competitions (judges drawn without conflicts, scores, ranks, prizes feeding the skill
ladder), master studios, the household-registration flag and list, district figures, imports."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from careforce.core.models import AuditEvent, District, PiiAccess, Role
from careforce.imports import services as imports
from careforce.pools import services as pools
from careforce.recognition import exports, metrics, selectors, services
from careforce.recognition.models import Award, CompetitionStatus, Entrant
from tests import factories, factories_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_admin(db):
    return factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))


def _judge(city, *, worker=None, name="外聘裁判"):
    data = {"pool": "competition_judge", "qualifications": "国家级裁判"}
    if worker is not None:
        data["worker"] = worker.pk
    else:
        data.update(name=name, district="500103")
    return pools.member_join(actor=city, data=data)


@pytest.fixture
def contest(city, home):
    """A city competition with two entrants of two homes, and a judges' pool of five: one employed by an
    entrant's home, one an entrant, three from outside."""
    other = factories.institution(actor=city, district_code="500105")
    first = factories.worker(at=home, actor=city, name="张一")
    second = factories.worker(at=other, actor=city, name="李二")
    colleague = factories.worker(at=home, actor=city, name="王同事")
    competition = services.competition_create(
        actor=city, data={"title": "重庆市养老护理职业技能大赛", "level": "city", "held_on": "2026-05-10"}
    )
    for worker in (first, second):
        services.entrant_add(actor=city, competition=competition, data={"worker": worker.pk})
    conflicted = [_judge(city, worker=colleague), _judge(city, worker=second)]
    free = [_judge(city, name=f"裁判{n}") for n in range(3)]
    return {
        "competition": competition,
        "first": first,
        "second": second,
        "conflicted": conflicted,
        "free": free,
    }


def test_it_grants_an_award_once_per_kind_and_year_with_an_audit_event(city, home):
    worker = factories.worker(at=home, actor=city)
    award = services.award_grant(
        actor=city,
        data={"kind": "最美护理员", "worker": worker.pk, "year": 2026, "citation": "十年如一日（Ａ）"},
    )
    # Kept as typed, full-width characters included.
    assert award.district.code == "500103" and award.citation == "十年如一日（Ａ）"
    assert AuditEvent.objects.filter(object_type="recognition.award", worker_id=worker.pk).exists()
    with pytest.raises(ValidationError) as caught:
        services.award_grant(actor=city, data={"kind": "最美护理员", "worker": worker.pk, "year": 2026})
    assert "worker" in caught.value.message_dict


def test_a_district_makes_district_awards_to_its_own_workers_only(city, home, district_admin):
    worker = factories.worker(at=home, actor=city)
    outside = factories.worker(at=factories.institution(actor=city, district_code="500105"), actor=city)
    with pytest.raises(ValidationError) as caught:
        services.award_grant(
            actor=district_admin, data={"kind": "最美护理员", "worker": worker.pk, "year": 2026}
        )
    assert "kind" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.award_grant(
            actor=district_admin, data={"kind": "优秀养老护理员", "worker": outside.pk, "year": 2026}
        )
    assert "worker" in caught.value.message_dict
    award = services.award_grant(
        actor=district_admin, data={"kind": "优秀养老护理员", "worker": worker.pk, "year": 2026}
    )
    assert award.kind.level == "district"


def test_bad_award_input_names_the_field(city):
    with pytest.raises(ValidationError) as caught:
        services.award_grant(actor=city, data={"kind": "没有这个奖", "worker": "", "year": "明年"})
    assert {"kind", "worker", "year"} <= set(caught.value.message_dict)


def test_the_judges_draw_excludes_colleagues_of_entrants_and_entrants(city, contest):
    competition = services.judges_draw(actor=city, competition=contest["competition"], count=3)
    draw = competition.judges_draw
    assert competition.status == CompetitionStatus.JUDGED
    assert set(draw.excluded_ids) == {m.pk for m in contest["conflicted"]}
    assert set(draw.picked_ids) == {m.pk for m in contest["free"]}
    assert pools.draw_replay(draw)[1]
    with pytest.raises(ValidationError):  # entries closed
        services.entrant_add(
            actor=city, competition=competition, data={"worker": factories.worker(actor=city).pk}
        )
    with pytest.raises(ValidationError) as caught:  # only three are free
        services.judges_draw(actor=city, competition=competition, count=3)
    assert "count" in caught.value.message_dict


def test_an_entrant_without_a_post_is_still_excluded_as_a_judge(city, contest):
    """The exclusion of entrants does not rest on their employer."""
    draw = pools.draw_make(
        actor=city,
        data={"pool": "competition_judge", "task_kind": "competition", "task_title": "t", "count": 1},
        exclude_workers=[contest["second"].pk],
    )
    assert contest["conflicted"][1].pk in draw.excluded_ids
    assert contest["conflicted"][0].pk not in draw.excluded_ids  # no subject institution named


def test_scores_ranks_prizes_and_the_level_a_prize_makes_the_winner_eligible_for(city, contest):
    first, second = contest["first"], contest["second"]
    factories_training.certificate(first, level="junior", actor=city)
    competition = contest["competition"]
    with pytest.raises(ValidationError):  # no scores before the judges
        services.scores_enter(actor=city, competition=competition, scores={})
    services.judges_draw(actor=city, competition=competition, count=2)
    entrants = {e.worker_id: e for e in competition.entrants.all()}
    with pytest.raises(ValidationError) as caught:
        services.results_publish(actor=city, competition=competition)
    assert "scores" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.scores_enter(actor=city, competition=competition, scores={str(entrants[first.pk].pk): "101"})
    assert first.name in caught.value.messages[0]
    services.scores_enter(
        actor=city,
        competition=competition,
        scores={str(entrants[first.pk].pk): "95.5", str(entrants[second.pk].pk): "88"},
    )
    services.results_publish(actor=city, competition=competition)
    won, runner = Entrant.objects.get(worker=first), Entrant.objects.get(worker=second)
    assert (won.rank, won.prize, won.eligible_level.code) == (1, "一等奖", "intermediate")
    assert (runner.rank, runner.prize, runner.eligible_level.code) == (2, "二等奖", "junior")  # no level yet
    with pytest.raises(ValidationError):
        services.results_publish(actor=city, competition=competition)
    assert selectors.worker_recognition(first)["prizes"] == [won]


def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    assert services.ranks_for({1: Decimal(100), 2: Decimal(95), 3: Decimal(95), 4: Decimal(90)}) == {
        1: 1,
        2: 2,
        3: 2,
        4: 4,
    }


def test_a_district_cannot_touch_a_city_competition_or_another_districts(city, contest, district_admin):
    with pytest.raises(Http404):
        services.judges_draw(actor=district_admin, competition=contest["competition"], count=1)
    jiangbei = services.competition_create(
        actor=city,
        data={"title": "江北区技能比武", "level": "district", "district": "500105", "held_on": "2026-04-01"},
    )
    with pytest.raises(Http404):
        selectors.competition_get(district_admin, jiangbei.pk)
    assert selectors.competition_get(district_admin, contest["competition"].pk)  # a city event: visible
    assert [e.worker_id for e in selectors.competition_entrants(district_admin, contest["competition"])] == [
        contest["first"].pk
    ]


def test_a_studio_records_its_apprentices_with_dates(city, home):
    master = factories.worker(at=home, actor=city, name="陈大师")
    apprentice = factories.worker(at=home, actor=city, name="小周")
    studio = services.studio_create(
        actor=city, data={"name": "陈大师技能工作室", "leader": master.pk, "founded_on": "2024-01-01"}
    )
    with pytest.raises(ValidationError):
        services.studio_member_add(actor=city, studio=studio, data={"worker": master.pk})
    with pytest.raises(ValidationError) as caught:
        services.studio_member_add(
            actor=city, studio=studio, data={"worker": apprentice.pk, "started_on": "2023-01-01"}
        )
    assert "started_on" in caught.value.message_dict
    member = services.studio_member_add(
        actor=city, studio=studio, data={"worker": apprentice.pk, "started_on": "2024-03-01"}
    )
    assert member.role == "apprentice"
    services.studio_member_end(actor=city, member=member, data={"ended_on": "2025-03-01"})
    member.refresh_from_db()
    assert member.ended_on == datetime.date(2025, 3, 1)
    assert selectors.worker_recognition(apprentice)["memberships"] == [member]


def test_only_technicians_and_above_are_flagged_and_the_list_is_masked_unless_unmasked_with_a_reason(
    city, home
):
    junior = factories.worker(at=home, actor=city, name="初级")
    technician = factories.worker(at=home, actor=city, name="技师")
    factories_training.certificate(junior, level="junior", actor=city)
    factories_training.certificate(technician, level="technician", actor=city)
    with pytest.raises(ValidationError) as caught:
        services.settlement_flag(actor=city, data={"worker": junior.pk})
    assert "技师" in caught.value.messages[0] or "worker" in caught.value.message_dict
    flag = services.settlement_flag(actor=city, data={"worker": technician.pk})
    assert flag.level.code == "technician"
    with pytest.raises(ValidationError):
        services.settlement_flag(actor=city, data={"worker": technician.pk})
    number = technician.reveal_id_number()

    def cells(book):
        sheet = openpyxl.load_workbook(io.BytesIO(book.read())).active
        return [str(c.value) for row in sheet.iter_rows() for c in row]

    masked = cells(exports.settlement_book(city))
    assert number not in masked and technician.name in masked
    assert not PiiAccess.objects.exists()
    full = cells(exports.settlement_book(city, reason="公安局户籍办理"))
    assert number in full
    assert PiiAccess.objects.filter(worker=technician, reason="公安局户籍办理").exists()
    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(Http404):  # no permission to unmask: refused, not masked silently
        exports.settlement_book(auditor, reason="看看")


def test_district_figures_count_awards_and_published_prizes_by_one_definition(city, contest, district_admin):
    services.award_grant(actor=city, data={"kind": "最美护理员", "worker": contest["first"].pk, "year": 2026})
    competition = contest["competition"]
    services.judges_draw(actor=city, competition=competition, count=1)
    entrants = list(competition.entrants.all())
    services.scores_enter(actor=city, competition=competition, scores={str(e.pk): "90" for e in entrants})
    rows = {r["district"].code: r for r in metrics.figures_by_district(city, 2026)}
    assert rows["500103"]["awards"] == 1 and rows["500103"]["prizes"] == 0  # not published yet
    services.results_publish(actor=city, competition=competition)
    rows = {r["district"].code: r for r in metrics.figures_by_district(city, 2026)}
    assert (rows["500103"]["prizes"], rows["500105"]["prizes"]) == (1, 1)
    assert [r["district"].code for r in metrics.figures_by_district(district_admin, 2026)] == ["500103"]
    assert metrics.figures_by_district(city, 2025)[0]["awards"] == 0


def _run(actor, sheet: str, text: str):
    job = imports.import_upload(actor=actor, sheet=sheet, file_name="t.csv", data=text.encode("utf-8-sig"))
    job.refresh_from_db()
    return job


def test_awards_import_all_or_nothing_through_the_service(city, home):
    worker = factories.worker(at=home, actor=city)
    number = worker.reveal_id_number()
    bad = _run(city, "awards", f"身份证号码,奖项,年度\n{number},最美护理员,2026\n{number},不存在的奖,2026\n")
    assert bad.rows_error == 1 and not bad.can_commit
    assert not Award.objects.exists()
    job = _run(city, "awards", f"身份证号码,奖项,年度,事迹\n{number},最美护理员,2026,扎根社区\n")
    assert job.rows_new == 1 and job.can_commit, job.message
    imports.import_commit(actor=city, job=job)
    assert Award.objects.get().citation == "扎根社区"


def test_competition_results_import_enters_then_scores(city, contest):
    competition = contest["competition"]
    newcomer = factories.worker(actor=city, name="赵新")
    job = _run(
        city,
        "competition_results",
        f"竞赛编号,身份证号码,成绩\n{competition.pk},{newcomer.reveal_id_number()},\n",
    )
    assert job.rows_new == 1, job.message
    imports.import_commit(actor=city, job=job)
    assert competition.entrants.filter(worker=newcomer).exists()
    services.judges_draw(actor=city, competition=competition, count=1)
    lines = "".join(
        f"{competition.pk},{w.reveal_id_number()},{s}\n" for w, s in ((contest["first"], 91), (newcomer, 80))
    )
    job = _run(city, "competition_results", "竞赛编号,身份证号码,成绩\n" + lines)
    assert job.rows_update == 2 and job.can_commit, job.message
    imports.import_commit(actor=city, job=job)
    assert Entrant.objects.get(worker=contest["first"]).score == Decimal("91.0")
