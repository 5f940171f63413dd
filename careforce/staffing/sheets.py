"""The staffing app's import sheets (careforce.imports' plug-in interface): the post catalogue, institutions'
residents by ability level, and the older population per district (with its ability levels where known).

Each is checked (preview: new / update / no change / error per row, nothing written), then saved in one
transaction, all rows or none, by the importer's engine; rows are cleaned by the same functions the
services use and written by the services (`post_record`, `residents_record`, `older_population_record`),
so the audit trail and the scope checks are the forms' and the API's. Headers are matched after folding
full-width forms, spaces and bracketed notes, and each column knows the other names officials give it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careforce.core import vocabulary
from careforce.core.models import District, User
from careforce.core.scope import Level, Scope
from careforce.core.validators import normalize_text, parse_uscc
from careforce.imports.sheets import Column, ImportContext, Row, RowErrors, RowStatus, SheetSpec
from careforce.indicators.models import OlderPopulation, PopulationBasis
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.staffing import services
from careforce.staffing.models import POPULATION_LEVEL_FIELDS, OlderPopulationLevels, Post, ResidentsCount


def _errors(exc: ValidationError, rename: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """A service's errors by the sheet's column keys ("" for the row as a whole)."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        return {"": exc.messages}
    out: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        column = "" if key == "__all__" else rename.get(key, key)
        out.setdefault(column, []).extend(messages)
    return out


def _fail(row: Row, exc: ValidationError, rename: Mapping[str, str] | None = None) -> None:
    for column, messages in _errors(exc, rename).items():
        for message in messages:
            row.error(column, message)


def _city_only(scope: Scope) -> bool:
    return scope.can_write and scope.level == Level.CITY


def _commit_each(rows: Sequence[Row], write, rename: Mapping[str, str] | None = None) -> None:
    failures: dict[int, dict[str, list[str]]] = {}
    for row in rows:
        try:
            write(row)
        except ValidationError as exc:
            failures[row.number] = _errors(exc, rename)
    if failures:
        raise RowErrors(failures)


# ---------------------------------------------------------------- posts (岗位)


