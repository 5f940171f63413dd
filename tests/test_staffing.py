"""Staffing: posts resolved from the typed text, rules as data with the named shortfall, who counts
(labour contract, part-time weight), older population per district ("no data", never zero), record
completeness threshold, the supply–demand projection, and the pages and API."""

import json
import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from careforce.core.models import District, Role
from careforce.indicators.models import OlderPopulation
from careforce.institutions.models import Institution
from careforce.registry.models import Employment
from careforce.registry.services import employment_update
from careforce.staffing import rules, selectors, services
from careforce.staffing.models import Post, PostRequirement, StaffingSettings
from tests import factories

pytestmark = pytest.mark.django_db


def _employment(worker):
    return worker.employments.get()


def _staff(city, inst, post="护理员", *, team="care", contract=True, part_time=False):
    occupation = {"care": "care_worker", "professional": "social_worker", "management": "director"}[team]
    worker = factories.worker(at=inst, actor=city, team=team, occupation=occupation)
    data = {"post": post}
    if not contract:
        data["has_labour_contract"] = False
    if part_time:
        data["is_part_time"] = True
    return employment_update(actor=city, employment=_employment(worker), data=data)


def _needs(inst):
    _row, result, _required = rules.compliance(Institution.objects.filter(pk=inst.pk))[inst.pk]
    return result, {need.post: need.short for need in result.needs}


def test_the_post_is_resolved_through_synonyms_and_kept_as_typed(city):
    inst = factories.institution(actor=city)
    emp = _employment(factories.worker(at=inst, actor=city))
    assert (emp.post, emp.post_ref.code) == ("护理员", "caregiver")
    emp = employment_update(actor=city, employment=emp, data={"post": "社　工"})
    emp.refresh_from_db()
    assert emp.post == "社　工" and emp.post_ref.code == "social_work"
    emp = employment_update(actor=city, employment=emp, data={"post": "厨师长"})
    emp.refresh_from_db()
    assert emp.post == "厨师长" and emp.post_ref is None


def test_the_catalogue_has_the_policys_groups_and_new_posts():
    groups = dict(Post.objects.values_list("code", "group"))
    assert groups["director"] == "management" and groups["assessment"] == "professional"
    assert groups["fire_safety"] == "support" and groups["caregiver"] == "skilled"
    assert set(Post.objects.filter(is_new_post=True).values_list("name", flat=True)) == {
        "养老顾问",
        "社区助老员",
        "老年助浴员",
        "认知障碍照护员",
    }
    assert PostRequirement.objects.filter(is_verified=False).exists()


def test_the_shortfall_is_named_and_names_lent_on_paper_never_count(city):
    # 30 able (1:15) + 6 severely disabled (1:3) call for 4 care staff; 120 beds call for a social worker.
    inst = factories.institution(actor=city, beds=120, residents_able=30, residents_severe=6)
    _staff(city, inst)
    _staff(city, inst)
    _staff(city, inst, contract=False)  # 挂证: no labour contract at the institution
    _staff(city, inst, "社工", team="professional")
    _staff(city, inst, "院长（机构负责人）", team="management")
    result, short = _needs(inst)
    assert short["养老护理员"] == 2
    assert short["社会工作"] == 0 and short["院长"] == 0
    assert short["消防安全"] == 1 and short["食品安全"] == 1
    assert not result.compliant
    with translation.override("en"):
        assert result.text == "2 more 养老护理员, no 消防安全 post, no 食品安全 post"
    with translation.override("zh-hans"):
        assert result.text == "缺 2 名养老护理员、无消防安全岗、无食品安全岗"
    assert rules.care_staffing([inst.pk])[inst.pk] == (Decimal(2), 4)


def test_an_ended_employment_does_not_count(city):
    inst = factories.institution(actor=city, beds=10, residents_able=15)
    emp = _staff(city, inst)
    assert rules.care_staffing([inst.pk])[inst.pk] == (Decimal(1), 1)
    employment_update(actor=city, employment=emp, data={"end_date": "2024-01-01"})
    assert rules.care_staffing([inst.pk])[inst.pk] == (Decimal(0), 1)


