"""The one definition of staffing compliance (配置达标): who counts, what is required, the named shortfall.

Who counts: a person with a *current* employment (no end date) at the institution that carries a labour
contract, whose worker record is active (`counted_base`), and — when `StaffingSettings.insurance_required`
— who holds a current insurance cover of `StaffingSettings.insurance_kind` recorded at that institution
(`insurance_condition`). Names lent on paper (挂证) have no labour contract at the institution and so never
count. A part-time person counts as `StaffingSettings.part_time_weight` of a person (a fraction, 0.5 by
default), a full-time person as one.

What is required:
- care staff (人员类别 "care"): Σ residents of each ability level ÷ residents per care worker of that level
  (`indicators.StaffingRatio`), rounded up once in total per institution (`required_care_staff`);
- each post requirement (`PostRequirement`) whose conditions the institution meets (star grade, beds, 事业单位);
  when several rules name the same post, the largest count applies;
- at a 事业单位, professional-technical staff as the main body: more than
  `StaffingSettings.public_unit_professional_share` % of its counted staff (`professional_main_body`).

The shortfall of a post is the required count minus the people counted, rounded up to whole people.
Figures are read from the counting facts the writes keep (tally.py, grouped queries, never one per
institution); `heads(recount=True)` reads the same rule from the registry itself, for the check.
"""

from __future__ import annotations

import bisect
import datetime
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from careforce.indicators.selectors import required_care_staff, staffing_ratios
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.registry.models import Employment, Team
from careforce.staffing.models import CountedFact, Post, PostGroup, PostRequirement, StaffingSettings

CARE_POST_CODE = "caregiver"  # the post a care-staff shortfall is named after


def settings_row() -> StaffingSettings:
    row = StaffingSettings.objects.filter(pk=1).first()
    return row if row is not None else StaffingSettings(pk=1)


def insurance_q(settings: StaffingSettings, on: datetime.date, prefix: str) -> Q:
    """The insurance condition on a cover's fields named `prefix`kind, `prefix`start_date, `prefix`end_date:
    a cover of the kind that counts, current on `on`. Read on InsuranceCover (the recount) and on the
    counting facts (the tally) alike."""
    return Q(
        **{
            f"{prefix}kind": settings.insurance_kind,
            f"{prefix}start_date__lte": on,
            f"{prefix}end_date__gte": on,
        }
    )


def insurance_condition(settings: StaffingSettings | None = None, on: datetime.date | None = None) -> Q:
    """The condition on Employment that social insurance adds when the settings require it: a current cover
    of the kind that counts, held by the person at the same institution (insurance paid elsewhere does not
    make a name lent on paper count). Nothing when the condition is off."""
    from careforce.incentives.models import InsuranceCover

    settings = settings or settings_row()
    if not settings.insurance_required:
        return Q()
    covers = InsuranceCover.objects.filter(
        insurance_q(settings, on or timezone.localdate(), ""),
        worker=OuterRef("worker_id"),
        institution=OuterRef("institution_id"),
    )
    return Q(Exists(covers))


def counted_base() -> QuerySet[Employment]:
    """The employments that count before the insurance condition (what the counting facts hold)."""
    return Employment.objects.filter(
        end_date__isnull=True, has_labour_contract=True, worker__is_active=True
    ).order_by()


def care_flow_base() -> QuerySet[Employment]:
    """The employments the projection's net flow of care staff counts: full-time, of a care-team worker,
    current or ended (joins by start date, leaves by end date; what the flow facts hold)."""
    return Employment.objects.filter(worker__team=Team.CARE, is_part_time=False).order_by()


def counted_employments(on: datetime.date | None = None) -> QuerySet[Employment]:
    """The employments that count towards staffing on `on` (see the module's docstring), read from the
    registry itself: the recount the tally is checked against."""
    return counted_base().filter(insurance_condition(on=on))


def counted_facts(on: datetime.date | None = None) -> QuerySet[CountedFact]:
    """The same employments read from the counting facts kept by the writes (tally.py). An employment has a
    row per cover, so callers count distinct employment ids."""
    settings = settings_row()
    qs = CountedFact.objects.order_by()
    if settings.insurance_required:
        qs = qs.filter(insurance_q(settings, on or timezone.localdate(), "cover_"))
    return qs


@dataclass(slots=True)
class Need:
    post: str  # the post's name
    required: Decimal
    counted: Decimal
    short: int = field(init=False)  # required − counted rounded up to whole people, never below 0

    def __post_init__(self) -> None:
        # Computed once: a district page reads it several times for each of thousands of needs.
        self.short = shortfall(self.required, self.counted)