class PostSheet(SheetSpec):
    """The post catalogue: a row adds the post with its code or changes it; synonyms are added, never
    removed. City administrators only."""

    key = "posts"
    title = gettext_lazy("Posts")
    duplicate_column = "code"
    columns = (
        Column(
            "code",
            "岗位编码",
            gettext_lazy("Code"),
            required=True,
            aliases=("编码", "岗位代码", "代码"),
            help=gettext_lazy("Letters, digits, _ or -; the code of an existing post changes that post."),
            example="care_assistant",
            width=18,
        ),
        Column(
            "name",
            "岗位名称",
            gettext_lazy("Name"),
            required=True,
            aliases=("岗位", "名称"),
            example="社区助老员",
        ),
        Column(
            "group",
            "岗位类别",
            gettext_lazy("Group"),
            required=True,
            aliases=("类别", "岗位分组", "分组", "岗位类型"),
            help=gettext_lazy("管理, 专业技术, 技能 or 工勤保障"),
            example="技能",
        ),
        Column(
            "synonyms",
            "同义词",
            gettext_lazy("Synonyms"),
            aliases=("别名", "其他写法", "又称"),
            help=gettext_lazy(
                "Other names officials write, separated by 、 or commas; added to those there are. A synonym "
                "of another post is an error."
            ),
            example="助老员、社区助老服务员",
            width=30,
        ),
        Column(
            "is_new_post",
            "新设岗位",
            gettext_lazy("New post of the policy"),
            aliases=("是否新设岗位", "新岗位"),
            help=gettext_lazy("是 or 否; empty keeps what is there."),
            example="是",
        ),
    )
    instructions = (
        gettext_lazy("Every row is saved, or none: a row with an error stops the whole file."),
        gettext_lazy("Synonyms are only added: remove one in the administration pages."),
    )

    def allowed(self, user: User, scope: Scope) -> bool:
        return _city_only(scope)

    def identify(self, row: Row, ctx: ImportContext) -> str:
        return normalize_text(row.values.get("code")).lower()

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        if "posts" not in ctx.memo:
            names, table = services.post_table()
            ctx.memo["posts"] = {
                "names": names,
                "table": table,
                "groups": dict(Post.objects.values_list("code", "group")),
                "new": dict(Post.objects.values_list("code", "is_new_post")),
                # match key → (row number, post code) of the names and synonyms this file gives
                "file": {},
            }
        memo = ctx.memo["posts"]
        synonyms = vocabulary.synonyms_by_entry("post") if rows else {}
        for row in rows:
            if not row.ok:
                continue
            try:
                values = services.clean_post(row.values, names=memo["names"], table=memo["table"])
            except ValidationError as exc:
                _fail(row, exc)
                continue
            code = values["code"]
            for column, phrases in (("name", [values["name"]]), ("synonyms", values["synonyms"])):
                for phrase in phrases:
                    first = memo["file"].setdefault(vocabulary.match_key(phrase), (row.number, code))
                    if first[1] != code:
                        row.error(
                            column,
                            _(
                                "“%(phrase)s” is given to the post %(other)s in row %(first)d too; one phrase "
                                "names one post, remove it from one of the two rows."
                            )
                            % {"phrase": phrase, "other": first[1], "first": first[0]},
                        )
            if not row.ok:
                continue
            row.label = f"{values['name']} ({code})"
            if code not in memo["names"]:
                row.status = RowStatus.NEW
                continue
            own = {vocabulary.match_key(p) for p in synonyms.get(code, [])}
            own.add(vocabulary.match_key(memo["names"][code]))
            added = [p for p in values["synonyms"] if vocabulary.match_key(p) not in own]
            before = {
                "name": memo["names"][code],
                "group": memo["groups"].get(code),
                "is_new_post": memo["new"].get(code),
            }
            after = {"name": values["name"], "group": values["group"]}
            if values["is_new_post"] is not None:
                after["is_new_post"] = values["is_new_post"]
            row.changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
            if added:
                row.changes["synonyms"] = ["、".join(synonyms.get(code, [])), "、".join(added)]
            row.status = RowStatus.UPDATE if row.changes else RowStatus.UNCHANGED

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        _commit_each(rows, lambda row: services.post_record(actor=ctx.actor, data=row.values))
        ctx.memo.pop("posts", None)  # the catalogue changed: read it again for the next batch


# ---------------------------------------------------------------- residents by ability level


RESIDENT_KEYS = tuple(name for name, _label in RESIDENT_LEVEL_FIELDS)


def _level_aliases(header: str) -> tuple[str, ...]:
    return (f"{header}人数", f"{header}老人", f"{header}老年人", f"{header}（人）")


