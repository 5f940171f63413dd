"""Writes of the staffing app: its settings (completeness threshold, part-time weight), the projection's
current scenario, the post catalogue, the older population by ability level (city administrators only) and
institutions' residents by ability level (the institution's officials). Each change audited in its
transaction; the import sheets (sheets.py) call these, as the pages and the API do."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit, vocabulary
from careforce.core.models import AuditAction, District, User
from careforce.core.scope import Level, require_write
from careforce.core.validators import clean_free_text, normalize_text
from careforce.indicators.models import OlderPopulation
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.staffing.models import (
    LEVEL_RATE_FIELDS,
    POPULATION_LEVEL_FIELDS,
    OlderPopulationLevels,
    Post,
    PostGroup,
    ResidentsCount,
    Scenario,
    StaffingSettings,
)

SETTINGS_FIELDS = (
    "completeness_threshold",
    "part_time_weight",
    "insurance_required",
    "insurance_kind",
    "public_unit_professional_share",
    "source",
)
TRUE_WORDS = ("1", "true", "yes", "on", "是")
SCENARIO_FIELDS = (
    "older_growth_per_year",
    "community_workers_per_1000",
    "home_workers_per_1000",
    "source",
    *LEVEL_RATE_FIELDS.values(),
    "level_rates_source",
)


def _require_city(actor: User) -> None:
    if require_write(actor).level != Level.CITY:
        raise Http404


def _number(
    raw: Any, *, field: str, label: str, low: Decimal, high: Decimal, errors: dict[str, list[str]]
) -> Decimal | None:
    text = normalize_text(raw).replace("%", "").replace("％", "").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        errors[field] = [_("%(label)s: write a number, for example 90.") % {"label": label}]
        return None
    if not value.is_finite() or value < low or value > high:
        errors[field] = [
            _("%(label)s: write a number from %(low)s to %(high)s.")
            % {"label": label, "low": low, "high": high}
        ]
        return None
    return value


@transaction.atomic
def settings_update(*, actor: User, data: Mapping[str, Any]) -> StaffingSettings:
    """Change the completeness threshold (%), what a part-time person counts as (0 to 1), whether only staff
    insured by the institution count and with which insurance, and the share professional-technical staff
    must exceed at a 事业单位."""
    _require_city(actor)
    errors: dict[str, list[str]] = {}
    row = StaffingSettings.objects.select_for_update().filter(pk=1).first() or StaffingSettings(pk=1)
    before = audit.snapshot(row, SETTINGS_FIELDS) if row.pk and not row._state.adding else {}
    if "completeness_threshold" in data:
        value = _number(
            data["completeness_threshold"],
            field="completeness_threshold",
            label=_("Completeness threshold"),
            low=Decimal(0),
            high=Decimal(100),
            errors=errors,
        )
        if value is not None:
            row.completeness_threshold = value.quantize(Decimal("0.1"))
    if "part_time_weight" in data:
        value = _number(
            data["part_time_weight"],
            field="part_time_weight",
            label=_("Part-time weight"),
            low=Decimal(0),
            high=Decimal(1),
            errors=errors,
        )
        if value is not None:
            row.part_time_weight = value.quantize(Decimal("0.01"))
    if "public_unit_professional_share" in data:
        value = _number(
            data["public_unit_professional_share"],
            field="public_unit_professional_share",
            label=_("事业单位: professional-technical staff more than (%)"),
            low=Decimal(0),
            high=Decimal("99.9"),
            errors=errors,
        )
        if value is not None:
            row.public_unit_professional_share = value.quantize(Decimal("0.1"))
    if "insurance_required" in data:
        raw = data["insurance_required"]
        row.insurance_required = raw is True or normalize_text(raw).lower() in TRUE_WORDS
    if "insurance_kind" in data:
        from careforce.incentives.models import InsuranceKind

        kind = normalize_text(data["insurance_kind"])
        if kind not in InsuranceKind.values:
            errors["insurance_kind"] = [
                _("Insurance that counts: choose one of %(choices)s.")
                % {"choices": "、".join(str(label) for label in InsuranceKind.labels)}
            ]
        else:
            row.insurance_kind = kind
    if "source" in data:
        row.source = clean_free_text(data["source"])[:200]
    if "level_rates_source" in data:
        row.level_rates_source = clean_free_text(data["level_rates_source"])[:200]
    if errors:
        raise ValidationError(errors)
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=row,
        changes=audit.diff(before, audit.snapshot(row, SETTINGS_FIELDS)),
    )
    return row


@transaction.atomic
def scenario_update(*, actor: User, data: Mapping[str, Any]) -> Scenario:
    """Change the current projection scenario's assumptions (the growth of the older population, the care
    workers per 1,000 older people in community and home care, and the same per 1,000 at each ability level
    with their source)."""
    _require_city(actor)
    row = Scenario.objects.select_for_update().filter(is_current=True).first()
    if row is None:
        row = Scenario(name=_("Baseline"), is_current=True)
    before = audit.snapshot(row, SCENARIO_FIELDS) if row.pk else {}
    errors: dict[str, list[str]] = {}
    limits = {
        "older_growth_per_year": (_("Yearly growth of the older population"), Decimal(-20), Decimal(20)),
        "community_workers_per_1000": (_("Community care workers per 1,000"), Decimal(0), Decimal(1000)),
        "home_workers_per_1000": (_("Home care workers per 1,000"), Decimal(0), Decimal(1000)),
        **{
            rate: (
                _("%(level)s: community and home care workers per 1,000") % {"level": label},
                Decimal(0),
                Decimal(1000),
            )
            for (_name, label, _header), rate in zip(
                POPULATION_LEVEL_FIELDS, LEVEL_RATE_FIELDS.values(), strict=True
            )
        },
    }
    for name, (label, low, high) in limits.items():
        if name in data:
            value = _number(data[name], field=name, label=str(label), low=low, high=high, errors=errors)
            if value is not None:
                setattr(row, name, value.quantize(Decimal("0.01")))
    if "source" in data:
        row.source = clean_free_text(data["source"])[:200]
    if "level_rates_source" in data:
        row.level_rates_source = clean_free_text(data["level_rates_source"])[:200]
    if errors:
        raise ValidationError(errors)
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=row,
        changes=audit.diff(before, audit.snapshot(row, SCENARIO_FIELDS)),
    )
    return row


# ---------------------------------------------------------------- counts typed by officials

# Cells that say "no figure" in officials' words; for the older population by level they mean no data.
NO_DATA_WORDS = frozenset({"暂无数据", "暂无", "无数据", "不详", "未知", "-", "—", "--", "/", "n/a", "na"})


def parse_count(raw: Any) -> int | None:
    """A head count as officials type it: 1234, 1,234, １２３４ (full-width), 1234.0 from a spreadsheet, a
    trailing 人. None for an empty cell; ValueError for anything else (a fraction, a negative, words)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError
        number = int(raw)
    else:
        text = normalize_text(raw).replace(",", "").replace(" ", "").removesuffix("人")
        if not text:
            return None
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isascii() or not text.isdigit():
            raise ValueError
        number = int(text)
    if number < 0:
        raise ValueError
    return number


