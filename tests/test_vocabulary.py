"""The reference lists in the policy's words: every phrase the policy uses is accepted, every label and synonym
of every list round-trips through the importer, the stored value is the list's entry, administrators add
synonyms (audited)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from careforce.core import synonyms, vocabulary
from careforce.core.models import AuditEvent, Role, Synonym, User
from careforce.imports import exports
from careforce.imports.models import ImportRow
from careforce.registry import services as registry
from careforce.registry.models import Occupation, Worker
from careforce.registry.selectors import WorkerFilters
from careforce.skills import services as skills_services
from careforce.skills.models import Certificate, SkillLevel
from tests import factories
from tests import factories_training as ft
from tests.factories_imports import commit, fixture_institutions, upload
from tests.fixtures.make_fixtures import HEADERS, person, roster_row

pytestmark = pytest.mark.django_db

# Every phrase the policy (/work/shared/seed/000_6db38afd2ba853ed.txt, 渝民发〔2024〕11号) uses for a key group or
# source channel (section 二(一)), an occupation or post (二(五), (七), (八), (十)), a team (一, 二(八)) and a skill
# level (二(九)), with the entry it must resolve to.
SEED = Path("/work/shared/seed/000_6db38afd2ba853ed.txt")
POLICY_PHRASES = {
    "source_channel": {
        "相关专业毕业生": "related_graduate",
        "职业院校相关专业毕业生": "related_graduate",
        "农村转移就业人员": "rural_migrant",
        "城镇登记失业人员": "registered_unemployed",
        "脱贫人口": "lifted_from_poverty",
        "防止返贫监测对象": "relapse_monitored",
        "离校未就业高校毕业生": "unemployed_graduate",
        "高校毕业生": "unemployed_graduate",
        "退休医生": "retired_medical",
        "退休医生和护士": "retired_medical",
        "低龄健康老年人": "younger_old",
        "人才引进": "introduced_talent",
        "就业见习岗位": "trainee_post",
        "就业见习": "trainee_post",
        # 家政、物业等人才转岗 in the policy; the roster of the issue writes 家政物业转岗人员
        "家政、物业等人才转岗": "housekeeping_transfer",
    },
    "occupation": {
        "养老护理员": "care_worker",
        "养老院院长": "director",
        "院长": "director",
        "养老服务机构负责人": "director",
        "养老服务社会工作者": "social_worker",
        "社会工作者": "social_worker",
        "社会工作": "social_worker",
        "老年人能力评估员": "ability_assessor",
        "老年人能力评估人员": "ability_assessor",
        "养老顾问": "elder_care_adviser",
        "社区助老员": "community_helper",
        "老年助浴员": "bathing_assistant",
        "认知障碍照护员": "dementia_carer",
        "职业经理人": "professional_manager",
        "医疗": "doctor",
        "医生": "doctor",
        "护士": "nurse",
        "康复": "rehabilitation_therapist",
        "营养": "dietitian",
        "心理咨询": "psychological_counsellor",
        "人力资源": "hr_manager",
        "财务": "finance_manager",
        "质量": "quality_manager",
        "消防安全": "fire_safety_officer",
        "食品安全": "food_safety_officer",
        "物业保障": "property_staff",
        "维修维护": "maintenance_technician",
        "信息管理": "it_administrator",
    },
    "team": {
        "养老护理人才队伍": "care",
        "专业技术人才队伍": "professional",
        "养老管理人才队伍": "management",
        "经营管理": "management",
        "专业技术": "professional",
        "工勤技能": "support",
    },
    "skill_level": {
        "学徒工": "apprentice",
        "初级工": "junior",
        "中级工": "intermediate",
        "高级工": "senior",
        "技师": "technician",
        "高级技师": "senior_technician",
        "特级技师": "principal_technician",
        "首席技师": "chief_technician",
    },
}
# What the roster wrote (the policy's words, shortened the way officials shorten them).
ROSTER_PHRASES = {
    "source_channel": {"家政物业转岗人员": "housekeeping_transfer", "退休护士": "retired_medical"}
}


def _cases(table):
    return [(name, phrase, entry) for name, phrases in table.items() for phrase, entry in phrases.items()]


@pytest.mark.parametrize("list_name, phrase, entry", _cases(POLICY_PHRASES) + _cases(ROSTER_PHRASES))
def test_every_phrase_of_the_policy_is_accepted(list_name, phrase, entry):
    if (list_name, phrase) not in {(n, p) for n, p, _e in _cases(ROSTER_PHRASES)} and SEED.exists():
        text = SEED.read_text(encoding="utf-8")
        assert phrase in text, f"{phrase} is not the policy's wording"
    assert vocabulary.resolve(list_name, phrase) == entry


def test_the_policy_s_key_groups_are_the_source_channels_labels():
    with translation.override("zh-hans"):
        labels = {e.code: e.labels[0] for e in vocabulary.Vocabulary().entries("source_channel")}
    assert labels["rural_migrant"] == "农村转移就业人员"
    assert labels["registered_unemployed"] == "城镇登记失业人员"
    assert labels["unemployed_graduate"] == "离校未就业高校毕业生"
    assert labels["housekeeping_transfer"] == "家政物业转岗人员"
    names = dict(Occupation.objects.values_list("code", "name"))
    assert names["bathing_assistant"] == "老年助浴员" and names["dementia_carer"] == "认知障碍照护员"


@pytest.mark.parametrize(
    "typed",
    [
        "院长（机构负责人）",
        "院长(机构负责人)",
        "院长【机构负责人】",
        " 院长 （ 机构负责人 ） ",
        "院长［机构负责人］",
    ],
)
def test_the_director_s_label_matches_in_every_bracket_and_width(typed):
    assert vocabulary.resolve("occupation", typed) == "director"
    # the label itself is stored as it is, not folded
    assert Occupation.objects.get(code="director").name == "院长（机构负责人）"


def test_match_keys_fold_width_brackets_spacing_and_case():
    assert vocabulary.match_key("ＡＢ　c（d）") == vocabulary.match_key("ab C(D)") == "abc(d)"
    assert vocabulary.match_key("【x】") == vocabulary.match_key("(X)")
    assert vocabulary.match_key(None) == ""


def _phrases_of(list_name: str) -> list[tuple[str, str]]:
    """Every label (Chinese and English), code and synonym of a list, with its entry."""
    table = vocabulary.Vocabulary()
    out = []
    for entry in table.entries(list_name):
        out.append((entry.code, entry.code))
        out.extend((label, entry.code) for label in entry.labels)
    out.extend(Synonym.objects.filter(list_name=list_name).values_list("phrase", "entry"))
    return out


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _errors(job) -> dict:
    return {row.number: row.errors for row in ImportRow.objects.filter(job=job, status="error")}


def test_every_label_and_synonym_of_every_roster_list_round_trips_through_the_importer(city):
    fixture_institutions(city)
    occupations = {o.code: o for o in Occupation.objects.all()}
    one_of_team = {o.team: o.code for o in reversed(list(occupations.values()))}
    field = {"source_channel": "channel", "education": "education", "hukou_type": "hukou", "team": "team"}
    rows, expected = [], []
    for list_name in ("source_channel", "occupation", "team", "education", "hukou_type"):
        for phrase, entry in _phrases_of(list_name):
            n = 1000 + len(rows)
            if list_name == "occupation":
                row = roster_row(f"员工{n}", person(n), occupation=phrase)
            elif list_name == "team":
                row = roster_row(f"员工{n}", person(n), team=phrase, occupation=one_of_team[entry])
            else:
                row = roster_row(f"员工{n}", person(n), **{field[list_name]: phrase})
            rows.append(row)
            expected.append((person(n), list_name, entry, phrase))
    assert len(rows) > 250
    job = upload(city, "lists.xlsx", _xlsx(rows))
    assert job.rows_error == 0, _errors(job)
    commit(city, job)
    workers = {w.reveal_id_number(): w for w in Worker.objects.select_related("occupation")}
    for id_number, list_name, entry, phrase in expected:
        worker = workers[id_number]
        stored = worker.occupation.code if list_name == "occupation" else getattr(worker, list_name)
        assert stored == entry, phrase  # the entry, never the typed text


def test_every_label_and_synonym_of_the_skill_levels_round_trips_through_the_certificate_importer(city, home):
    from careforce.imports import services as imports

    worker = factories.worker(at=home, actor=city, name="张三")
    body = ft.evaluation_body()
    skills_services.evaluation_range_set(
        actor=city, body=body, occupation="care_worker", lowest="junior", highest="senior_technician"
    )
    issuer = ft.body_account(body)  # the body imports the certificates it issued
    lines = ["证书编号,身份证号码,姓名,职业,等级,评价机构,发证日期"]
    phrases = _phrases_of("skill_level")
    levels = dict(SkillLevel.objects.values_list("code", "name"))
    for n, (phrase, _entry) in enumerate(phrases):
        lines.append(
            f"N-{n:04d},{worker.reveal_id_number()},张三,养老护理员,{phrase},{body.registration_number},2024-01-01"
        )
    job = imports.import_upload(
        actor=issuer, sheet="certificates", file_name="c.csv", data="\n".join(lines).encode("utf-8-sig")
    )
    job.refresh_from_db()
    errors = _errors(job)
    for n, (phrase, entry) in enumerate(phrases):
        row = errors.get(n + 2)
        if entry in {"apprentice", "principal_technician", "chief_technician"}:
            # read as its level (named in the message), which is not issued as a certificate
            assert row and levels[entry] in str(row), (phrase, row)
        else:
            assert row is None, (phrase, row)
    certified = [p for p in phrases if p[1] not in {"apprentice", "principal_technician", "chief_technician"}]
    # the bad rows block the file: import the good ones alone
    good = [lines[0]] + [lines[n + 1] for n, p in enumerate(phrases) if p in certified]
    job = imports.import_upload(
        actor=issuer, sheet="certificates", file_name="c.csv", data="\n".join(good).encode("utf-8-sig")
    )
    job.refresh_from_db()
    assert job.rows_error == 0, _errors(job)
    imports.import_commit(actor=issuer, job=job)
    by_number = dict(Certificate.objects.values_list("number", "level__code"))
    for n, (phrase, entry) in enumerate(phrases):
        if (phrase, entry) in certified:
            assert by_number[f"N-{n:04d}"] == entry, phrase


def test_an_exported_roster_with_a_director_imports_again(city):
    places = fixture_institutions(city)
    factories.worker(at=places["a"], actor=city, name="王院长", occupation="director", team="management")
    factories.worker(at=places["a"], actor=city, name="李护理", occupation="bathing_assistant")
    out = io.BytesIO()
    assert exports.export_workers(actor=city, filters=WorkerFilters(), out=out) == 2
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert "院长（机构负责人）" in [c.value for c in sheet[2]] + [c.value for c in sheet[3]]
    job = upload(city, "export.xlsx", out.getvalue())
    assert (job.rows_unchanged, job.rows_error) == (2, 0), _errors(job)


POLICY_CHANNELS = ["农村转移就业人员", "城镇登记失业人员", "高校毕业生", "家政物业转岗人员", "脱贫人口"]
POLICY_OCCUPATIONS = [
    "院长",
    "养老护理员",
    "老年助浴员",
    "认知障碍照护员",
    "养老院院长",
    "社会工作者",
    "老年人能力评估员",
    "养老顾问",
    "社区助老员",
    "院长（机构负责人）",
    "院长(机构负责人)",
]


def test_a_gbk_roster_of_110_rows_in_the_policy_s_words_imports_with_none_rejected(city):
    fixture_institutions(city)
    lines = [",".join(HEADERS)]
    for n in range(110):
        row = roster_row(
            f"人员{n}",
            person(2000 + n),
            channel=POLICY_CHANNELS[n % len(POLICY_CHANNELS)],
            occupation=POLICY_OCCUPATIONS[n % len(POLICY_OCCUPATIONS)],
            post="院长" if "院长" in POLICY_OCCUPATIONS[n % len(POLICY_OCCUPATIONS)] else "护理员",
        )
        lines.append(",".join(str(v) for v in row))
    data = "\r\n".join(lines).encode("gbk")
    job = upload(city, "区县花名册.csv", data)
    assert (job.rows_new, job.rows_error) == (110, 0), _errors(job)
    commit(city, job)
    assert Worker.objects.filter(occupation__code="director").count() == 40  # 4 of the 11 phrases
    assert Worker.objects.filter(source_channel="housekeeping_transfer").count() == 22


def test_the_form_and_the_api_resolve_through_the_same_vocabulary(city, home):
    resolver = registry.Resolver(city)
    cleaned, _warnings = registry.clean_worker_fields(
        {"source_channel": "农村转移就业人员", "occupation": "院长", "team": "经营管理"},
        resolver=resolver,
        instance=factories.worker(at=home, actor=city),
    )
    assert cleaned["source_channel"] == "rural_migrant"
    assert cleaned["occupation"].code == "director" and cleaned["team"] == "management"


# ---- administrators add synonyms


def test_a_synonym_added_is_audited_and_resolves_at_once(city):
    admin = User.objects.create_user("sysadmin", role=Role.SYSTEM_ADMIN)
    assert vocabulary.resolve("occupation", "长者照护员") is None
    synonym = synonyms.synonym_add(
        actor=admin, data={"list_name": "occupation", "entry": "care_worker", "phrase": "长者照护员"}
    )
    assert synonym.phrase == "长者照护员" and synonym.origin == "added"
    assert vocabulary.resolve("occupation", "長者照護員") is None  # traditional characters are another phrase
    assert vocabulary.resolve("occupation", " 长者照护员 ") == "care_worker"
    event = AuditEvent.objects.get(object_type="core.synonym", object_id=synonym.pk)
    assert event.actor == admin and event.changes["phrase"] == [None, "长者照护员"]
    synonyms.synonym_delete(actor=admin, synonym=synonym)
    assert vocabulary.resolve("occupation", "长者照护员") is None
    assert AuditEvent.objects.filter(object_type="core.synonym", action="delete").count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"list_name": "occupation", "entry": "care_worker", "phrase": "社工"}, "phrase"),  # another entry's
        ({"list_name": "occupation", "entry": "care_worker", "phrase": "院长（机构负责人）"}, "phrase"),
        ({"list_name": "occupation", "entry": "care_worker", "phrase": "护理员"}, "phrase"),  # already there
        ({"list_name": "occupation", "entry": "astronaut", "phrase": "宇航员"}, "entry"),
        ({"list_name": "planets", "entry": "mars", "phrase": "火星"}, "list_name"),
        ({"list_name": "occupation", "entry": "care_worker", "phrase": "  "}, "phrase"),
    ],
)
def test_a_synonym_that_would_name_two_entries_is_refused(data, field):
    with pytest.raises(ValidationError) as caught:
        synonyms.clean_synonym(data)
    assert field in caught.value.message_dict


def test_the_system_administrator_adds_a_synonym_in_the_admin(client):
    admin = User.objects.create_user("sysadmin", password="x", role=Role.SYSTEM_ADMIN, is_staff=True)
    from django.contrib.auth.models import Group

    admin.groups.add(Group.objects.get(name="system_admin"))
    client.force_login(admin)
    url = reverse("admin:core_synonym_add")
    refused = client.post(url, {"list_name": "source_channel", "entry": "other", "phrase": "农民工"})
    assert refused.status_code == 200 and not Synonym.objects.filter(phrase="农民工", entry="other").exists()
    response = client.post(
        url, {"list_name": "source_channel", "entry": "rural_migrant", "phrase": "外出务工人员"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    synonym = Synonym.objects.get(phrase="外出务工人员")
    assert (synonym.entry, synonym.key) == ("rural_migrant", "外出务工人员")
    assert AuditEvent.objects.filter(object_type="core.synonym", object_id=synonym.pk, actor=admin).exists()
    assert vocabulary.resolve("source_channel", "外出务工人员") == "rural_migrant"


def test_the_api_accepts_the_policy_s_words(city, home, client):
    client.force_login(city)
    worker = factories.worker(at=home, actor=city)
    response = client.patch(
        f"/api/v1/workers/{worker.pk}",
        {"source_channel": "城镇登记失业人员", "occupation": "老年助浴员"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    worker.refresh_from_db()
    assert (worker.source_channel, worker.occupation.code) == ("registered_unemployed", "bathing_assistant")
    assert response.json()["source_channel"] == "registered_unemployed"


def test_the_documented_lists_name_every_synonym_loaded():
    """docs/vocabulary.md lists each entry with its synonyms; it must not fall behind the data."""
    from careforce.core.synonym_data import SYNONYMS

    text = (Path(__file__).resolve().parents[1] / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    for list_name, entries in SYNONYMS.items():
        assert f"`{list_name}`" in text
        for entry, phrases in entries.items():
            row = next(line for line in text.splitlines() if line.startswith(f"| `{entry}` |"))
            for phrase, _origin in phrases:
                assert phrase in row, (entry, phrase)


def _run_csv(actor, sheet: str, text: str):
    from careforce.imports import services as imports

    job = imports.import_upload(actor=actor, sheet=sheet, file_name="t.csv", data=text.encode("utf-8-sig"))
    job.refresh_from_db()
    return job


def test_every_label_and_synonym_of_the_conduct_lists_round_trips_through_the_importer(city, home):
    from careforce.conduct.models import Complaint, Evaluation
    from careforce.imports import services as imports

    worker = factories.worker(at=home, actor=city, name="张三")
    number = worker.reveal_id_number()
    scores = "服务态度,专业技能,守时守约,沟通交流,清洁卫生"
    kinds = _phrases_of("evaluator_kind")
    lines = [f"身份证号码,评价人,评价日期,{scores}"]
    lines += [f"{number},{phrase},2026-05-01,5,5,5,5,5" for phrase, _entry in kinds]
    job = _run_csv(city, "evaluations", "\n".join(lines))
    assert job.rows_error == 0, _errors(job)
    imports.import_commit(actor=city, job=job)
    assert sorted(Evaluation.objects.values_list("evaluator_kind", flat=True)) == sorted(e for _p, e in kinds)

    channels = _phrases_of("complaint_channel")
    lines = ["投诉渠道,被投诉人身份证号码,被投诉机构统一社会信用代码,收到日期,投诉内容"]
    lines += [f"{phrase},{number},{home.uscc},2026-05-01,投诉{n}" for n, (phrase, _e) in enumerate(channels)]
    job = _run_csv(city, "complaints", "\n".join(lines))
    assert job.rows_error == 0, _errors(job)
    imports.import_commit(actor=city, job=job)
    stored = dict(Complaint.objects.values_list("content", "channel__code"))
    for n, (phrase, entry) in enumerate(channels):
        assert stored[f"投诉{n}"] == entry, phrase


@pytest.mark.parametrize(
    "phrase, entry", [("罚款", "fine"), ("从业禁止", "trade_ban"), ("Warning", "warning")]
)
def test_penalty_kinds_resolve_through_the_vocabulary(phrase, entry):
    from careforce.conduct.models import PenaltyKind
    from careforce.registry.choices import parse_choice

    assert parse_choice(phrase, PenaltyKind) == entry