def test_part_time_staff_count_as_the_weight_in_the_settings(city):
    inst = factories.institution(actor=city, beds=10, residents_able=15)
    _staff(city, inst, part_time=True)
    _result, short = _needs(inst)
    assert short["养老护理员"] == 1  # 0.5 of a person against 1 required
    services.settings_update(actor=city, data={"part_time_weight": "1"})
    _result, short = _needs(inst)
    assert short["养老护理员"] == 0


def test_rules_apply_by_star_grade_size_and_public_service_unit(city):
    small = factories.institution(actor=city, beds=20)
    graded = factories.institution(actor=city, beds=20, star_grade=5)
    public = factories.institution(actor=city, beds=20, is_public_service_unit=True)
    _r, short_small = _needs(small)
    _r, short_graded = _needs(graded)
    _r, short_public = _needs(public)
    assert "护理" not in short_small and "食品安全" not in short_small and "社会工作" not in short_small
    assert {"护理", "医疗", "营养", "心理咨询"} <= set(short_graded)
    assert short_public["护理"] == 2 and short_public["社会工作"] == 1


def test_a_district_without_an_older_population_figure_shows_no_data_never_zero(city):
    yubei = District.objects.get(code="500112")
    yuzhong = District.objects.get(code="500103")
    assert not OlderPopulation.objects.filter(district=yuzhong).exists()
    figure = OlderPopulation.objects.get(district=yubei)
    assert (figure.count, figure.aged_65_plus, figure.basis) == (359_381, 265_095, "resident")
    inst = factories.institution(actor=city, district_code="500112")
    _staff(city, inst, "社会工作者", team="professional")
    _staff(city, factories.institution(actor=city, district_code="500103"))
    rows = {row.district.code: row for row in selectors.overview(city)["rows"]}
    assert rows["500103"].population is None and rows["500103"].care_per_1000 is None
    assert rows["500112"].social_per_1000 == Decimal("0.003")


def test_the_completeness_threshold_is_data_and_the_institution_lists_what_records_lack(city, client):
    assert selectors.completeness_threshold() == Decimal("90")
    services.settings_update(actor=city, data={"completeness_threshold": "80"})
    assert selectors.completeness_threshold() == Decimal("80")
    assert StaffingSettings.objects.get(pk=1).completeness_threshold == Decimal("80")
    inst = factories.institution(actor=city)
    factories.worker(at=inst, actor=city, name="李四")
    client.force_login(city)
    page = client.get(reverse("staffing:institution_detail", args=[inst.pk])).content.decode()
    row = page.split('id="incomplete-records"', 1)[1].split("李四", 1)[1].split("</tr>", 1)[0]
    from careforce.registry.completeness import CRITERIA

    assert str(CRITERIA[-1].label) in row  # what the record lacks: the confirmation within the year


def test_bad_settings_are_refused_naming_the_field(city, client):
    with pytest.raises(ValidationError) as exc:
        services.settings_update(actor=city, data={"completeness_threshold": "abc"})
    assert "completeness_threshold" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.settings_update(actor=city, data={"part_time_weight": "2"})
    assert "part_time_weight" in exc.value.message_dict
    client.force_login(city)
    response = client.post(
        reverse("staffing:settings"), {"completeness_threshold": "120", "part_time_weight": "0.5"}
    )
    assert response.status_code == 400
    assert StaffingSettings.objects.get(pk=1).completeness_threshold == Decimal("90")