def shortfall(required: Decimal, counted: Decimal) -> int:
    """People short: required − counted rounded up to whole people, never below 0."""
    gap = required - counted
    if gap > 0:
        whole = int(gap)  # towards zero: the ceiling of a positive fraction is one more
        return whole + (whole != gap)
    return 0


class Compliance:
    """An institution's needs, each (post, required, counted). They are kept as plain triples and become
    `Need`s when read: a city overview reads only the shortfalls of 20,000 institutions."""

    __slots__ = ("_needs", "_shortfalls", "institution_id", "terms")

    def __init__(self, institution_id: int, terms: list[tuple[str, Decimal, Decimal]] | None = None) -> None:
        self.institution_id = institution_id
        self.terms = terms if terms is not None else []
        self._needs: list[Need] | None = None
        self._shortfalls: list[Need] | None = None

    @property
    def needs(self) -> list[Need]:
        if self._needs is None:
            self._needs = [Need(post, required, counted) for post, required, counted in self.terms]
        return self._needs

    @property
    def shortfalls(self) -> list[Need]:
        if self._shortfalls is None:
            # A need is short exactly when more are required than counted (Need.short ≥ 1 then).
            self._shortfalls = [
                Need(post, required, counted) for post, required, counted in self.terms if required > counted
            ]
        return self._shortfalls

    def shorts(self) -> list[tuple[str, int]]:
        """(post, people short) of each shortfall, without building a `Need` each (the overview's totals)."""
        if self._shortfalls is not None:
            return [(need.post, need.short) for need in self._shortfalls]
        return [
            (post, shortfall(required, counted))
            for post, required, counted in self.terms
            if required > counted
        ]

    @property
    def compliant(self) -> bool:
        return not any(required > counted for _post, required, counted in self.terms)

    @property
    def text(self) -> str:
        """ "缺 3 名养老护理员、1 名社会工作、无消防安全岗", or "compliant"."""
        if self.compliant:
            return _("Compliant")
        parts = []
        for need in self.shortfalls:
            if need.counted == 0 and need.required <= 1:
                parts.append(_("no %(post)s post") % {"post": need.post})
            else:
                parts.append(_("%(n)s more %(post)s") % {"n": need.short, "post": need.post})
        return pgettext("list separator", ", ").join(parts)


@dataclass
class Heads:
    """People counted at an institution (or in a district): full-time 1, part-time the weight."""

    care: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    posts: dict[int, Decimal] = field(default_factory=dict)

    def add(self, post_id: int | None, is_care: bool, weight: Decimal) -> None:
        self.total += weight
        if is_care:
            self.care += weight
        if post_id is not None:
            self.posts[post_id] = self.posts.get(post_id, Decimal(0)) + weight


def heads(
    institution_ids: Iterable[int] | None = None,
    district_id: int | None = None,
    *,
    by: str = "institution",
    on: datetime.date | None = None,
    recount: bool = False,
) -> dict[int, Heads]:
    """institution (or district, by="district") id → people counted, in one grouped query over the counting
    facts kept by the writes; recount=True reads the registry itself instead (the check: both must agree)."""
    settings = settings_row()
    if recount:
        qs = counted_employments(on).annotate(
            g_inst=F("institution_id"),
            g_district=F("institution__district_id"),
            g_post=F("post_ref_id"),
            g_care=ExpressionWrapper(Q(worker__team=Team.CARE), output_field=BooleanField()),
            g_employment=F("pk"),
        )
    else:
        qs = counted_facts(on).annotate(
            g_inst=F("institution_id"),
            g_district=F("district_id"),
            g_post=F("post_id"),
            g_care=F("is_care"),
            g_employment=F("employment_id"),
        )
        # A row per insurance cover: without the condition each employment's first row counts it once;
        # with it, an employment with several covers that qualify is counted once (DISTINCT below).
        if not settings.insurance_required:
            qs = qs.filter(is_first=True)
    if institution_ids is not None:
        institution_ids = list(institution_ids)
        if not institution_ids:
            return {}  # no institution: nothing to count (and no SQL: `IN ()` cannot be written)
        qs = qs.filter(g_inst__in=institution_ids)
    if district_id is not None:
        qs = qs.filter(g_district=district_id)
    # In the order of the facts' index, so that DISTINCT (insurance on) is a pass over the index in order.
    inner = qs.values("g_district", "g_inst", "g_post", "g_care", "is_part_time", "g_employment")
    every_fact = district_id is None and institution_ids is None
    once = settings.insurance_required and not recount  # an employment's covers: count it once
    if once and not every_fact:
        inner = inner.distinct()
    inner_sql, params = inner.query.sql_with_params()
    # One row per institution (or district), the posts pivoted into columns: thousands of (institution,
    # post, care, part-time) groups read into Python cost as much as the query. The weights are summed in
    # SQL as whole hundredths (integers on every database, exact), turned back into Decimal here.
    weight = Decimal(settings.part_time_weight)
    scale = 10 ** max(0, -int(weight.as_tuple().exponent))
    part, full = int(weight * scale), scale
    post_ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    if every_fact:
        # Every fact: first counted per (district or institution, post, care, part-time) — per institution
        # in the index's order, a pass without hashing — and the posts pivoted over those groups rather than
        # over every row.
        keys = "g_district" if by == "district" else "g_district, g_inst"
        # Over every fact, DISTINCT would hash half a million rows: COUNT(DISTINCT) per group sorts them.
        n = "COUNT(DISTINCT g_employment)" if once else "COUNT(*)"
        source = (
            f"SELECT {keys}, g_post, g_care, is_part_time, {n} AS n "
            f"FROM ({inner_sql}) f GROUP BY {keys}, g_post, g_care, is_part_time"
        )
        w = f"s.n * CASE WHEN s.is_part_time THEN {part} ELSE {full} END"
    else:
        source, w = inner_sql, f"CASE WHEN s.is_part_time THEN {part} ELSE {full} END"
    columns = [f"SUM({w})", f"SUM(CASE WHEN s.g_care THEN {w} ELSE 0 END)"]
    columns += [f"SUM(CASE WHEN s.g_post = {int(post)} THEN {w} END)" for post in post_ids]
    group = "s.g_district" if by == "district" else "s.g_district, s.g_inst"
    key = "s.g_district" if by == "district" else "s.g_inst"
    sql = f"SELECT {key}, {', '.join(columns)} FROM ({source}) s GROUP BY {group}"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and every_fact:
            # Over every fact PostgreSQL would compile the sums (JIT): measured slower than without.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out: dict[int, Heads] = {}
    people = _Hundredths(Decimal(scale))
    for group, total, care, *posts in rows:
        out[group] = Heads(
            care=people[care],
            total=people[total],
            posts={post: people[n] for post, n in zip(post_ids, posts, strict=True) if n is not None},
        )
    return out


