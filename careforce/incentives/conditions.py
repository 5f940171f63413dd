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
    Case,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
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


# A money parameter as a number on both databases (SQLite's driver passes Decimal as text, and text
# compares greater than any number there).
MONEY = "CAST(%s AS NUMERIC)"


def _rank_amount_sql(amounts: dict) -> tuple[str, list]:
    """The amount for the worker's level: the highest rank in `amounts` not above it, else "*"."""
    parts, params = [], []
    for rank, amount in sorted(((int(k), v) for k, v in amounts.items() if k != "*"), reverse=True):
        parts.append(f"WHEN c.skill_rank >= %s THEN {MONEY}")
        params += [rank, Decimal(str(amount))]
    default = Decimal(str(amounts.get("*", 0)))
    if not parts:
        return MONEY, [default]
    return f"CASE {' '.join(parts)} ELSE {MONEY} END", [*params, default]


def candidates(scheme: Scheme, run: EligibilityRun) -> tuple[str, list, str, list]:
    """The SELECT of the run's eligibility rows. The inner query reads the registry once per worker (skill
    level, current post's start, each condition as 0/1); the outer one derives tranche, key, amount and the
    bit set from those columns, so no correlated subquery is evaluated twice."""
    as_of = run.as_of
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
    conditions: dict[str, Q] = {}
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
            Exists(
                Employment.objects.filter(
                    worker=OuterRef("pk"),
                    end_date__isnull=True,
                    start_date__lte=years_before(as_of, scheme.min_continuous_years),
                )
            )
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
        conditions["skill_level"] = Q(
            Exists(today_certificates.filter(level__rank__gte=scheme.min_skill_rank))
        )
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
    flags = {
        f"c_{code}": Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())
        for code, q in conditions.items()
    }
    inner_sql, inner_params = (
        qs.annotate(**flags)
        .order_by()
        .values_list(
            "pk", "district_id", "institution_id", "education", "skill_rank", "current_start", *flags
        )
        .query.sql_with_params()
    )

    if scheme.kind == SchemeKind.ENTRY:
        tranche_parts, tranche_params, percent_parts, percent_params = [], [], [], []
        for number, (years, percent) in reversed(list(enumerate(scheme.tranches, start=1))):
            cut = years_before(as_of, int(years))
            tranche_parts.append("WHEN c.current_start <= %s THEN %s")
            tranche_params += [cut, number]
            percent_parts.append(f"WHEN c.current_start <= %s THEN {MONEY}")
            percent_params += [cut, Decimal(str(percent))]
        tranche = f"CASE {' '.join(tranche_parts)} ELSE 0 END" if tranche_parts else "0"
        percent = f"CASE {' '.join(percent_parts)} ELSE 0 END" if percent_parts else "0"
        education_parts, education_params = [], []
        for education, total in scheme.amounts.items():
            education_parts.append(f"WHEN c.w_education = %s THEN {MONEY}")
            education_params += [education, Decimal(str(total))]
        total = f"CASE {' '.join(education_parts)} ELSE 0 END" if education_parts else "0"
        amount_sql = f"(({total}) * ({percent}) / 100)"
        amount_params = [*education_params, *percent_params]
        key_sql, key_params = f"('t' || ({tranche}))", tranche_params
    elif scheme.kind == SchemeKind.ONE_OFF_SKILL:
        amount_sql, amount_params = _rank_amount_sql(scheme.amounts)
        key_sql, key_params = "('L' || c.skill_rank)", []
    elif scheme.kind == SchemeKind.MONTHLY_POST:
        amount_sql, amount_params = _rank_amount_sql(scheme.amounts)
        key_sql, key_params = "%s", [run.period]
    else:
        amount_sql, amount_params = MONEY, [Decimal(str(scheme.amounts.get("*", 0)))]
        key_sql, key_params = "%s", [run.period]

    bit_terms, bit_params = [], []
    for code, bit in BIT.items():
        if code == "amount":
            bit_terms.append(f"(CASE WHEN {amount_sql} > 0 THEN %s ELSE 0 END)")
            bit_params += [*amount_params, bit]
        elif code in conditions:
            bit_terms.append(f"c.c_{code} * %s")
            bit_params.append(bit)
        else:
            bit_terms.append("%s")
            bit_params.append(bit)
    bits_sql = " + ".join(bit_terms)
    sql = (
        f"SELECT %s, c.w_id, c.w_district, c.w_institution, ({bits_sql}), "
        f"(CASE WHEN ({bits_sql}) = %s THEN %s ELSE %s END), {key_sql}, {amount_sql}, 'pending', '' "
        "FROM c"
    )
    params = [run.pk, *bit_params, *bit_params, ALL_MET, True, False, *key_params, *amount_params]
    # The inner query as a common table expression with its column names given, the same on both databases.
    columns = ["w_id", "w_district", "w_institution", "w_education", "skill_rank", "current_start", *flags]
    return f"WITH c ({', '.join(columns)}) AS ({inner_sql}) ", list(inner_params), sql, params


def write_results(scheme: Scheme, run: EligibilityRun) -> None:
    """INSERT … SELECT: the whole run in one statement, no per-worker Python."""
    with_sql, with_params, sql, params = candidates(scheme, run)
    table = Eligibility._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'{with_sql}INSERT INTO "{table}" (run_id, worker_id, district_id, institution_id, conditions_met, '
            f"qualifies, payment_key, amount, decision, reason) {sql}",
            [*with_params, *params],
        )
