"""Test data of conduct, credit and rankings, created through their services."""

from __future__ import annotations

import datetime

from careforce.conduct import services as conduct
from careforce.conduct.models import Complaint, Evaluation, Penalty
from careforce.core.models import User
from careforce.credit import services as credit
from careforce.credit.models import DishonestyListing
from careforce.registry.models import Worker

ALL_FIVES = {"attitude": 5, "skill": 5, "punctuality": 5, "communication": 5, "hygiene": 5}


def evaluation(*, actor: User, worker: Worker, score: int = 5, **fields) -> Evaluation:
    data = {
        "worker": worker.pk,
        "evaluator_kind": "family",
        "scores": {code: score for code in ALL_FIVES},
        **fields,
    }
    return conduct.evaluation_create(actor=actor, data=data)


def complaint(*, actor: User, worker: Worker | None = None, institution=None, **fields) -> Complaint:
    data = {
        "channel": "hotline",
        "worker": worker.pk if worker else None,
        "institution": institution.pk if institution else None,
        "content": "家属反映护理员态度恶劣",
        **fields,
    }
    return conduct.complaint_receive(actor=actor, data=data)


def substantiated_complaint(*, actor: User, worker: Worker, **fields) -> Complaint:
    c = complaint(actor=actor, worker=worker, **fields)
    conduct.complaint_transition(actor=actor, complaint=c, to="investigating")
    return conduct.complaint_transition(actor=actor, complaint=c, to="substantiated", note="经调查属实")


def penalty(*, actor: User, worker: Worker, kind: str = "warning", **fields) -> Penalty:
    data = {
        "worker": worker.pk,
        "kind": kind,
        "deciding_body": "渝中区民政局",
        "legal_basis": "《养老机构管理办法》第四十六条",
        "decided_on": datetime.date.today(),
        **({"fine_amount": "2000"} if kind == "fine" else {}),
        **fields,
    }
    return conduct.penalty_record(actor=actor, data=data)


def listing(*, actor: User, worker: Worker, situation: str = "elder_abuse", **fields) -> DishonestyListing:
    data = {"worker": worker.pk, "situation": situation, "deciding_body": "重庆市民政局", **fields}
    return credit.listing_create(actor=actor, data=data)
