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
    IntegerField,
    Max,
    Min,
    Q,
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
    Payment,
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


# A contract without an agreed end (open-ended, 事业编制) counts as longer than any term a scheme asks for.
OPEN_ENDED_MONTHS = 2_147_483_647


def _sql(qs) -> tuple[str, list]:
    sql, params = qs.order_by().query.sql_with_params()
    return sql, list(params)


def _facts(scheme: Scheme, run: EligibilityRun, workers) -> list[tuple[str, tuple[str, ...], str, list]]:
    """The per-worker facts the scheme's conditions read, each one grouped pass over its table (a common
    table expression joined to the workers once), never a subquery evaluated per worker:

    - emp: first start of any employment (years in care posts) and first start of the open ones (the
      current post: continuous service and the entry tranches);
    - cert: the highest rank of the certificates valid on the day;
    - con: of the contracts in force, the longest term (open-ended: longest of all) and whether one is a
      public-institution post;
    - listed: the workers with a dishonesty listing in force (credit's `active_listings_q`);
    - paid (entry subsidies): which tranches were already paid and not reversed, by this scheme or by one
      of its combination group.
    Only the facts the scheme needs are read; a district run reads only its district's rows."""
    as_of = run.as_of
    in_area = {"worker__in": workers.values("pk")} if (scheme.district_id or run.district_id) else {}
    facts: list[tuple[str, tuple[str, ...], str, list]] = []
    if (
        scheme.min_years_in_care is not None
        or scheme.min_continuous_years is not None
        or (scheme.kind == SchemeKind.ENTRY)
    ):
        qs = (
            Employment.objects.filter(**in_area)
            .values("worker_id")
            .annotate(
                first_start=Min("start_date"),
                current_start=Min("start_date", filter=Q(end_date__isnull=True)),
            )
        )
        facts.append(("emp", ("worker_id", "first_start", "current_start"), *_sql(qs)))
    if scheme.min_skill_rank is not None or scheme.kind in (
        SchemeKind.MONTHLY_POST,
        SchemeKind.ONE_OFF_SKILL,
    ):
        qs = (
            Certificate.objects.filter(status="valid", issued_on__lte=as_of, **in_area)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=as_of))
            .values("worker_id")
            .annotate(skill_rank=Max("level__rank"))
        )
        facts.append(("cert", ("worker_id", "skill_rank"), *_sql(qs)))
    if scheme.min_contract_years is not None or scheme.exclude_public_institution:
        qs = (
            LabourContract.objects.filter(start_date__lte=as_of, **in_area)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
            .values("worker_id")
            .annotate(
                longest=Max(Coalesce("term_months", Value(OPEN_ENDED_MONTHS))),
                public_post=Max(
                    Case(
                        When(contract_type=ContractType.PUBLIC_INSTITUTION, then=Value(1)),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                ),
            )
        )
        facts.append(("con", ("worker_id", "longest", "public_post"), *_sql(qs)))
    if scheme.exclude_dishonest:
        qs = (
            DishonestyListing.objects.filter(active_listings_q(as_of), **in_area)
            .values("worker_id")
            .distinct()
        )
        facts.append(("listed", ("worker_id",), *_sql(qs)))
    if scheme.kind == SchemeKind.ENTRY and scheme.tranches:
        keys = [f"t{number}" for number in range(1, len(scheme.tranches) + 1)]
        same = Q(scheme=scheme)
        if scheme.combination_group:
            same |= Q(group_key__in=[f"{scheme.combination_group}:{key}" for key in keys])
        qs = (
            Payment.objects.filter(
                same, payment_key__in=keys, reversed=False, reverses__isnull=True, **in_area
            )
            .values("worker_id")
            .annotate(
                **{
                    f"p{number}": Max(
                        Case(
                            When(payment_key=key, then=Value(1)),
                            default=Value(0),
                            output_field=IntegerField(),
                        )
                    )
                    for number, key in enumerate(keys, start=1)
                }
            )
        )
        facts.append(("paid", ("worker_id", *(f"p{n}" for n in range(1, len(keys) + 1))), *_sql(qs)))
    return facts


def candidates(scheme: Scheme, run: EligibilityRun) -> tuple[str, list, str, list]:
    """The SELECT of the run's eligibility rows. Common table expressions compute each fact once per worker
    set-based (`_facts`); `c` joins them to the workers in the area and turns each condition into 0/1, the
    entry tranche into a number; the outer SELECT derives key, amount and the bit set from those columns."""
    as_of = run.as_of
    workers = Worker.objects.filter(is_active=True, institution__isnull=False)
    district_id = scheme.district_id or run.district_id
    if district_id:
        workers = workers.filter(district_id=district_id)
    facts = _facts(scheme, run, workers)
    names = {name for name, *_rest in facts}
    with_parts, with_params = [], []
    for name, columns, sql, params in facts:
        with_parts.append(f"{name} ({', '.join(columns)}) AS ({sql})")
        with_params += params
    sql, params = _sql(workers.values_list("pk", "district_id", "institution_id", "education", "team"))
    with_parts.append(f"w (w_id, w_district, w_institution, w_education, w_team) AS ({sql})")
    with_params += params

    conditions: dict[str, tuple[str, list]] = {}
    if scheme.min_years_in_care is not None:
        conditions["years_in_care"] = (
            "w.w_team = %s AND emp.first_start <= %s",
            [Team.CARE, years_before(as_of, scheme.min_years_in_care)],
        )
    if scheme.min_continuous_years is not None:
        conditions["continuous_service"] = (
            "emp.current_start <= %s",
            [years_before(as_of, scheme.min_continuous_years)],
        )
    if scheme.min_contract_years is not None:
        conditions["contract"] = ("con.longest >= %s", [12 * scheme.min_contract_years])
    if scheme.min_skill_rank is not None:
        conditions["skill_level"] = ("cert.skill_rank >= %s", [scheme.min_skill_rank])
    if scheme.exclude_dishonest:
        conditions["not_dishonest"] = ("listed.worker_id IS NULL", [])
    if scheme.exclude_public_institution:
        conditions["not_public_institution"] = ("con.public_post IS NULL OR con.public_post = 0", [])
    if scheme.min_completeness_percent is not None:
        meeting = [
            institution_id
            for institution_id, share in completeness.shares_by_institution(on=as_of).items()
            if share.meets(scheme.min_completeness_percent)
        ]
        if meeting:
            conditions["completeness"] = (f"w.w_institution IN ({', '.join(['%s'] * len(meeting))})", meeting)
        else:
            conditions["completeness"] = ("1 = 0", [])

    # Entry subsidies: the tranche offered is the first one reached (years of continuous service in the
    # current post) that has not been paid; when every tranche reached is paid, the latest reached, which
    # the payment batch then skips as paid before.
    tranche_sql, tranche_params = "0", []
    if scheme.kind == SchemeKind.ENTRY and scheme.tranches:
        cuts = [years_before(as_of, int(years)) for years, _percent in scheme.tranches]
        unpaid, latest = [], []
        for number, cut in enumerate(cuts, start=1):
            unpaid.append(
                f"WHEN emp.current_start <= %s AND (paid.p{number} IS NULL OR paid.p{number} = 0) THEN %s"
            )
            tranche_params += [cut, number]
        for number, cut in reversed(list(enumerate(cuts, start=1))):
            latest.append("WHEN emp.current_start <= %s THEN %s")
            tranche_params += [cut, number]
        tranche_sql = f"CASE {' '.join(unpaid)} {' '.join(latest)} ELSE 0 END"

    flag_columns, flag_sql, flag_params = [], [], []
    for code, (condition, condition_params) in conditions.items():
        flag_columns.append(f"c_{code}")
        flag_sql.append(f"CASE WHEN {condition} THEN 1 ELSE 0 END")
        flag_params += condition_params
    joins = " ".join(
        f"LEFT JOIN {name} ON {name}.worker_id = w.w_id"
        for name in ("emp", "cert", "con", "listed", "paid")
        if name in names
    )
    skill = "COALESCE(cert.skill_rank, 0)" if "cert" in names else "0"
    select = ", ".join(
        ["w.w_id", "w.w_district", "w.w_institution", "w.w_education", skill, tranche_sql, *flag_sql]
    )
    columns = ["w_id", "w_district", "w_institution", "w_education", "skill_rank", "tranche", *flag_columns]
    with_parts.append(f"c ({', '.join(columns)}) AS (SELECT {select} FROM w {joins})")
    with_params += [*tranche_params, *flag_params]

    if scheme.kind == SchemeKind.ENTRY:
        percent_parts, percent_params = [], []
        for number, (_years, percent) in enumerate(scheme.tranches, start=1):
            percent_parts.append(f"WHEN c.tranche = %s THEN {MONEY}")
            percent_params += [number, Decimal(str(percent))]
        percent = f"CASE {' '.join(percent_parts)} ELSE 0 END" if percent_parts else "0"
        education_parts, education_params = [], []
        for education, total in scheme.amounts.items():
            education_parts.append(f"WHEN c.w_education = %s THEN {MONEY}")
            education_params += [education, Decimal(str(total))]
        total = f"CASE {' '.join(education_parts)} ELSE 0 END" if education_parts else "0"
        amount_sql = f"(({total}) * ({percent}) / 100)"
        amount_params = [*education_params, *percent_params]
        key_sql, key_params = "('t' || c.tranche)", []
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
    return f"WITH {', '.join(with_parts)} ", with_params, sql, params


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