# ---------------------------------------------------------------- older population by ability level

LEVEL_FIELDS = tuple(name for name, _label, _header in POPULATION_LEVEL_FIELDS)
LEVEL_AUDIT_FIELDS = (*LEVEL_FIELDS, "source")


def clean_population_levels(data: Mapping[str, Any], *, aged_60_plus: int | None) -> dict[str, Any]:
    """The by-level counts present in `data` (each a whole number, or empty / 暂无数据 for no data), their sum
    no more than the people aged 60+ they divide; ValidationError naming the level and the fix."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, _label, header in POPULATION_LEVEL_FIELDS:
        if name not in data:
            continue
        raw = data[name]
        if isinstance(raw, str) and normalize_text(raw).lower() in NO_DATA_WORDS:
            values[name] = None
            continue
        try:
            values[name] = parse_count(raw)
        except ValueError:
            errors[name] = [
                _("%(level)s: write a whole number of people, or leave it empty (暂无数据) when unknown.")
                % {"level": header}
            ]
            continue
        if values[name] is not None and values[name] > 50_000_000:
            errors[name] = [_("%(level)s: at most 50,000,000 people.") % {"level": header}]
    if "source" in data:
        values["source"] = clean_free_text(data["source"])[:300]
    known = [v for k, v in values.items() if k in LEVEL_FIELDS and v is not None]
    if not errors and aged_60_plus is not None and sum(known) > aged_60_plus:
        errors["__all__"] = [
            _(
                "The people by ability level add up to %(sum)s, more than the %(total)s people aged 60+; "
                "correct the levels or the total."
            )
            % {"sum": sum(known), "total": aged_60_plus}
        ]
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def population_levels_set(
    *, actor: User, population: OlderPopulation, data: Mapping[str, Any]
) -> OlderPopulationLevels:
    """Record the older population of a district (or the city) and year by ability level: the levels given
    in `data` change, the others stay. City administrators only; audited."""
    _require_city(actor)
    population = OlderPopulation.objects.select_for_update().get(pk=population.pk)
    row = OlderPopulationLevels.objects.filter(population=population).first()
    before = audit.snapshot(row, LEVEL_AUDIT_FIELDS) if row else {}
    values = clean_population_levels(data, aged_60_plus=None)
    if row is None:
        row = OlderPopulationLevels(population=population)
    for name, value in values.items():
        setattr(row, name, value)
    # The sum is checked on the row as it will be (levels not in `data` included).
    clean_population_levels(row.counts(), aged_60_plus=population.count)
    after = audit.snapshot(row, LEVEL_AUDIT_FIELDS)
    changes = audit.diff(before, after)
    if changes:
        row.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            instance=row,
            changes=changes,
        )
    return row


@transaction.atomic
def older_population_record(
    *, actor: User, district: District | None, data: Mapping[str, Any]
) -> tuple[OlderPopulation, OlderPopulationLevels | None]:
    """One row of the older-population sheet: the figure through the indicators' own service
    (`older_population_set`), then its ability levels when the row has any column of them."""
    from careforce.indicators.services import older_population_set

    _require_city(actor)
    population = older_population_set(
        actor=actor,
        district=district,
        year=data.get("year"),
        count=data.get("aged_60_plus"),
        aged_65_plus=data.get("aged_65_plus"),
        basis=data.get("basis"),
        source=data.get("source"),
    )
    level_data = {name: data[name] for name in LEVEL_FIELDS if name in data}
    if not level_data and not OlderPopulationLevels.objects.filter(population=population).exists():
        return population, None
    # Recorded levels are checked again against a changed 60+ figure even when the row gives none.
    return population, population_levels_set(actor=actor, population=population, data=level_data)


# ---------------------------------------------------------------- residents by ability level

RESIDENT_FIELDS = tuple(name for name, _label in RESIDENT_LEVEL_FIELDS)


def clean_residents(data: Mapping[str, Any]) -> dict[str, Any]:
    """The date counted and the residents of each level (all five: 0 when there are none)."""
    from careforce.registry.dates import date_error, parse_date

    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    raw_date = data.get("counted_on")
    year = _year_alone(raw_date)
    if year is not None:
        # A year alone: its figures at the end of that year (today's, for the current year).
        counted_on = min(datetime.date(year, 12, 31), timezone.localdate())
    else:
        counted_on = parse_date(raw_date)
    if raw_date in (None, ""):
        errors["counted_on"] = [_("Write the date the residents were counted, for example 2026-12-01.")]
    elif counted_on is None:
        errors["counted_on"] = [date_error(raw_date)]
    elif counted_on > timezone.localdate():
        errors["counted_on"] = [_("The date counted cannot be in the future; write the day of the count.")]
    else:
        values["counted_on"] = counted_on
    for (name, _label), header in zip(RESIDENT_LEVEL_FIELDS, RESIDENT_HEADERS, strict=True):
        try:
            count = parse_count(data.get(name))
        except ValueError:
            count = -1
        if count is None:
            errors[name] = [
                _("%(level)s: write the number of residents, 0 when there are none.") % {"level": header}
            ]
        elif count < 0 or count > 100_000:
            errors[name] = [
                _("%(level)s: write a whole number of residents from 0 to 100,000.") % {"level": header}
            ]
        else:
            values[name] = count
    if errors:
        raise ValidationError(errors)
    return values


def _year_alone(raw: Any) -> int | None:
    """2026, 2026.0, "2026" or "2026年": a year written alone (2000–2100), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = normalize_text(raw).removesuffix("年") if isinstance(raw, str) else raw
    if isinstance(text, str) and text.isascii() and text.isdigit():
        text = int(text)
    return text if isinstance(text, int) and 2000 <= text <= 2100 else None


