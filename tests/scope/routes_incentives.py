"""Incentives routes: a worker's contracts and cover (like the worker record), schemes (officials of the
scheme's area), eligibility runs, results, objections, batches and payments (the bureau: city and the run's
district; auditors read)."""

import datetime

from careforce.core.models import District
from careforce.incentives import services
from careforce.incentives.models import Eligibility, Payment
from tests.scope.common import READ, WRITE, Route


def _officials(role: str, in_scope: bool) -> bool:
    return role in ("city_admin", "auditor_city") or (
        role in ("district_admin", "institution_admin", "auditor_district") and in_scope
    )


def _bureau_reads(role: str, in_scope: bool) -> bool:
    return role in ("city_admin", "auditor_city") or (
        role in ("district_admin", "auditor_district") and in_scope
    )


def _bureau_writes(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (role == "district_admin" and in_scope)


W = "/api/v1/incentives/workers/{worker_id}"
RUN = "/api/v1/incentives/runs/{run_id}"

ROUTES = [
    Route("incentives:contract_create", "worker", WRITE, "post"),
    Route("incentives:cover_create", "worker", WRITE, "post"),
    Route("incentives:contract_renew", "contract", WRITE, "post"),
    Route("incentives:scheme_detail", "scheme", READ, expect=_officials),
    Route("incentives:run_create", "scheme", WRITE, "post", expect=_bureau_writes),
    Route("incentives:run_detail", "run", READ, expect=_bureau_reads),
    Route("incentives:run_notice", "run", READ, expect=_bureau_reads),
    Route("incentives:run_approve", "run", WRITE, "post", expect=_bureau_writes),
    Route("incentives:run_pay", "run", WRITE, "post", expect=_bureau_writes),
    Route("incentives:eligibility_decide", "eligibility", WRITE, "post", expect=_bureau_writes),
    Route("incentives:objection_create", "eligibility", WRITE, "post", expect=_bureau_writes),
    Route("incentives:objection_answer", "objection", WRITE, "post", expect=_bureau_writes),
    Route("incentives:batch_detail", "batch", READ, expect=_bureau_reads),
    Route("incentives:batch_xlsx", "batch", READ, expect=_bureau_reads),
    Route("incentives:payment_reverse", "payment", WRITE, "post", expect=_bureau_writes),
    Route(f"GET {W}/contracts", "worker", READ),
    Route(f"POST {W}/contracts", "worker", WRITE, "post", {}),
    Route(f"GET {RUN}", "run", READ, expect=_bureau_reads),
    Route(f"GET {RUN}/results", "run", READ, expect=_bureau_reads),
]


def make_targets(city, world):
    _users, targets = world
    out = {}
    for in_scope, code in ((True, "500103"), (False, "500105")):
        worker = targets[in_scope]["worker"]
        contract = services.contract_add(
            actor=city,
            worker=worker,
            data={"contract_type": "fixed_term", "start_date": "2024-01-01", "end_date": "2029-12-31"},
        )
        scheme = services.scheme_create(
            actor=city,
            data={
                "code": f"scope-{code}",
                "name": "培训补贴",
                "kind": "training",
                "level": "district",
                "district": District.objects.get(code=code),
                "amounts": {"*": 100},
                "starts_on": datetime.date(2024, 1, 1),
                "notice_days": 0,
                # Other capabilities' targets may put the world's workers on the dishonesty list.
                "exclude_dishonest": False,
            },
        )
        run = services.run_eligibility(actor=city, scheme=scheme, period="2026-11")
        services.approve_all(actor=city, run=run)
        batch = services.pay(actor=city, run=run)
        eligibility = Eligibility.objects.get(run=run, worker=worker)
        objection = services.objection_raise(actor=city, eligibility=eligibility, text="核实")
        out[in_scope] = {
            "contract": contract,
            "scheme": scheme,
            "run": run,
            "eligibility": eligibility,
            "objection": objection,
            "batch": batch,
            "payment": Payment.objects.get(batch=batch),
        }
    return out