def test_the_projection_leaves_out_districts_without_population_and_counts_them(city):
    inst = factories.institution(actor=city, district_code="500112", residents_able=30)
    _staff(city, inst)
    data = selectors.projection(city)
    rows = {row.district.code: row for row in data["rows"]}
    assert rows["500103"].years[2027]["demand"] is None
    with_data = sum(1 for row in data["rows"] if row.population is not None)
    assert data["excluded"] == len(data["rows"]) - with_data and data["included"] == with_data
    yubei = rows["500112"]
    # 2 care staff for 30 able residents + 5 per 1,000 of 359,381 grown 3.4 % a year from 2020 to 2027.
    older = Decimal(359_381) * Decimal("1.034") ** 7
    import math

    assert yubei.years[2027]["demand"] == 2 + math.ceil(older * 5 / 1000)
    assert data["totals"][2027]["demand"] == sum(
        r.years[2027]["demand"] for r in data["rows"] if r.population is not None
    )


def _figure(code):
    return OlderPopulation.objects.filter(district__code=code).order_by("-year", "-id").first()


def test_the_projection_uses_the_older_population_by_ability_level_where_every_level_is_known(city, client):
    inst = factories.institution(actor=city, district_code="500112", residents_able=30)
    _staff(city, inst)
    yubei = _figure("500112")
    # 359,381 aged 60+ in 2020; the levels add up to less (people not assessed take the same mix).
    levels = {
        "able": 200_000,
        "mild": 40_000,
        "moderate": 20_000,
        "severe": 10_000,
        "totally_disabled": 10_000,
    }
    services.population_levels_set(actor=city, population=yubei, data=levels)
    # A district with only some levels known keeps the per-1,000 rates.
    partial = _figure("500154")
    services.population_levels_set(actor=city, population=partial, data={"able": 1000})
    data = selectors.projection(city)
    rows = {row.district.code: row for row in data["rows"]}
    older = Decimal(yubei.count) * Decimal("1.034") ** (2027 - yubei.year)
    rate = (
        Decimal(200_000) * Decimal("0.5")
        + Decimal(40_000) * 5
        + Decimal(20_000) * 20
        + Decimal(10_000) * 50
        + Decimal(10_000) * 100
    ) / 280_000
    assert rows["500112"].method == selectors.METHOD_LEVELS
    assert rows["500112"].years[2027]["demand"] == 2 + math.ceil(older * rate / 1000)
    # Not what today's 5 per 1,000 gives: the old projection would fail here.
    assert rows["500112"].years[2027]["demand"] != 2 + math.ceil(older * 5 / 1000)
    assert rows["500154"].method == selectors.METHOD_PER_1000
    assert rows["500103"].method is None  # no figure at all
    assert data["by_levels"] == 1
    client.force_login(city)
    api = client.get("/api/v1/staffing/projection").json()
    methods = {d["district"]: d["demand_method"] for d in api["districts"]}
    assert methods["渝北区"] == "levels" and methods["开州区"] == "per_1000" and methods["渝中区"] is None
    assert api["workers_per_1000_by_level"]["severe"] == 50.0 and api["level_rates_verified"] is False
    assert api["districts_by_levels"] == 1 and "未核实" in api["level_rates_source"]
    page = client.get(reverse("staffing:projection")).content.decode()
    assert "按能力等级测算" in page and "按每千人比例（无能力等级数据）" in page