RESIDENT_HEADERS = ("能力完好", "轻度失能", "中度失能", "重度失能", "完全失能")


@transaction.atomic
def residents_record(*, actor: User, institution: Institution, data: Mapping[str, Any]) -> Institution:
    """An institution's residents by ability level as counted on a date: the counts through the
    institutions' own `institution_update` (its scope check and audit), the date beside them. A count dated
    before the one recorded is refused; the same date again replaces it (a correction)."""
    from careforce.institutions.services import institution_update

    require_write(actor)
    values = clean_residents(data)
    current = ResidentsCount.objects.select_for_update().filter(institution=institution).first()
    if current is not None and values["counted_on"] < current.counted_on:
        raise ValidationError(
            {
                "counted_on": [
                    _("A newer count, of %(date)s, is already recorded; write a date from then on.")
                    % {"date": current.counted_on.isoformat()}
                ]
            }
        )
    institution = institution_update(
        actor=actor, institution=institution, data={name: values[name] for name in RESIDENT_FIELDS}
    )
    before = {"counted_on": audit.plain(current.counted_on)} if current else {}
    if current is None:
        current = ResidentsCount(institution=institution, counted_on=values["counted_on"])
    current.counted_on = values["counted_on"]
    changes = audit.diff(before, {"counted_on": audit.plain(current.counted_on)})
    if changes:
        current.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            instance=current,
            changes=changes,
            institution_id=institution.pk,
        )
    return institution


