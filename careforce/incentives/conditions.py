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


def needs(scheme: Scheme) -> set[str]:
    """The shared per-worker facts the scheme's conditions read (`paid` is the scheme's own, not shared)."""
    needed = set()
    if (
        scheme.min_years_in_care is not None
        or scheme.min_continuous_years is not None
        or scheme.kind == SchemeKind.ENTRY
    ):
        needed.add("emp")
    if scheme.min_skill_rank is not None or scheme.kind in (
        SchemeKind.MONTHLY_POST,
        SchemeKind.ONE_OFF_SKILL,
    ):
        needed.add("cert")
    if scheme.min_contract_years is not None or scheme.exclude_public_institution:
        needed.add("con")
    if scheme.exclude_dishonest:
        needed.add("listed")
    return needed


def _workers(district_id: int | None):
    workers = Worker.objects.filter(is_active=True, institution__isnull=False)
    return workers.filter(district_id=district_id) if district_id else workers


# The columns of the facts table every scheme's INSERT reads: the worker's own and one per fact. A fact no
# scheme of the run needs is a typed NULL, so the table has the same shape whatever the schemes.
FACT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (column, fact, type of its NULL)
    ("first_start", "emp", "DATE"),
    ("current_start", "emp", "DATE"),
    ("skill_rank", "cert", "INTEGER"),
    ("longest", "con", "INTEGER"),
    ("public_post", "con", "INTEGER"),
    ("listed", "listed", "INTEGER"),
)


def facts_select(needed: set[str], as_of: datetime.date, district_id: int | None) -> tuple[str, list]:
    """One row per current worker in the area with the facts in `needed`, each one grouped pass over its
    table (a common table expression joined to the workers once), never a subquery evaluated per worker:

    - emp: first start of any employment (years in care posts) and first start of the open ones (the
      current post: continuous service and the entry tranches);
    - cert: the highest rank of the certificates valid on the day;
    - con: of the contracts in force, the longest term (open-ended: longest of all) and whether one is a
      public-institution post;
    - listed: the workers with a dishonesty listing in force (credit's `active_listings_q`).
    A district's facts read only its district's rows."""
    workers = _workers(district_id)
    in_area = {"worker__in": workers.values("pk")} if district_id else {}
    facts: list[tuple[str, tuple[str, ...], str, list]] = []
    if "emp" in needed:
        qs = (
            Employment.objects.filter(**in_area)
            .values("worker_id")
            .annotate(
                first_start=Min("start_date"),
                current_start=Min("start_date", filter=Q(end_date__isnull=True)),
            )
        )
        facts.append(("emp", ("worker_id", "first_start", "current_start"), *_sql(qs)))
    if "cert" in needed:
        qs = (
            Certificate.objects.filter(status="valid", issued_on__lte=as_of, **in_area)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=as_of))
            .values("worker_id")
            .annotate(skill_rank=Max("level__rank"))
        )
        facts.append(("cert", ("worker_id", "skill_rank"), *_sql(qs)))
    if "con" in needed:
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
    if "listed" in needed:
        qs = (
            DishonestyListing.objects.filter(active_listings_q(as_of), **in_area)
            .values("worker_id")
            .distinct()
        )
        facts.append(("listed", ("worker_id",), *_sql(qs)))
    with_parts, params = [], []
    for name, columns, sql, fact_params in facts:
        with_parts.append(f"{name} ({', '.join(columns)}) AS ({sql})")
        params += fact_params
    sql, worker_params = _sql(workers.values_list("pk", "district_id", "institution_id", "education", "team"))
    with_parts.append(f"w (w_id, w_district, w_institution, w_education, w_team) AS ({sql})")
    params += worker_params
    values = []
    for column, fact, null_type in FACT_COLUMNS:
        if fact not in needed:
            values.append(f"CAST(NULL AS {null_type}) AS {column}")
        elif fact == "listed":
            values.append("CASE WHEN listed.worker_id IS NULL THEN NULL ELSE 1 END AS listed")
        else:
            values.append(f"{fact}.{column} AS {column}")
    joins = " ".join(
        f"LEFT JOIN {name} ON {name}.worker_id = w.w_id"
        for name in ("emp", "cert", "con", "listed")
        if name in needed
    )
    worker_columns = ("w_id", "w_district", "w_institution", "w_education", "w_team")
    select = ", ".join([*(f"w.{column} AS {column}" for column in worker_columns), *values])
    return f"WITH {', '.join(with_parts)} SELECT {select} FROM w {joins}", params


