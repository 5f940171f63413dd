"""The roster's preview is not an oracle: each answer about a number outside the importer's area (a new
person, or "already in the registry") is a counted, logged full-number lookup; past the limit every such
number is shown alike, and a save refused because one is registered elsewhere says the same of all of them.
A district's own staff are not guesses (it can list them), and a roster of new people still goes through."""

from __future__ import annotations

import pytest

from careforce.core import access
from careforce.core.models import AccessKind, RecordAccess, Role
from careforce.imports.models import ImportRow
from careforce.registry.models import Worker
from tests import factories
from tests.factories_imports import commit, fixture_institutions, upload
from tests.fixtures.make_fixtures import YUZHONG_A, person

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号码,手机号码,学历,户籍类型,人员类别,职业,来源渠道,机构统一社会信用代码,岗位,入职日期,离职日期,是否签订劳动合同"
NAMES = ["张一", "张二", "张三", "张四", "张五", "张六", "张七", "张八"]


def roster(numbers: list[str], names: list[str] | None = None) -> bytes:
    names = names or NAMES
    lines = [HEADER] + [
        f"{name},{number},,高中,农村,,养老护理员,其他,{YUZHONG_A},护理员,2024-05-01,,是"
        for name, number in zip(names, numbers, strict=False)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def scene(city):
    places = fixture_institutions(city)
    outside = factories.worker(at=places["jiangbei"], actor=city, name="赵大", id_number=person(1))
    mine = factories.worker(at=places["a"], actor=city, name="钱二", id_number=person(2))
    official = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    return {"outside": outside, "mine": mine, "official": official}


def by_number(job) -> dict[int, ImportRow]:
    return {row.number: row for row in ImportRow.objects.filter(job=job)}


def lookups(actor) -> list[int | None]:
    return list(
        RecordAccess.objects.filter(actor=actor, kind=AccessKind.LOOKUP_ID)
        .order_by("pk")
        .values_list("worker_id", flat=True)
    )


def test_each_answer_outside_the_area_is_a_counted_logged_lookup(scene, settings):
    settings.LOOKUP_RATE = "30/h"
    official = scene["official"]
    data = roster([person(2), person(11), person(1)], names=["钱二", "张一", "赵大"])
    job = upload(official, "guess.csv", data)
    rows = by_number(job)
    # row 2: the district's own worker; row 3: registered nowhere; row 4: registered in another district
    assert rows[4].status == "error" and "已有" in str(rows[4].errors)
    assert job.rows_new == 1 and job.rows_error == 1
    assert lookups(official) == [None, scene["outside"].pk]  # the own worker is no guess


def test_past_the_limit_the_preview_says_the_same_of_every_number(scene, settings):
    settings.LOOKUP_RATE = "2/h"
    official = scene["official"]
    numbers = [person(11), person(12), person(13), person(1)]  # the registered one last
    job = upload(official, "guess.csv", roster(numbers, names=["张一", "张二", "张三", "赵大"]))
    rows = by_number(job)
    assert lookups(official) == [None, None]
    assert job.rows_error == 0 and job.rows_new == 4
    # a number registered nowhere and one registered elsewhere, past the limit: the same answer
    assert rows[4].status == rows[5].status == "new"
    assert rows[4].warnings == rows[5].warnings and "查询的次数过多" in rows[5].warnings[0]
    assert rows[4].errors == rows[5].errors == {}
    # saving compares them with the registry: refused, and every number outside the area alike
    job = commit(official, job)
    rows = by_number(job)
    assert job.status == "validated" and not Worker.objects.filter(name="张一").exists()
    messages = {number: rows[number].errors.get("身份证号码") for number in (2, 3, 4, 5)}
    assert all(m and "查询的次数过多" in m[0] for m in messages.values())
    assert len({tuple(m) for m in messages.values()}) == 1
    # the counts made while saving stand, though the save was rolled back
    with pytest.raises(access.LookupRefused):
        access.lookup_admit(official)


def test_a_district_reimporting_its_own_staff_spends_no_lookups(scene, city, settings):
    settings.LOOKUP_RATE = "1/h"
    official = scene["official"]
    place = scene["mine"].institution
    staff = [scene["mine"]] + [
        factories.worker(at=place, actor=city, name=name, id_number=person(20 + i))
        for i, name in enumerate(NAMES[:4])
    ]
    numbers = [w.reveal_id_number() for w in staff]
    job = upload(official, "own.csv", roster(numbers, names=[w.name for w in staff]))
    assert job.rows_error == 0 and job.rows_new == 0 and job.rows_total == 5
    assert lookups(official) == []
    access.lookup_admit(official)  # the hour's one lookup is still there


def test_a_roster_of_new_people_past_the_limit_still_saves(scene, settings):
    settings.LOOKUP_RATE = "2/h"
    official = scene["official"]
    job = upload(official, "new.csv", roster([person(30 + i) for i in range(5)]))
    assert job.rows_error == 0 and job.rows_new == 5
    job = commit(official, job)
    assert job.status == "committed"
    assert Worker.objects.filter(name__in=NAMES[:5]).count() == 5
    assert len(lookups(official)) == 2  # the preview's; saving new people answers nothing