class ResidentsSheet(SheetSpec):
    """Each institution's residents by ability level on a date (the numbers behind its care-staff
    requirement). A district's officials load their district's institutions, an institution its own."""

    key = "residents"
    title = gettext_lazy("Residents by ability level")
    duplicate_column = "institution"
    columns = (
        Column(
            "uscc",
            "统一社会信用代码",
            gettext_lazy("Credit code"),
            aliases=("机构统一社会信用代码", "社会信用代码", "信用代码"),
            help=gettext_lazy("The institution's credit code, or leave it empty and give its name."),
            example="",
            width=22,
        ),
        Column(
            "institution",
            "机构名称",
            gettext_lazy("Institution"),
            aliases=("机构", "养老机构", "单位名称"),
            help=gettext_lazy("The institution's registered name (enough when no other has it)."),
            example="渝中区颐年养老院",
            width=24,
        ),
        Column(
            "counted_on",
            "统计日期",
            gettext_lazy("Counted on"),
            required=True,
            aliases=("日期", "截至日期", "统计时间", "年份", "统计年份"),
            help=gettext_lazy("2026-12-01, 2026/12/1, 2026年12月1日; a year alone means its last day."),
            example="2026-12-01",
        ),
        *(
            Column(
                name,
                header,
                label,
                required=True,
                aliases=_level_aliases(header),
                help=gettext_lazy("Residents at this level; 0 when there are none."),
                example=example,
            )
            for (name, label), header, example in zip(
                RESIDENT_LEVEL_FIELDS, services.RESIDENT_HEADERS, ("40", "25", "18", "10", "7"), strict=True
            )
        ),
    )
    instructions = (
        gettext_lazy("The levels are those of GB/T 42195-2022 (老年人能力评估规范)."),
        gettext_lazy("A count dated before the one recorded is refused; the same date again corrects it."),
    )

    def identify(self, row: Row, ctx: ImportContext) -> str:
        uscc = normalize_text(row.values.get("uscc")).upper().replace(" ", "")
        if uscc:
            return uscc
        name = vocabulary.match_key(row.values.get("institution"))
        if not name:
            row.error("institution", _("Give the institution's credit code or its name."))
            return ""
        return f"name:{name}"

    def _institutions(self, ctx: ImportContext) -> dict[str, Any]:
        if "institutions" not in ctx.memo:
            from careforce.institutions.selectors import institutions_visible_to

            by_uscc: dict[str, int] = {}
            by_name: dict[str, list[int]] = {}
            names: dict[int, str] = {}
            for pk, uscc, name in institutions_visible_to(ctx.actor).values_list("pk", "uscc", "name"):
                by_uscc[uscc] = pk
                by_name.setdefault(vocabulary.match_key(name), []).append(pk)
                names[pk] = name
            ctx.memo["institutions"] = {"uscc": by_uscc, "name": by_name, "names": names, "seen": {}}
        return ctx.memo["institutions"]

    def _resolve(self, row: Row, known: dict[str, Any]) -> int | None:
        """The institution the row names, among the importer's; an institution outside the area reads as
        one that does not exist."""
        raw_uscc, raw_name = row.values.get("uscc"), row.values.get("institution")
        pk = None
        if raw_uscc not in (None, ""):
            try:
                uscc = parse_uscc(raw_uscc)
            except ValidationError as exc:
                for message in exc.messages:
                    row.error("uscc", message)
                return None
            pk = known["uscc"].get(uscc)
            if pk is None:
                row.error("uscc", _("No institution with this credit code in your area; check the code."))
                return None
        if raw_name not in (None, ""):
            matches = known["name"].get(vocabulary.match_key(raw_name), [])
            if pk is None:
                if not matches:
                    row.error(
                        "institution",
                        _(
                            "No institution of this name in your area; check the name or give the credit code."
                        ),
                    )
                    return None
                if len(matches) > 1:
                    row.error(
                        "institution",
                        _("%(n)d institutions have this name; give the credit code of the one you mean.")
                        % {"n": len(matches)},
                    )
                    return None
                pk = matches[0]
            elif pk not in matches:
                row.error(
                    "institution",
                    _("The credit code belongs to %(name)s, not to this name; correct one of the two.")
                    % {"name": known["names"][pk]},
                )
                return None
        return pk

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        known = self._institutions(ctx)
        resolved: dict[int, int] = {}
        for row in rows:
            if not row.ok:
                continue
            pk = self._resolve(row, known)
            if pk is None:
                continue
            first = known["seen"].setdefault(pk, row.number)
            if first != row.number:
                row.error(
                    "institution",
                    _("Rows %(first)d and %(this)d are the same institution; keep one of them.")
                    % {"first": first, "this": row.number},
                )
                continue
            resolved[row.number] = pk
        ids = list(set(resolved.values()))
        current = {
            inst["pk"]: inst
            for inst in Institution.objects.filter(pk__in=ids).values("pk", "name", *RESIDENT_KEYS)
        }
        dates = dict(
            ResidentsCount.objects.filter(institution_id__in=ids).values_list("institution_id", "counted_on")
        )
        for row in rows:
            pk = resolved.get(row.number)
            if pk is None or not row.ok:
                continue
            row.plan = {"institution": pk}
            row.label = current[pk]["name"]
            try:
                values = services.clean_residents(row.values)
            except ValidationError as exc:
                _fail(row, exc)
                continue
            recorded = dates.get(pk)
            if recorded is not None and values["counted_on"] < recorded:
                row.error(
                    "counted_on",
                    _("A newer count, of %(date)s, is already recorded; write a date from then on.")
                    % {"date": recorded.isoformat()},
                )
                continue
            row.changes = {
                name: [current[pk][name], values[name]]
                for name in RESIDENT_KEYS
                if current[pk][name] != values[name]
            }
            if recorded != values["counted_on"]:
                row.changes["counted_on"] = [recorded, values["counted_on"]]
            row.status = RowStatus.UPDATE if row.changes else RowStatus.UNCHANGED

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        institutions = Institution.objects.in_bulk([row.plan["institution"] for row in rows])

        def write(row: Row) -> None:
            institution = institutions[row.plan["institution"]]
            services.residents_record(actor=ctx.actor, institution=institution, data=row.values)

        _commit_each(rows, write)