def test_the_rates_by_ability_level_are_scenario_data_edited_by_city_administrators(city, client):
    yubei = _figure("500112")
    levels = {"able": 100, "mild": 0, "moderate": 0, "severe": 0, "totally_disabled": 100}
    services.population_levels_set(actor=city, population=yubei, data=levels)
    services.scenario_update(
        actor=city, data={"able_workers_per_1000": "1", "totally_disabled_workers_per_1000": "201"}
    )
    row = next(r for r in selectors.projection(city)["rows"] if r.district.code == "500112")
    older = Decimal(yubei.count) * Decimal("1.034") ** (2029 - yubei.year)
    assert row.years[2029]["demand"] == math.ceil(older * Decimal(101) / 1000)
    client.force_login(city)
    bad = client.patch(
        "/api/v1/staffing/scenario",
        json.dumps({"severe_workers_per_1000": "-1", "level_rates_source": "民政局测算"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "severe_workers_per_1000" in json.dumps(bad.json())
    good = client.patch(
        "/api/v1/staffing/scenario",
        json.dumps({"severe_workers_per_1000": "60", "level_rates_source": "民政局测算"}),
        content_type="application/json",
    ).json()
    assert good["workers_per_1000_by_level"]["severe"] == 60.0 and good["level_rates_source"] == "民政局测算"


def test_the_scenario_is_edited_by_city_administrators_only(city, client):
    yuzhong = District.objects.get(code="500103")
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=yuzhong))
    body = json.dumps({"older_growth_per_year": 2})
    assert client.patch("/api/v1/staffing/scenario", body, content_type="application/json").status_code == 404
    client.force_login(city)
    response = client.patch("/api/v1/staffing/scenario", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["older_growth_per_year"] == 2.0
    bad = client.patch(
        "/api/v1/staffing/scenario",
        json.dumps({"home_workers_per_1000": "x"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "home_workers_per_1000" in json.dumps(bad.json())


def test_pages_and_api_answer(city, client):
    inst = factories.institution(actor=city, residents_able=30)
    _staff(city, inst)
    client.force_login(city)
    for name, args in [
        ("staffing:home", []),
        ("staffing:district_detail", [inst.district_id]),
        ("staffing:projection", []),
        ("staffing:posts", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200
    data = client.get(f"/api/v1/staffing/institutions/{inst.pk}").json()
    assert data["needs"][0] == {"post": "养老护理员", "required": 2.0, "counted": 1.0, "short": 1}
    overview = client.get("/api/v1/staffing").json()
    yuzhong = next(d for d in overview["districts"] if d["district"] == "渝中区")
    assert yuzhong["older_population"] is None and yuzhong["institutions"] == 1
    # An institution administrator is taken to its own institution's page.
    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=inst))
    response = client.get(reverse("staffing:home"))
    assert response.status_code == 302 and response.url.endswith(f"/staffing/institutions/{inst.pk}/")
    # The city-wide tables are for city and district officials.
    assert client.get("/api/v1/staffing").status_code == 404
    assert client.get(reverse("staffing:projection")).status_code == 404
    assert client.get(f"/api/v1/staffing/institutions/{inst.pk}").status_code == 200


def test_the_roster_import_resolves_the_post_and_keeps_it_as_typed(city):
    from tests.factories_imports import commit, fixture_institutions, upload

    fixture_institutions(city)
    commit(city, upload(city, "roster_utf8_bom.csv"))
    posts = dict(
        Employment.objects.filter(worker__name__in=["张三", "李四"]).values_list("worker__name", "post")
    )
    refs = dict(
        Employment.objects.filter(worker__name__in=["张三", "李四"]).values_list(
            "worker__name", "post_ref__code"
        )
    )
    assert posts == {"张三": "护理员", "李四": "社工"}
    assert refs == {"张三": "caregiver", "李四": "social_work"}


def test_the_district_page_shows_its_institutions_a_page_at_a_time_over_totals_of_every_one(
    city, client, settings
):
    settings.LIST_PAGE_SIZE = 2
    names = ["甲养老院", "乙养老院", "丙养老院"]
    insts = [
        factories.institution(actor=city, district_code="500112", name=n, residents_able=30) for n in names
    ]
    client.force_login(city)
    url = reverse("staffing:district_detail", args=[insts[0].district_id])
    first, second = client.get(url), client.get(url + "?page=2")
    table = [r.content.decode().split('id="staffing-institutions"')[1] for r in (first, second)]
    shown = [[n for n in names if n in t] for t in table]
    assert len(shown[0]) == 2 and len(shown[1]) == 1 and set(shown[0] + shown[1]) == set(names)
    # The totals above the table count every institution, whichever page is shown.
    assert first.context["compliant"] == second.context["compliant"] and len(second.context["rows"]) == 3
    assert "0 / 3" in second.content.decode()