class _Hundredths(dict):
    """Whole hundredths (or the weight's scale) → people as Decimal, each value worked out once: the same few
    values recur thousands of times, and a dict lookup costs less than a Decimal division."""

    def __init__(self, scale: Decimal) -> None:
        super().__init__()
        self.scale = scale

    def __missing__(self, n: int) -> Decimal:
        value = self[n] = Decimal(n) / self.scale
        return value


def care_counts(
    institution_ids: Iterable[int] | None = None, district_id: int | None = None
) -> dict[int, Decimal]:
    """institution id → care staff counted (full-time 1, part-time the weight), one grouped query."""
    return {k: h.care for k, h in heads(institution_ids, district_id).items()}


def post_counts(
    institution_ids: Iterable[int] | None = None, district_id: int | None = None
) -> dict[int, dict[int, Decimal]]:
    """institution id → {post id → people counted in that post}, one grouped query."""
    return {k: h.posts for k, h in heads(institution_ids, district_id).items()}


def professional_main_body(
    have: Heads, professional_ids: set[int], share_percent: Decimal
) -> tuple[Decimal, Decimal]:
    """事业单位: (professional-technical people counted, the number they must reach) so that they are more
    than `share_percent` of the counted staff (the main body, 主体). Adding people means adding
    professional-technical staff, so the number required is the least whole number above
    share × others ÷ (1 − share); with nobody counted one is required."""
    professional = sum((n for post, n in have.posts.items() if post in professional_ids), Decimal(0))
    others = have.total - professional
    share = Decimal(share_percent) / 100
    bound = share * others / (1 - share)
    if professional > bound:
        return professional, professional
    return professional, Decimal(math.floor(bound) + 1)


def required_posts(inst: dict, requirements: list[PostRequirement]) -> dict[int, int]:
    """post id → people required at an institution (its row: star_grade, beds, is_public_service_unit)."""
    out: dict[int, int] = {}
    for rule in requirements:
        if rule.min_star_grade > (inst["star_grade"] or 0) or rule.min_beds > (inst["beds"] or 0):
            continue
        if rule.public_service_unit_only and not inst["is_public_service_unit"]:
            continue
        out[rule.post_id] = max(out.get(rule.post_id, 0), rule.count)
    return out


class RequiredPosts:
    """`required_posts` for many institutions: the rules' answer depends only on the star grade, which bed
    threshold is reached and 事业单位, so it is worked out once per such combination (a few dozen for a
    district of thousands of institutions)."""

    def __init__(self, requirements: list[PostRequirement]) -> None:
        self.requirements = requirements
        self.thresholds = sorted({rule.min_beds for rule in requirements})
        self.known: dict[tuple, dict[int, int]] = {}

    def __call__(self, inst: dict) -> dict[int, int]:
        beds = inst["beds"] or 0
        # The highest threshold reached stands for every bed count between it and the next one.
        reached = bisect.bisect_right(self.thresholds, beds)
        key = (inst["star_grade"] or 0, reached, bool(inst["is_public_service_unit"]))
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = required_posts(inst, self.requirements)
        return found


