"""The conditions of a subsidy scheme over what the registry already knows, as SQL expressions, and the
set-based eligibility run that writes one row per worker with the conditions met as a bit set.

Bit n of `Eligibility.conditions_met` is `CONDITIONS[n]`. A condition the scheme does not ask for counts as
met, so a worker qualifies when every bit is set.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from careforce.credit.models import DishonestyListing, active_listings_q
from careforce.incentives.models import (
    ContractType,
    Eligibility,
    EligibilityRun,
    LabourContract,
    Scheme,
    SchemeKind,
)
from careforce.registry import completeness
from careforce.registry.models import Employment, Team, Worker
from careforce.skills.models import Certificate


@dataclass(frozen=True)
class Condition:
    code: str
    label: object


CONDITIONS: tuple[Condition, ...] = (
    Condition("years_in_care", _("years in care posts")),
    Condition("continuous_service", _("continuous service in the current post")),
    Condition("contract", _("labour contract of the required term")),
    Condition("skill_level", _("skill level")),
    Condition("not_dishonest", _("not on the dishonesty list")),
    Condition("not_public_institution", _("not in a public-institution post (事业编制)")),
    Condition("completeness", _("institution's record completeness")),
    Condition("amount", _("an amount for the worker's education or level (entry: a tranche reached)")),
)
ALL_MET = (1 << len(CONDITIONS)) - 1
BIT = {c.code: 1 << i for i, c in enumerate(CONDITIONS)}


def explain(bits: int) -> list[tuple[str, bool]]:
    """Each condition's label and whether it was met, like the credit score's factors."""
    return [(str(c.label), bool(bits & (1 << i))) for i, c in enumerate(CONDITIONS)]


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _current_contracts(as_of: datetime.date):
    return LabourContract.objects.filter(worker=OuterRef("pk"), start_date__lte=as_of).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=as_of)
    )


def _amount_by_rank(amounts: dict, field: str) -> Case | Value:
    whens = [
        When(**{f"{field}__gte": int(rank)}, then=Value(Decimal(str(amount))))
        for rank, amount in sorted(((int(k), v) for k, v in amounts.items() if k != "*"), reverse=True)
    ]
    default = Value(Decimal(str(amounts.get("*", 0))))
    return Case(*whens, default=default, output_field=DecimalField(max_digits=12, decimal_places=2))


def candidates(scheme: Scheme, run: EligibilityRun):
    """The workers the run considers, annotated with the columns of their eligibility row."""
    as_of = run.as_of
    money = DecimalField(max_digits=12, decimal_places=2)
    qs = Worker.objects.filter(is_active=True, institution__isnull=False)
    district_id = scheme.district_id or run.district_id
    if district_id:
        qs = qs.filter(district_id=district_id)
    today_certificates = Certificate.objects.filter(
        worker=OuterRef("pk"), status="valid", issued_on__lte=as_of
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=as_of))
    qs = qs.annotate(
        skill_rank=Coalesce(
            Subquery(
                today_certificates.order_by().values("worker").annotate(m=Max("level__rank")).values("m")[:1]
            ),
            0,
        ),
        current_start=Subquery(
            Employment.objects.filter(worker=OuterRef("pk"), end_date__isnull=True)
            .order_by("start_date")
            .values("start_date")[:1]
        ),
    )
    conditions: dict[str, Q | bool] = {}
    if scheme.min_years_in_care is not None:
        conditions["years_in_care"] = Q(team=Team.CARE) & Q(
            Exists(
                Employment.objects.filter(
                    worker=OuterRef("pk"), start_date__lte=years_before(as_of, scheme.min_years_in_care)
                )
            )
        )
    if scheme.min_continuous_years is not None:
        conditions["continuous_service"] = Q(
            current_start__lte=years_before(as_of, scheme.min_continuous_years)
        )
    if scheme.min_contract_years is not None:
        conditions["contract"] = Q(
            Exists(
                _current_contracts(as_of).filter(
                    Q(term_months__isnull=True) | Q(term_months__gte=12 * scheme.min_contract_years)
                )
            )
        )
    if scheme.min_skill_rank is not None:
        conditions["skill_level"] = Q(skill_rank__gte=scheme.min_skill_rank)
    if scheme.exclude_dishonest:
        conditions["not_dishonest"] = ~Q(
            Exists(DishonestyListing.objects.filter(active_listings_q(as_of), worker=OuterRef("pk")))
        )
    if scheme.exclude_public_institution:
        conditions["not_public_institution"] = ~Q(
            Exists(_current_contracts(as_of).filter(contract_type=ContractType.PUBLIC_INSTITUTION))
        )
    if scheme.min_completeness_percent is not None:
        meeting = [
            institution_id
            for institution_id, share in completeness.shares_by_institution(on=as_of).items()
            if share.meets(scheme.min_completeness_percent)
        ]
        conditions["completeness"] = Q(institution_id__in=meeting)

    if scheme.kind == SchemeKind.ENTRY:
        tranche_whens = [
            When(current_start__lte=years_before(as_of, int(years)), then=Value(number))
            for number, (years, _percent) in reversed(list(enumerate(scheme.tranches, start=1)))
        ]
        qs = qs.annotate(tranche=Case(*tranche_whens, default=Value(0), output_field=IntegerField()))
        amount_whens = [
            When(
                Q(education=education, tranche=number),
                then=Value(Decimal(str(total)) * Decimal(str(percent)) / 100),
            )
            for education, total in scheme.amounts.items()
            for number, (_years, percent) in enumerate(scheme.tranches, start=1)
        ]
        qs = qs.annotate(
            due=Case(*amount_whens, default=Value(Decimal(0)), output_field=money),
            key=Concat(Value("t"), Cast("tranche", CharField()), output_field=CharField()),
        )
    elif scheme.kind == SchemeKind.ONE_OFF_SKILL:
        qs = qs.annotate(
            due=_amount_by_rank(scheme.amounts, "skill_rank"),
            key=Concat(Value("L"), Cast("skill_rank", CharField()), output_field=CharField()),
        )
    elif scheme.kind == SchemeKind.MONTHLY_POST:
        qs = qs.annotate(
            due=_amount_by_rank(scheme.amounts, "skill_rank"), key=Value(run.period, CharField())
        )
    else:
        qs = qs.annotate(
            due=Value(Decimal(str(scheme.amounts.get("*", 0))), output_field=money),
            key=Value(run.period, CharField()),
        )
    conditions["amount"] = Q(due__gt=0)

    bits = Value(0)
    for code, bit in BIT.items():
        if code in conditions:
            bits = bits + Case(When(conditions[code], then=Value(bit)), default=Value(0))
        else:
            bits = bits + Value(bit)
    qs = qs.annotate(bits=Cast(bits, IntegerField()))
    qs = qs.annotate(
        ok=Case(When(bits=ALL_MET, then=Value(True)), default=Value(False), output_field=BooleanField()),
        run_ref=Value(run.pk, IntegerField()),
        pending=Value("pending", CharField()),
        blank=Value("", CharField()),
    )
    return qs.order_by().values_list(
        "run_ref", "pk", "district_id", "institution_id", "bits", "ok", "key", "due", "pending", "blank"
    )


def write_results(scheme: Scheme, run: EligibilityRun) -> None:
    """INSERT … SELECT: the whole run in one statement, no per-worker Python."""
    sql, params = candidates(scheme, run).query.sql_with_params()
    table = Eligibility._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (run_id, worker_id, district_id, institution_id, conditions_met, qualifies, '
            f"payment_key, amount, decision, reason) {sql}",
            params,
        )