def _paid(scheme: Scheme, district_id: int | None) -> tuple[str, list] | None:
    """Entry subsidies: which tranches were already paid and not reversed, by this scheme or by one of its
    combination group (one grouped pass over the payments)."""
    if not (scheme.kind == SchemeKind.ENTRY and scheme.tranches):
        return None
    in_area = {"worker__in": _workers(district_id).values("pk")} if district_id else {}
    keys = [f"t{number}" for number in range(1, len(scheme.tranches) + 1)]
    same = Q(scheme=scheme)
    if scheme.combination_group:
        same |= Q(group_key__in=[f"{scheme.combination_group}:{key}" for key in keys])
    qs = (
        Payment.objects.filter(same, payment_key__in=keys, reversed=False, reverses__isnull=True, **in_area)
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
    sql, params = _sql(qs)
    columns = ", ".join(["worker_id", *(f"p{n}" for n in range(1, len(keys) + 1))])
    return f"paid ({columns}) AS ({sql})", params


def candidates(
    scheme: Scheme, run: EligibilityRun, facts: str, district_id: int | None
) -> tuple[str, list, str, list]:
    """The SELECT of the run's eligibility rows from the table `facts` (`facts_select`'s rows, computed once
    for every scheme of the same day); `district_id`: only that district's workers of the table. `c` turns
    each condition into 0/1 and the entry tranche into a number; the outer SELECT derives key, amount and
    the bit set from those columns."""
    as_of = run.as_of
    names = needs(scheme)
    with_parts, with_params = [], []
    paid = _paid(scheme, scheme.district_id or run.district_id)
    if paid is not None:
        with_parts.append(paid[0])
        with_params += paid[1]
        names.add("paid")

    conditions: dict[str, tuple[str, list]] = {}
    if scheme.min_years_in_care is not None:
        conditions["years_in_care"] = (
            "f.w_team = %s AND f.first_start <= %s",
            [Team.CARE, years_before(as_of, scheme.min_years_in_care)],
        )
    if scheme.min_continuous_years is not None:
        conditions["continuous_service"] = (
            "f.current_start <= %s",
            [years_before(as_of, scheme.min_continuous_years)],
        )
    if scheme.min_contract_years is not None:
        conditions["contract"] = ("f.longest >= %s", [12 * scheme.min_contract_years])
    if scheme.min_skill_rank is not None:
        conditions["skill_level"] = ("f.skill_rank >= %s", [scheme.min_skill_rank])
    if scheme.exclude_dishonest:
        conditions["not_dishonest"] = ("f.listed IS NULL", [])
    if scheme.exclude_public_institution:
        conditions["not_public_institution"] = ("f.public_post IS NULL OR f.public_post = 0", [])
    if scheme.min_completeness_percent is not None:
        meeting = [
            institution_id
            for institution_id, share in completeness.shares_by_institution(on=as_of).items()
            if share.meets(scheme.min_completeness_percent)
        ]
        if meeting:
            conditions["completeness"] = (f"f.w_institution IN ({', '.join(['%s'] * len(meeting))})", meeting)
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
                f"WHEN f.current_start <= %s AND (paid.p{number} IS NULL OR paid.p{number} = 0) THEN %s"
            )
            tranche_params += [cut, number]
        for number, cut in reversed(list(enumerate(cuts, start=1))):
            latest.append("WHEN f.current_start <= %s THEN %s")
            tranche_params += [cut, number]
        tranche_sql = f"CASE {' '.join(unpaid)} {' '.join(latest)} ELSE 0 END"

    flag_columns, flag_sql, flag_params = [], [], []
    for code, (condition, condition_params) in conditions.items():
        flag_columns.append(f"c_{code}")
        flag_sql.append(f"CASE WHEN {condition} THEN 1 ELSE 0 END")
        flag_params += condition_params
    joins = "LEFT JOIN paid ON paid.worker_id = f.w_id" if "paid" in names else ""
    where, where_params = ("WHERE f.w_district = %s", [district_id]) if district_id else ("", [])
    skill = "COALESCE(f.skill_rank, 0)" if "cert" in names else "0"
    select = ", ".join(
        ["f.w_id", "f.w_district", "f.w_institution", "f.w_education", skill, tranche_sql, *flag_sql]
    )
    columns = ["w_id", "w_district", "w_institution", "w_education", "skill_rank", "tranche", *flag_columns]
    with_parts.append(f"c ({', '.join(columns)}) AS (SELECT {select} FROM {facts} f {joins} {where})")
    with_params += [*tranche_params, *flag_params, *where_params]

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


FACTS_TABLE = "incentives_run_facts"

# Memory for the grouped passes and hash joins of one eligibility run (PostgreSQL, this transaction only):
# at the default 4 MB the aggregates over a million workers' employments and contracts spill to disk.
RUN_WORK_MEM = "256MB"


def write_results(runs: list[tuple[Scheme, EligibilityRun]]) -> None:
    """The runs of one day: the facts of every current worker in their area computed once into a temporary
    table (only those some scheme needs), then one INSERT … SELECT per run over it; no per-worker Python."""
    as_of = runs[0][1].as_of
    areas = {scheme.district_id or run.district_id for scheme, run in runs}
    # One district for all: only its facts are computed; otherwise the city's, and each run keeps its own.
    shared = next(iter(areas)) if len(areas) == 1 else None
    needed = set().union(*(needs(scheme) for scheme, _run in runs))
    facts_sql, facts_params = facts_select(needed, as_of, shared)
    table = Eligibility._meta.db_table
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"SET LOCAL work_mem = '{RUN_WORK_MEM}'")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {FACTS_TABLE} {'ON COMMIT DROP ' if postgres else ''}AS {facts_sql}",
            facts_params,
        )
        if postgres:
            cursor.execute(f"ANALYZE {FACTS_TABLE}")
        for scheme, run in runs:
            area = scheme.district_id or run.district_id
            with_sql, with_params, sql, params = candidates(
                scheme, run, FACTS_TABLE, area if area != shared else None
            )
            cursor.execute(
                f'{with_sql}INSERT INTO "{table}" (run_id, worker_id, district_id, institution_id, '
                f"conditions_met, qualifies, payment_key, amount, decision, reason) {sql}",
                [*with_params, *params],
            )
        cursor.execute(f"DROP TABLE {FACTS_TABLE}")