INSTITUTION_FIELDS = (
    "id",
    "name",
    "district_id",
    "star_grade",
    "beds",
    "is_public_service_unit",
    *(f for f, _l in RESIDENT_LEVEL_FIELDS),
)


def compliance(
    institutions: QuerySet[Institution], counted: dict[int, Heads] | None = None, *, ordered: bool = True
) -> dict[int, tuple[dict, Compliance, int]]:
    """institution id → (its row, its compliance, care staff required) for every institution in the
    queryset, in name order (ordered=False: any order, for totals), with a fixed number of queries
    (institutions, settings, ratios, rules, posts, one grouped count of the counting facts)."""
    institutions = institutions.order_by("name", "id") if ordered else institutions.order_by()
    sql, params = institutions.values(*INSTITUTION_FIELDS).query.sql_with_params()
    # Read from the cursor: ids, names, flags and counts need none of the ORM's per-row converters.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(INSTITUTION_FIELDS, values, strict=True)) for values in cursor.fetchall()]
    ids = [row["id"] for row in rows]
    district_ids = {row["district_id"] for row in rows}
    # One district (a district page): filter by district, not by a long id list.
    narrow = {"district_id": next(iter(district_ids))} if len(district_ids) == 1 and len(ids) > 500 else {}
    if counted is None:  # a caller that read the heads already (a district page) passes them
        counted = heads(**narrow) if narrow else heads(ids)
    settings = settings_row()
    professional_ids = set(Post.objects.filter(group=PostGroup.PROFESSIONAL).values_list("pk", flat=True))
    ratios = staffing_ratios()
    posts_required = RequiredPosts(list(PostRequirement.objects.all()))
    names = dict(Post.objects.values_list("pk", "name"))
    care_name = Post.objects.filter(code=CARE_POST_CODE).values_list("name", flat=True).first() or _(
        "care staff"
    )
    main_body = _("professional and technical staff (the main body)")
    share = settings.public_unit_professional_share
    # The care staff required depend on the residents by level only: institutions with the same residents
    # share the answer (indicators' required_care_staff, the one definition).
    residents_of = operator.itemgetter(*(name for name, _label in RESIDENT_LEVEL_FIELDS))
    required_care_of: dict[tuple, tuple[int, Decimal]] = {}
    # The posts required as (name, count, post id) per combination RequiredPosts tells apart.
    posts_of: dict[int, list[tuple[str, Decimal, int]]] = {}
    nobody = Heads()
    zero = Decimal(0)
    out = {}
    for row in rows:
        inst_id = row["id"]
        needs: list[tuple[str, Decimal, Decimal]] = []
        have = counted.get(inst_id, nobody)
        residents = residents_of(row)
        care = required_care_of.get(residents)
        if care is None:
            required = required_care_staff(row, ratios)
            care = required_care_of[residents] = (required, Decimal(required))
        if care[0]:
            needs.append((care_name, care[1], have.care))
        required_posts = posts_required(row)
        terms = posts_of.get(id(required_posts))
        if terms is None:
            terms = posts_of[id(required_posts)] = [
                (names[post_id], Decimal(count), post_id) for post_id, count in required_posts.items()
            ]
        have_posts = have.posts
        for name, count, post_id in terms:
            needs.append((name, count, have_posts.get(post_id, zero)))
        if row["is_public_service_unit"]:
            professional, required_people = professional_main_body(have, professional_ids, share)
            needs.append((main_body, required_people, professional))
        out[inst_id] = (row, Compliance(inst_id, needs), care[0])
    return out


def care_staffing(institution_ids: list[int] | None = None) -> dict[int, tuple[Decimal, int]]:
    """institution id → (care staff counted, care staff its residents call for): the care-staff shortfall
    the dashboard, the scorecards and the rankings' staffing factor read. Not scoped: callers scope what
    they show (the ranking ranks every institution)."""
    institutions = Institution.objects.all()
    if institution_ids is not None:
        institutions = institutions.filter(pk__in=institution_ids)
    ratios = staffing_ratios()
    care = care_counts(institution_ids)
    fields = [name for name, _label in RESIDENT_LEVEL_FIELDS]
    return {
        row["id"]: (care.get(row["id"], Decimal(0)), required_care_staff(row, ratios))
        for row in institutions.order_by().values("id", *fields)
    }