# ---------------------------------------------------------------- older population (by ability level)


LEVEL_KEYS = tuple(name for name, _label, _header in POPULATION_LEVEL_FIELDS)
_CITY_WORDS = frozenset({"全市", "重庆市", "重庆", "市级"})
# The indicators' service names the 60+ count "count"; the sheet's column is aged_60_plus.
_POPULATION_RENAME = {"count": "aged_60_plus"}


class _DryRun(Exception):
    """Raised to roll back a check that wrote (see OlderPopulationSheet.classify)."""


class OlderPopulationSheet(SheetSpec):
    """The older population per district and year (or the city's): basis, 60+, 65+, source, and the five
    ability levels where known (暂无数据: no data, never zero; an empty cell keeps what is recorded). City
    administrators only."""

    key = "older_population"
    title = gettext_lazy("Older population")
    duplicate_column = "year"
    columns = (
        Column(
            "district",
            "区县",
            gettext_lazy("District"),
            aliases=("区县名称", "区县代码", "地区", "行政区划"),
            help=gettext_lazy("Name or code (渝北区 or 500112); empty or 全市 for the whole city."),
            example="渝北区",
        ),
        Column(
            "year", "年份", gettext_lazy("Year"), required=True, aliases=("年度", "统计年份"), example="2020"
        ),
        Column(
            "basis",
            "口径",
            gettext_lazy("Basis"),
            aliases=("人口口径", "统计口径"),
            help=gettext_lazy("常住 (resident) or 户籍 (registered residence); empty: 常住."),
            example="常住",
        ),
        Column(
            "aged_60_plus",
            "60岁及以上",
            gettext_lazy("People aged 60+"),
            required=True,
            aliases=("60岁及以上人口", "60周岁及以上", "60岁以上", "60岁及以上老年人口"),
            example="359381",
        ),
        Column(
            "aged_65_plus",
            "65岁及以上",
            gettext_lazy("People aged 65+"),
            aliases=("65岁及以上人口", "65周岁及以上", "65岁以上"),
            help=gettext_lazy("Empty when unknown."),
            example="265095",
        ),
        Column(
            "source",
            "来源",
            gettext_lazy("Source"),
            required=True,
            aliases=("数据来源", "出处"),
            example="第七次全国人口普查",
            width=30,
        ),
        *(
            Column(
                name,
                header,
                label,
                aliases=_level_aliases(header),
                help=gettext_lazy(
                    "People aged 60+ at this level; 暂无数据 when unknown (never 0); empty keeps what is recorded."
                ),
                example="",
            )
            for name, label, header in POPULATION_LEVEL_FIELDS
        ),
    )
    instructions = (
        gettext_lazy(
            "A district and year already recorded is changed; the newest year per district is used."
        ),
        gettext_lazy("The ability levels may be left empty: a district without them shows no data."),
    )

    def allowed(self, user: User, scope: Scope) -> bool:
        return _city_only(scope)

    def _districts(self, ctx: ImportContext) -> dict[str, District]:
        if "districts" not in ctx.memo:
            table: dict[str, District] = {}
            for district in District.objects.all():
                table[district.code] = district
                table[vocabulary.match_key(district.name)] = district
            ctx.memo["districts"] = table
        return ctx.memo["districts"]

    def _district(self, row: Row, ctx: ImportContext) -> tuple[bool, District | None]:
        raw = normalize_text(row.values.get("district"))
        if not raw or raw in _CITY_WORDS:
            return True, None
        district = self._districts(ctx).get(raw) or self._districts(ctx).get(vocabulary.match_key(raw))
        if district is None:
            row.error(
                "district",
                _("No district “%(value)s”; write its name or code (e.g. 渝北区 or 500112).")
                % {"value": raw},
            )
            return False, None
        return True, district

    def identify(self, row: Row, ctx: ImportContext) -> str:
        found, district = self._district(row, ctx)
        if not found:
            return ""
        year = normalize_text(row.values.get("year")).removesuffix(".0").removesuffix("年")
        return f"{district.code if district else 'city'}|{year}"

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        for row in rows:
            if not row.ok:
                continue
            _found, district = self._district(row, ctx)
            row.plan = {"district": district.pk if district else None}
            try:
                before, after = self._check(row, ctx, district)
            except ValidationError as exc:
                _fail(row, exc, _POPULATION_RENAME)
                continue
            row.label = f"{district.name if district else _('City')} {after['year']}"
            if before is None:
                row.status = RowStatus.NEW
                continue
            row.changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
            row.status = RowStatus.UPDATE if row.changes else RowStatus.UNCHANGED

    def _check(
        self, row: Row, ctx: ImportContext, district: District | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(the figure recorded for the district and year, or None; what the row makes of it). The figure is
        checked by the indicators' own service, in a savepoint rolled back at once: its checks are the
        targets page's, with nothing kept (the figure's audit type wakes no dashboard work)."""
        from careforce.indicators.services import older_population_set

        values = row.values
        try:
            with transaction.atomic():
                population = older_population_set(
                    actor=ctx.actor,
                    district=district,
                    year=values.get("year"),
                    count=values.get("aged_60_plus"),
                    aged_65_plus=values.get("aged_65_plus"),
                    basis=values.get("basis"),
                    source=values.get("source"),
                )
                raise _DryRun
        except _DryRun:
            pass
        # An empty level cell keeps what is recorded (as the roster's empty cells do); 暂无数据 clears it.
        given = {name: values[name] for name in LEVEL_KEYS if values.get(name) is not None}
        levels = services.clean_population_levels(given, aged_60_plus=None)
        recorded = (
            OlderPopulation.objects.filter(district=district, year=population.year)
            .select_related("levels")
            .first()
        )
        known_levels: dict[str, int | None] = dict.fromkeys(LEVEL_KEYS)
        if recorded is not None:
            with contextlib.suppress(OlderPopulationLevels.DoesNotExist):
                known_levels = recorded.levels.counts()
        merged = {**known_levels, **levels}
        services.clean_population_levels(merged, aged_60_plus=population.count)
        after = {
            "year": population.year,
            "basis": str(PopulationBasis(population.basis).label),
            "aged_60_plus": population.count,
            "aged_65_plus": population.aged_65_plus,
            "source": population.source,
            **merged,
        }
        if recorded is None:
            return None, after
        before = {
            "year": recorded.year,
            "basis": str(PopulationBasis(recorded.basis).label),
            "aged_60_plus": recorded.count,
            "aged_65_plus": recorded.aged_65_plus,
            "source": recorded.source,
            **known_levels,
        }
        return before, after

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        districts = District.objects.in_bulk([row.plan["district"] for row in rows if row.plan["district"]])

        def write(row: Row) -> None:
            district = districts.get(row.plan["district"]) if row.plan["district"] else None
            data = {k: v for k, v in row.values.items() if k not in LEVEL_KEYS or v is not None}
            services.older_population_record(actor=ctx.actor, district=district, data=data)

        _commit_each(rows, write, _POPULATION_RENAME)


def register() -> None:
    from careforce.imports.sheets import register_sheet

    register_sheet(PostSheet())
    register_sheet(ResidentsSheet())
    register_sheet(OlderPopulationSheet())
