"""The credit recompute as one set-based SQL statement per id range (PostgreSQL).

Same definitions as careforce.credit.compute (the portable path, used on SQLite): years of service are
the union of employment periods (overlaps once, open periods to today, both ends counted) in days / 365.25
— in one sweep: periods in order of start, each adds the days after the latest end before it;
training hours and the skill level are the training and skills capabilities' definitions
(careforce.training.metrics.training_hours_for_workers: completed enrolments' hours since the window;
careforce.skills.metrics.current_levels_for_workers: WorkerSkill.current_rank), read here through their
models' tables because calling those functions with a million ids would cost minutes —
tests/test_credit_sql.py checks both give the same answers. Points use numeric arithmetic rounded half
up, as compute.score_of does with Decimal, so both paths store the same score.

One statement measures, scores, upserts the changed CreditScore rows and appends a history row for each
worker whose score, grade or rule version changed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection

from careforce.conduct.models import Complaint, Evaluation, Penalty
from careforce.credit.compute import PENALTY_MEASURES, Rule, _since
from careforce.credit.models import (
    MEASURE_FIELDS,
    CreditScore,
    CreditScoreHistory,
    DishonestyListing,
    Measure,
)
from careforce.registry.models import Employment, Worker

_VALUE = {
    Measure.YEARS_OF_SERVICE: "m.years_of_service",
    Measure.TRAINING_HOURS: "m.training_hours",
    Measure.SKILL_LEVEL: "m.skill_level",
    Measure.EVALUATIONS: "CASE WHEN m.evaluation_count > 0 THEN m.evaluation_average - 3 ELSE 0 END",
    Measure.COMPLAINTS: "m.complaints",
    Measure.PENALTY_WARNING: "m.penalty_warning",
    Measure.PENALTY_FINE: "m.penalty_fine",
    Measure.PENALTY_DISMISSAL: "m.penalty_dismissal",
    Measure.PENALTY_TRADE_BAN: "m.penalty_trade_ban",
    Measure.DISHONESTY_LISTED: "CASE WHEN m.dishonesty_listed THEN 1 ELSE 0 END",
}


def _tables() -> dict[str, str]:
    from careforce.skills.models import WorkerSkill
    from careforce.training.models import Enrolment

    return {
        "worker": Worker._meta.db_table,
        "employment": Employment._meta.db_table,
        "evaluation": Evaluation._meta.db_table,
        "complaint": Complaint._meta.db_table,
        "penalty": Penalty._meta.db_table,
        "listing": DishonestyListing._meta.db_table,
        "score": CreditScore._meta.db_table,
        "history": CreditScoreHistory._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
        "skill": WorkerSkill._meta.db_table,
    }


def statement(rule: Rule, *, by_range: bool) -> str:
    t = _tables()
    where = "BETWEEN %(lo)s AND %(hi)s" if by_range else "= ANY(%(ids)s)"
    points = []
    for index, factor in enumerate(rule.factors):
        points.append(
            f"ROUND(LEAST(GREATEST(%(w{index})s::numeric * ({_VALUE[factor.measure]}), %(lo{index})s::numeric), "
            f"%(hi{index})s::numeric), 1)"
        )
    total = " + ".join(["%(base)s::numeric", *points]) if points else "%(base)s::numeric"
    grade = (
        "CASE "
        + " ".join(f"WHEN s.score >= %(band{i})s::numeric THEN %(grade{i})s" for i in range(len(rule.bands)))
        + " ELSE %(last_grade)s END"
    )
    penalty_counts = ", ".join(
        f"count(*) FILTER (WHERE kind = '{kind}' AND (%(since_{kind})s::date IS NULL OR decided_on >= %(since_{kind})s::date)) AS {measure}"
        for kind, measure in PENALTY_MEASURES.items()
    )
    measure_cols = ", ".join(MEASURE_FIELDS)
    row_cols = f"score, grade, rule_id, {measure_cols}"
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*row_cols.split(", "), "computed_at"])
    return f"""