# ---------------------------------------------------------------- the post catalogue

POST_FIELDS = ("code", "name", "group", "is_new_post", "sort_order")
# The group as officials write it (matched on the vocabulary's match key).
GROUP_WORDS = {
    "management": PostGroup.MANAGEMENT,
    "管理": PostGroup.MANAGEMENT,
    "管理岗位": PostGroup.MANAGEMENT,
    "经营管理": PostGroup.MANAGEMENT,
    "养老管理人才": PostGroup.MANAGEMENT,
    "professional": PostGroup.PROFESSIONAL,
    "专业技术": PostGroup.PROFESSIONAL,
    "专业技术岗位": PostGroup.PROFESSIONAL,
    "专技": PostGroup.PROFESSIONAL,
    "专业技术人才": PostGroup.PROFESSIONAL,
    "skilled": PostGroup.SKILLED,
    "技能": PostGroup.SKILLED,
    "技能岗位": PostGroup.SKILLED,
    "工勤技能": PostGroup.SKILLED,
    "养老护理人才": PostGroup.SKILLED,
    "support": PostGroup.SUPPORT,
    "保障": PostGroup.SUPPORT,
    "后勤保障": PostGroup.SUPPORT,
    "工勤": PostGroup.SUPPORT,
    "工勤保障": PostGroup.SUPPORT,
    "工勤人员": PostGroup.SUPPORT,
}
_SYNONYM_SEPARATORS = re.compile(r"[、,，;；/／|\n]+")


def split_synonyms(raw: Any) -> list[str]:
    """The phrases of a synonyms cell (separated by 、 , ; / or new lines), each as typed, once."""
    phrases = [clean_free_text(part) for part in _SYNONYM_SEPARATORS.split(str(raw or ""))]
    out: dict[str, str] = {}
    for phrase in phrases:
        if phrase:
            out.setdefault(vocabulary.match_key(phrase), phrase)
    return list(out.values())


def _group(raw: Any) -> str | None:
    key = vocabulary.match_key(raw)
    for word, group in GROUP_WORDS.items():
        if vocabulary.match_key(word) == key:
            return group
    return None


