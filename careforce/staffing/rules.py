"""The one definition of staffing compliance (配置达标): who counts, what is required, the named shortfall.

Who counts: a person with a *current* employment (no end date) at the institution that carries a labour
contract, whose worker record is active. Names lent on paper (挂证) have no labour contract at the
institution and so never count. A part-time person counts as `StaffingSettings.part_time_weight` of a person
(a fraction, 0.5 by default), a full-time person as one. `insurance_condition()` is the hook where social
insurance paid by the institution will be required as well (not yet recorded on the platform).

What is required:
- care staff (人员类别 "care"): Σ residents of each ability level ÷ residents per care worker of that level
  (`indicators.StaffingRatio`), rounded up once in total per institution (`required_care_staff`);
- each post requirement (`PostRequirement`) whose conditions the institution meets (star grade, beds, 事业单位);
  when several rules name the same post, the largest count applies.

The shortfall of a post is the required count minus the people counted, rounded up to whole people.
Everything is read with grouped queries (one per kind of figure), never one query per institution.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from careforce.indicators.selectors import required_care_staff, staffing_ratios
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.registry.models import Employment, Team
from careforce.staffing.models import Post, PostRequirement, StaffingSettings

CARE_POST_CODE = "caregiver"  # the post a care-staff shortfall is named after


def settings_row() -> StaffingSettings:
    row = StaffingSettings.objects.filter(pk=1).first()
    return row if row is not None else StaffingSettings(pk=1)


def insurance_condition() -> Q:
    """Hook: the condition on Employment that social insurance paid by the institution will add. Until the
    insurance records exist it adds nothing."""
    return Q()


def counted_employments() -> QuerySet[Employment]:
    """The employments that count towards staffing (see the module's docstring)."""
    return Employment.objects.filter(
        Q(end_date__isnull=True, has_labour_contract=True, worker__is_active=True) & insurance_condition()
    ).order_by()


@dataclass
class Need:
    post: str  # the post's name
    required: Decimal
    counted: Decimal

    @property
    def short(self) -> int:
        gap = self.required - self.counted
        return math.ceil(gap) if gap > 0 else 0


@dataclass
class Compliance:
    institution_id: int
    needs: list[Need] = field(default_factory=list)

    @property
    def shortfalls(self) -> list[Need]:
        return [need for need in self.needs if need.short]

    @property
    def compliant(self) -> bool:
        return not self.shortfalls

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


def _weights(settings: StaffingSettings) -> tuple[Decimal, Decimal]:
    return Decimal(1), Decimal(settings.part_time_weight)


def care_counts(
    institution_ids: Iterable[int] | None = None, district_id: int | None = None
) -> dict[int, Decimal]:
    """institution id → care staff counted (full-time 1, part-time the weight), one grouped query."""
    full, part = _weights(settings_row())
    qs = counted_employments().filter(worker__team=Team.CARE)
    if institution_ids is not None:
        qs = qs.filter(institution_id__in=list(institution_ids))
    if district_id is not None:
        qs = qs.filter(institution__district_id=district_id)
    out: dict[int, Decimal] = defaultdict(Decimal)
    for inst_id, part_time, n in qs.values_list("institution_id", "is_part_time").annotate(n=Count("pk")):
        out[inst_id] += n * (part if part_time else full)
    return out


def post_counts(
    institution_ids: Iterable[int] | None = None, district_id: int | None = None
) -> dict[int, dict[int, Decimal]]:
    """institution id → {post id → people counted in that post}, one grouped query."""
    full, part = _weights(settings_row())
    qs = counted_employments().filter(post_ref__isnull=False)
    if institution_ids is not None:
        qs = qs.filter(institution_id__in=list(institution_ids))
    if district_id is not None:
        qs = qs.filter(institution__district_id=district_id)
    out: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = qs.values_list("institution_id", "post_ref_id", "is_part_time").annotate(n=Count("pk"))
    for inst_id, post_id, part_time, n in rows:
        out[inst_id][post_id] += n * (part if part_time else full)
    return out


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


INSTITUTION_FIELDS = (
    "id",
    "name",
    "district_id",
    "star_grade",
    "beds",
    "is_public_service_unit",
    *(f for f, _l in RESIDENT_LEVEL_FIELDS),
)


def compliance(institutions: QuerySet[Institution]) -> dict[int, tuple[dict, Compliance, int]]:
    """institution id → (its row, its compliance, care staff required) for every institution in the
    queryset, with a fixed number of queries (institutions, ratios, rules, posts, two grouped counts)."""
    rows = list(institutions.order_by("name", "id").values(*INSTITUTION_FIELDS))
    ids = [row["id"] for row in rows]
    district_ids = {row["district_id"] for row in rows}
    # One district (a district page): filter by district, not by a long id list.
    narrow = {"district_id": next(iter(district_ids))} if len(district_ids) == 1 and len(ids) > 500 else {}
    if narrow:
        care, posts = care_counts(**narrow), post_counts(**narrow)
    else:
        care, posts = care_counts(ids), post_counts(ids)
    ratios = staffing_ratios()
    requirements = list(PostRequirement.objects.all())
    names = dict(Post.objects.values_list("pk", "name"))
    care_name = Post.objects.filter(code=CARE_POST_CODE).values_list("name", flat=True).first() or _(
        "care staff"
    )
    out = {}
    for row in rows:
        inst_id = row["id"]
        result = Compliance(inst_id)
        required_care = required_care_staff(row, ratios)
        if required_care:
            result.needs.append(Need(care_name, Decimal(required_care), care.get(inst_id, Decimal(0))))
        have = posts.get(inst_id, {})
        for post_id, count in required_posts(row, requirements).items():
            result.needs.append(Need(names[post_id], Decimal(count), have.get(post_id, Decimal(0))))
        out[inst_id] = (row, result, required_care)
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