WITH w AS (SELECT id FROM {t["worker"]} WHERE id {where}),
spans AS (
  SELECT worker_id, start_date AS s, LEAST(COALESCE(end_date, %(today)s::date), %(today)s::date) AS e
  FROM {t["employment"]}
  WHERE worker_id {where} AND start_date <= %(today)s::date AND COALESCE(end_date, %(today)s::date) >= start_date
),
ordered AS (
  SELECT worker_id, s, e, MAX(e) OVER (PARTITION BY worker_id ORDER BY s, e
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM spans
),
tenure AS (
  SELECT worker_id, ROUND(SUM(GREATEST(e - GREATEST(s, prev_end + 1) + 1, 0)) / 365.25, 1) AS years
  FROM ordered GROUP BY worker_id
),
training AS (
  SELECT worker_id, SUM(hours) AS hours FROM {t["enrolment"]}
  WHERE worker_id {where} AND status = 'completed' AND (%(since_training)s::date IS NULL OR completed_on >= %(since_training)s::date)
  GROUP BY worker_id
),
evals AS (
  SELECT worker_id, COUNT(*) AS n, ROUND(AVG(average), 2) AS a FROM {t["evaluation"]}
  WHERE worker_id {where} AND (%(since_evaluations)s::date IS NULL OR evaluated_on >= %(since_evaluations)s::date)
  GROUP BY worker_id
),
complaints AS (
  SELECT worker_id, COUNT(*) AS n FROM {t["complaint"]}
  WHERE worker_id {where} AND finding = 'substantiated'
    AND (%(since_complaints)s::date IS NULL OR received_on >= %(since_complaints)s::date)
  GROUP BY worker_id
),
penalties AS (SELECT worker_id, {penalty_counts} FROM {t["penalty"]} WHERE worker_id {where} GROUP BY worker_id),
listed AS (
  SELECT DISTINCT worker_id FROM {t["listing"]}
  WHERE worker_id {where} AND removed_on IS NULL AND start_date <= %(today)s::date
    AND (end_date IS NULL OR end_date >= %(today)s::date)
),
m AS (
  SELECT w.id AS worker_id,
    COALESCE(tenure.years, 0) AS years_of_service,
    ROUND(COALESCE(training.hours, 0), 1) AS training_hours,
    COALESCE(skill.current_rank, 0) AS skill_level,
    COALESCE(evals.n, 0) AS evaluation_count,
    evals.a AS evaluation_average,
    COALESCE(complaints.n, 0) AS complaints,
    COALESCE(penalties.penalty_warning, 0) AS penalty_warning,
    COALESCE(penalties.penalty_fine, 0) AS penalty_fine,
    COALESCE(penalties.penalty_dismissal, 0) AS penalty_dismissal,
    COALESCE(penalties.penalty_trade_ban, 0) AS penalty_trade_ban,
    listed.worker_id IS NOT NULL AS dishonesty_listed
  FROM w
  LEFT JOIN tenure ON tenure.worker_id = w.id
  LEFT JOIN training ON training.worker_id = w.id
  LEFT JOIN (SELECT worker_id, current_rank FROM {t["skill"]} WHERE worker_id {where}) skill ON skill.worker_id = w.id
  LEFT JOIN evals ON evals.worker_id = w.id
  LEFT JOIN complaints ON complaints.worker_id = w.id
  LEFT JOIN penalties ON penalties.worker_id = w.id
  LEFT JOIN listed ON listed.worker_id = w.id
),
s AS MATERIALIZED (
  SELECT m.*, LEAST(GREATEST({total}, %(min_score)s::numeric), %(max_score)s::numeric) AS score FROM m
),
scored AS (SELECT s.*, {grade} AS grade, %(rule_id)s::bigint AS rule_id FROM s),
changed AS (
  SELECT scored.*, (c.worker_id IS NULL OR (c.score, c.grade, c.rule_id) IS DISTINCT FROM
      (scored.score, scored.grade, scored.rule_id)) AS moved
  FROM scored LEFT JOIN (SELECT * FROM {t["score"]} WHERE worker_id {where}) c ON c.worker_id = scored.worker_id
  WHERE c.worker_id IS NULL
     OR (c.score, c.grade, c.rule_id, {", ".join("c." + f for f in MEASURE_FIELDS)})
        IS DISTINCT FROM (scored.score, scored.grade, scored.rule_id, {", ".join("scored." + f for f in MEASURE_FIELDS)})
),
upserted AS (
  INSERT INTO {t["score"]} (worker_id, {row_cols}, computed_at)
  SELECT worker_id, {row_cols}, %(now)s FROM changed
  ON CONFLICT (worker_id) DO UPDATE SET {updates}
  RETURNING worker_id
),
appended AS (
  INSERT INTO {t["history"]} (worker_id, {row_cols}, computed_at)
  SELECT worker_id, {row_cols}, %(now)s FROM changed WHERE moved
  RETURNING worker_id
)
SELECT (SELECT COUNT(*) FROM w), (SELECT COUNT(*) FROM upserted), (SELECT COUNT(*) FROM appended)
"""


def parameters(rule: Rule, today: datetime.date, now: datetime.datetime) -> dict[str, Any]:
    params: dict[str, Any] = {
        "today": today,
        "now": now,
        "base": rule.base_exact,
        "min_score": rule.lo_exact,
        "max_score": rule.hi_exact,
        "rule_id": rule.id,
        "last_grade": rule.bands[-1][1] if rule.bands else "",
        "since_training": _since(rule, Measure.TRAINING_HOURS, today),
        "since_evaluations": _since(rule, Measure.EVALUATIONS, today),
        "since_complaints": _since(rule, Measure.COMPLAINTS, today),
    }
    for kind, measure in PENALTY_MEASURES.items():
        params[f"since_{kind}"] = _since(rule, measure, today)
    for index, factor in enumerate(rule.factors):
        params.update(
            {f"w{index}": factor.weight_exact, f"lo{index}": factor.lo_exact, f"hi{index}": factor.hi_exact}
        )
    for index, (_minimum, grade, _label) in enumerate(rule.bands):
        params[f"band{index}"] = rule.band_exact[index]
        params[f"grade{index}"] = grade
    return params


def run(
    rule: Rule,
    *,
    today: datetime.date,
    now: datetime.datetime,
    lo: int | None = None,
    hi: int | None = None,
    ids: list[int] | None = None,
    wait_for_disk: bool = True,
) -> tuple[int, int, int]:
    """(workers, changed rows, history rows) for an id range or an id list."""
    params = parameters(rule, today, now)
    if ids is not None:
        params["ids"] = ids
    else:
        params.update(lo=lo, hi=hi)
    with connection.cursor() as cursor:
        # The planner's row estimates for this many joins are large enough to trigger JIT compilation,
        # which costs far more (seconds) than the query itself; the statement is plain hash joins.
        cursor.execute("SET LOCAL jit = off")
        if not wait_for_disk:
            # A range of the full run in its own transaction (see compute._recompute_all_sql): the next run
            # redoes it, so its commit need not wait for the disk. Never in a caller's transaction.
            cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(statement(rule, by_range=ids is None), params)
        workers, changed, history = cursor.fetchone()
    return workers, changed, history