def clean_post(
    data: Mapping[str, Any], *, names: Mapping[str, str], table: Mapping[str, str]
) -> dict[str, Any]:
    """A post of the catalogue as a sheet row or a form gives it: code (letters, digits, _ or -), name, group
    and synonyms. `names` is code → name of the posts there are, `table` match key → post code (every
    post's code, name and synonyms): a name or synonym that already names another post is refused, naming
    both posts."""
    from careforce.core.validators import normalize_code

    errors: dict[str, list[str]] = {}
    code = normalize_code(data.get("code")).lower()
    if not code:
        errors["code"] = [_("Write the post's code, for example caregiver.")]
    elif not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code):
        errors["code"] = [
            _("“%(code)s”: a code has at most 40 letters, digits, _ or -, for example care_assistant.")
            % {"code": code}
        ]
    name = clean_free_text(data.get("name"))
    if not name:
        errors["name"] = [_("Write the post's name, for example 养老护理员.")]
    elif len(name) > 60:
        errors["name"] = [_("The name is too long (at most 60 characters).")]
    else:
        owner = table.get(vocabulary.match_key(name))
        if owner not in (None, code):
            errors["name"] = [
                _("“%(name)s” already names the post %(other)s (%(code)s); give this post another name.")
                % {"name": name, "other": names.get(owner, owner), "code": owner}
            ]
    group = _group(data.get("group"))
    if group is None:
        errors["group"] = [
            _(
                "Write the group as 管理, 专业技术, 技能 or 工勤保障 (management, professional, skilled, support)."
            )
        ]
    is_new_post = None
    if data.get("is_new_post") not in (None, ""):
        from careforce.registry.choices import parse_bool

        is_new_post = parse_bool(data.get("is_new_post"))
        if is_new_post is None:
            errors["is_new_post"] = [_("Write 是 or 否.")]
    synonyms = split_synonyms(data.get("synonyms"))
    this = name if name else code
    clashes = []
    for phrase in synonyms:
        if len(phrase) > 60:
            errors.setdefault("synonyms", []).append(
                _("“%(phrase)s” is too long for a synonym (at most 60 characters).") % {"phrase": phrase}
            )
            continue
        owner = table.get(vocabulary.match_key(phrase))
        if owner not in (None, code):
            clashes.append(
                _(
                    "“%(phrase)s” already belongs to the post %(other)s (%(code)s), so it cannot also name "
                    "%(this)s; remove it from one of the two."
                )
                % {"phrase": phrase, "other": names.get(owner, owner), "code": owner, "this": this}
            )
    if clashes:
        errors.setdefault("synonyms", []).extend(clashes)
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "group": group, "is_new_post": is_new_post, "synonyms": synonyms}


def post_table() -> tuple[dict[str, str], dict[str, str]]:
    """(code → name, match key → code) of the catalogue: codes, names and synonyms."""
    names = dict(Post.objects.values_list("code", "name"))
    table = vocabulary.Vocabulary().table("post")
    return names, dict(table)


@transaction.atomic
def post_record(*, actor: User, data: Mapping[str, Any]) -> Post:
    """Add a post to the catalogue or change the one with the code: name, group, new-post flag, and
    synonyms added (a synonym already there stays; none is removed). City administrators only; the post
    and each synonym audited (synonyms through core.synonyms)."""
    from careforce.core.synonyms import synonym_add

    _require_city(actor)
    names, table = post_table()
    values = clean_post(data, names=names, table=table)
    post = Post.objects.select_for_update().filter(code=values["code"]).first()
    before = audit.snapshot(post, POST_FIELDS) if post else {}
    if post is None:
        last = Post.objects.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
        post = Post(code=values["code"], sort_order=last + 1)
    post.name, post.group = values["name"], values["group"]
    if values["is_new_post"] is not None:
        post.is_new_post = values["is_new_post"]
    changes = audit.diff(before, audit.snapshot(post, POST_FIELDS))
    if changes:
        post.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            instance=post,
            changes=changes,
        )
        vocabulary.clear()
    known = {key for key, code in post_table()[1].items() if code == post.code}
    for phrase in values["synonyms"]:
        if vocabulary.match_key(phrase) not in known:
            synonym_add(actor=actor, data={"list_name": "post", "entry": post.code, "phrase": phrase})
            known.add(vocabulary.match_key(phrase))
    return post
