"""The staffing import sheets (posts, residents by ability level, older population with its levels), the older
population by level (page, API, selector), and staffing on the rankings' institution scorecard."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.http import Http404
from django.urls import reverse

from careforce.core import vocabulary
from careforce.core.models import AuditEvent, District, Role
from careforce.core.scope import scope_of
from careforce.imports import selectors as import_selectors
from careforce.imports import services as imports
from careforce.imports.sheets import get_sheet, sheets_for
from careforce.indicators.models import OlderPopulation
from careforce.indicators.services import older_population_set
from careforce.institutions.models import Institution
from careforce.staffing import population, rules
from careforce.staffing.models import OlderPopulationLevels, Post, ResidentsCount
from tests import factories

pytestmark = pytest.mark.django_db


def _xlsx(header, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(actor, sheet, header, rows):
    job = imports.import_upload(actor=actor, sheet=sheet, file_name=f"{sheet}.xlsx", data=_xlsx(header, rows))
    job.refresh_from_db()
    return job


def _commit(actor, job):
    imports.import_commit(actor=actor, job=job)
    job.refresh_from_db()
    return job


def _errors(job) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.errors for row in import_selectors.job_rows(job, "error")}


def _all_errors(job) -> str:
    return json.dumps(_errors(job), ensure_ascii=False)


# ---------------------------------------------------------------- posts

POST_HEADER = ["岗位编码", "岗位名称", "岗位类别", "同义词", "新设岗位"]


def test_it_adds_a_post_with_synonyms_and_extends_an_existing_one(city):
    job = _upload(
        city,
        "posts",
        POST_HEADER,
        [
            ["ＳＭＡＲＴ_care", "智慧养老专员", "专业技术岗位", "智慧养老师、 信息专员", "是"],
            ["caregiver", "养老护理员", "技能", "护工、陪护员", ""],
        ],
    )
    assert (job.rows_new, job.rows_update, job.rows_error) == (1, 1, 0), _all_errors(job)
    update = import_selectors.job_rows(job, "update").get()
    assert update.changes["同义词"][1] == "陪护员"  # 护工 is the post's already
    _commit(city, job)
    post = Post.objects.get(code="smart_care")
    assert (post.name, post.group, post.is_new_post) == ("智慧养老专员", "professional", True)
    assert vocabulary.resolve("post", "信息专员") == "smart_care"
    assert vocabulary.resolve("post", "陪护员") == "caregiver"
    assert AuditEvent.objects.filter(object_type="staffing.post", object_id=post.pk).exists()
    assert AuditEvent.objects.filter(object_type="core.synonym").count() >= 3
    again = _upload(
        city, "posts", POST_HEADER, [["smart_care", "智慧养老专员", "专业技术", "信息专员", "是"]]
    )
    assert (again.rows_new, again.rows_update, again.rows_unchanged) == (0, 0, 1)


def test_a_synonym_of_another_post_is_an_error_naming_both_and_nothing_is_saved(city):
    job = _upload(
        city,
        "posts",
        POST_HEADER,
        [
            ["night_aide", "夜间照护员", "技能", "夜班员", ""],
            ["care_assistant", "社区助理员", "技能", "护工", ""],
        ],
    )
    errors = _errors(job)
    assert list(errors) == [3]
    message = errors[3]["同义词"][0]
    assert "护工" in message and "养老护理员" in message and "社区助理员" in message
    assert not job.can_commit
    with pytest.raises(Exception):  # noqa: B017 - refused whatever its type: nothing may be saved
        imports.import_commit(actor=city, job=job)
    assert not Post.objects.filter(code__in=["night_aide", "care_assistant"]).exists()


def test_the_same_phrase_for_two_posts_in_one_file_names_the_first_row(city):
    job = _upload(
        city,
        "posts",
        POST_HEADER,
        [["aide_a", "甲助老员", "技能", "助老", ""], ["aide_b", "乙助老员", "技能", "助老", ""]],
    )
    assert "2" in _errors(job)[3]["同义词"][0] and "aide_a" in _errors(job)[3]["同义词"][0]


def test_a_post_row_with_a_bad_code_or_group_names_the_column(city):
    job = _upload(city, "posts", POST_HEADER, [["护理", "某岗位", "其他", "", "也许"]])
    assert set(_errors(job)[2]) == {"岗位编码", "岗位类别", "新设岗位"}


def test_posts_and_older_population_sheets_are_the_city_administrators(city, home):
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    institution_admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    for user in (district_admin, institution_admin):
        keys = {spec.key for spec in sheets_for(user, scope_of(user))}
        assert "residents" in keys and not keys & {"posts", "older_population"}
        with pytest.raises(Http404):
            imports.import_upload(actor=user, sheet="posts", file_name="p.xlsx", data=b"x")
    auditor = factories.user(Role.AUDITOR)
    assert not {spec.key for spec in sheets_for(auditor, scope_of(auditor))} & {"posts", "residents"}


@pytest.mark.parametrize("sheet", ["posts", "residents", "older_population"])
def test_each_sheet_has_a_template_with_its_chinese_headers(city, client, sheet):
    client.force_login(city)
    response = client.get(reverse("imports:template", args=[sheet]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert [c.header for c in get_sheet(sheet).template_columns] == headers


# ---------------------------------------------------------------- residents by ability level

RESIDENT_HEADER = [
    "统一社会信用代码",
    "机构名称",
    "统计日期",
    "能力完好",
    "轻度失能",
    "中度失能",
    "重度失能",
    "完全失能",
]


def test_a_district_records_residents_by_credit_code_or_name_all_or_nothing(city, home):
    yuzhong = District.objects.get(code="500103")
    other = factories.institution(actor=city, district_code="500103", name="渝中区夕阳红养老院")
    jiangbei = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong)
    wide = home.uscc.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})  # full-width digits
    rows = [
        [wide, "", "2026年11月30日", "３０", 12, 6.0, "4", "2人"],
        ["", "渝中区夕阳红养老院", 2025, 10, 0, 0, 0, 0],
        [jiangbei.uscc, "", "2026-11-30", 1, 1, 1, 1, 1],
    ]
    job = _upload(official, "residents", RESIDENT_HEADER, rows)
    errors = _errors(job)
    assert list(errors) == [4] and "统一社会信用代码" in errors[4]
    assert "江北" not in _all_errors(job)  # outside the area reads as unknown, never where
    home.refresh_from_db()
    assert home.residents == 0  # the check writes nothing
    job = _upload(official, "residents", RESIDENT_HEADER, rows[:2])
    assert job.rows_update == 2 and job.can_commit, _all_errors(job)
    _commit(official, job)
    home.refresh_from_db()
    other.refresh_from_db()
    assert (home.residents_able, home.residents_mild, home.residents_moderate) == (30, 12, 6)
    assert (home.residents_severe, home.residents_total) == (4, 2)
    assert ResidentsCount.objects.get(institution=home).counted_on == datetime.date(2026, 11, 30)
    assert ResidentsCount.objects.get(institution=other).counted_on == datetime.date(2025, 12, 31)
    assert AuditEvent.objects.filter(object_type="institutions.institution", object_id=home.pk).count() >= 2
    # The residents drive the care-staff requirement (the one definition in rules).
    _counted, required = rules.care_staffing([home.pk])[home.pk]
    assert required == 7  # 30/15 + 12/10 + 6/6 + 4/3 + 2/3, rounded up once
    assert Institution.objects.get(pk=jiangbei.pk).residents == 0


def test_an_older_count_is_refused_and_the_same_file_again_changes_nothing(city, home):
    official = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    row = [home.uscc, "", "2026-11-30", 30, 12, 6, 4, 2]
    _commit(official, _upload(official, "residents", RESIDENT_HEADER, [row]))
    again = _upload(official, "residents", RESIDENT_HEADER, [row])
    assert (again.rows_unchanged, again.rows_update) == (1, 0)
    older = _upload(official, "residents", RESIDENT_HEADER, [[home.uscc, "", "2026-10-01", 1, 1, 1, 1, 1]])
    assert "2026-11-30" in _errors(older)[2]["统计日期"][0]


def test_an_institution_administrator_records_only_its_own_institution(city, home):
    neighbour = factories.institution(actor=city, district_code="500103", name="渝中区邻家养老院")
    official = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    job = _upload(
        official, "residents", RESIDENT_HEADER, [["", "渝中区邻家养老院", "2026-11-30", 1, 0, 0, 0, 0]]
    )
    assert "机构名称" in _errors(job)[2]
    neighbour.refresh_from_db()
    assert neighbour.residents == 0


def test_a_residents_row_needs_every_level_and_a_date(city, home):
    job = _upload(city, "residents", RESIDENT_HEADER, [[home.uscc, "", "", 1, "", "多", 0, 0]])
    assert set(_errors(job)[2]) == {"统计日期", "轻度失能", "中度失能"}


# ---------------------------------------------------------------- older population with its levels

POPULATION_HEADER = [
    "区县",
    "年份",
    "口径",
    "60岁及以上",
    "65岁及以上",
    "来源",
    "能力完好",
    "轻度失能",
    "中度失能",
    "重度失能",
    "完全失能",
]


def test_the_older_population_is_imported_with_levels_where_known(city):
    rows = [
        ["渝中区", 2023, "户籍", 180000, 140000, "区统计年鉴", "１５００００", 20000, "暂无数据", None, ""],
        ["500105", 2023, "常住", 200000, None, "x", None, None, None, None, None],
    ]
    job = _upload(city, "older_population", POPULATION_HEADER, rows)
    assert job.rows_new == 2 and job.can_commit, _all_errors(job)
    assert not OlderPopulation.objects.filter(district__code="500103").exists()  # the check wrote nothing
    _commit(city, job)
    yuzhong = OlderPopulation.objects.get(district__code="500103", year=2023)
    assert (yuzhong.count, yuzhong.aged_65_plus, yuzhong.basis) == (180000, 140000, "registered")
    assert yuzhong.levels.counts() == {
        "able": 150000,
        "mild": 20000,
        "moderate": None,
        "severe": None,
        "totally_disabled": None,
    }
    jiangbei = OlderPopulation.objects.get(district__code="500105")
    assert not OlderPopulationLevels.objects.filter(population=jiangbei).exists()
    figures = population.older_population_by_level()
    assert figures[yuzhong.district_id].levels["moderate"] is None  # no data, not zero
    assert figures[yuzhong.district_id].known and not figures[yuzhong.district_id].complete
    assert not figures[jiangbei.district_id].known
    # An empty cell keeps what is recorded; 暂无数据 clears it.
    update = _upload(
        city,
        "older_population",
        POPULATION_HEADER,
        [["渝中区", 2023, "户籍", 180000, 140000, "区统计年鉴", None, "暂无数据", 5000, None, None]],
    )
    changed = import_selectors.job_rows(update, "update").get().changes
    assert changed == {"轻度失能": [20000, None], "中度失能": [None, 5000]}
    _commit(city, update)
    yuzhong.levels.refresh_from_db()
    assert (yuzhong.levels.able, yuzhong.levels.mild, yuzhong.levels.moderate) == (150000, None, 5000)


def test_older_population_rows_with_errors_save_nothing(city):
    rows = [
        ["渝中区", 2023, "户籍", 180000, 140000, "区统计年鉴", None, None, None, None, None],
        ["不存在区", 2023, "常住", 1000, None, "x", None, None, None, None, None],
        ["江北区", 2024, "常住", 1000, 2000, "x", None, None, None, None, None],
        ["渝北区", 2024, "常住", 1000, None, "x", 900, 200, None, None, None],
        ["渝北区", 2024, "常住", 1000, None, "x", "九百", None, None, None, None],
    ]
    job = _upload(city, "older_population", POPULATION_HEADER, rows)
    errors = _errors(job)
    assert "区县" in errors[3] and "65岁及以上" in errors[4]
    assert "1100" in _all_errors(job)  # the levels' sum, beyond the 60+ figure
    assert "能力完好" in errors[6] or "年份" in errors[6]  # a duplicate district and year, or the word
    assert not job.can_commit
    assert not OlderPopulation.objects.filter(district__code="500103").exists()


def test_the_city_edits_the_levels_on_the_page_and_through_the_api(city, client):
    figure = older_population_set(
        actor=city, district=District.objects.get(code="500103"), year=2023, count=1000, source="x"
    )
    client.force_login(city)
    url = reverse("staffing:population_detail", args=[figure.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"able": "很多", "mild": "", "moderate": "", "severe": "", "totally_disabled": ""})
    assert bad.status_code == 400 and "能力完好" in bad.content.decode()
    ok = client.post(
        url, {"able": "800", "mild": "１００", "moderate": "", "severe": "", "totally_disabled": ""}
    )
    assert ok.status_code == 302
    assert figure.levels.counts()["mild"] == 100
    api = f"/api/v1/staffing/population/{figure.pk}/levels"
    over = client.patch(api, json.dumps({"severe": 500}), content_type="application/json")
    assert over.status_code in (400, 422)
    response = client.patch(api, json.dumps({"severe": "50", "able": None}), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["levels"] == {
        "able": None,
        "mild": 100,
        "moderate": None,
        "severe": 50,
        "totally_disabled": None,
    }
    listing = client.get("/api/v1/staffing/population").json()
    assert any(item["id"] == figure.pk and item["levels"]["severe"] == 50 for item in listing)
    page = client.get(reverse("staffing:population_list")).content.decode()
    assert "渝中区" in page


def test_only_city_administrators_edit_the_levels(city, client):
    yuzhong = District.objects.get(code="500103")
    figure = older_population_set(actor=city, district=yuzhong, year=2023, count=1000, source="x")
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=yuzhong))
    url = reverse("staffing:population_detail", args=[figure.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"able": "1"}).status_code == 404
    api = f"/api/v1/staffing/population/{figure.pk}/levels"
    assert client.patch(api, json.dumps({"able": 1}), content_type="application/json").status_code == 404
    assert not OlderPopulationLevels.objects.exists()


# ---------------------------------------------------------------- the rankings' institution scorecard


def test_the_scorecard_shows_the_named_shortfall_counted_staff_and_completeness(city, client):
    from careforce.rankings import services as rankings

    home = factories.institution(
        actor=city, district_code="500103", name="渝中区颐年养老院", beds=120, residents_able=45
    )
    factories.worker(at=home, actor=city, name="张三丰")
    today = datetime.date.today()
    period = {"period_kind": "month", "year": today.year, "number": today.month}
    rankings.ranking_publish(actor=city, ranking=rankings.ranking_compute(actor=city, data=period))
    client.force_login(city)
    page = client.get(reverse("rankings:institution_scorecard", args=[home.pk])).content.decode()
    detail = client.get(reverse("staffing:institution_detail", args=[home.pk])).content.decode()
    verdict = rules.compliance(Institution.objects.filter(pk=home.pk))[home.pk][1].text
    assert verdict in page and verdict in detail  # the one definition, on both pages
    data = client.get(f"/api/v1/rankings/institutions/{home.pk}/scorecard").json()
    staffing = data["staffing"]
    assert not staffing["compliant"] and staffing["shortfall_text"] == verdict
    assert staffing["counted_full_time"] + staffing["counted_part_time"] >= 1
    assert staffing["completeness_total"] == 1
    assert len(data["rankings"]) == 1 and data["rankings"][0]["institution_id"] == home.pk
    other_district = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    client.force_login(other_district)
    assert client.get(reverse("rankings:institution_scorecard", args=[home.pk])).status_code == 404
