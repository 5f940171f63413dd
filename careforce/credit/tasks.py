"""Background tasks of the credit capability (django-tasks; `careforce db_worker` runs them).

The nightly full recompute is scheduled by the operator (cron: `careforce credit-recompute`, or enqueue
`credit_recompute_all_task`); a new rule version put in force enqueues it too.
"""

from __future__ import annotations

from django_tasks import task

from careforce.credit.services import credit_recompute_all


@task()
def credit_recompute_all_task() -> dict:
    summary = credit_recompute_all()
    return {
        "workers": summary.workers,
        "changed": summary.changed,
        "history": summary.history,
        "seconds": round(summary.seconds, 1),
        "rule_version": summary.rule_version,
    }
