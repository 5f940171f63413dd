"""Verification (核验) of worker records, employments and certificates: who checked what, and when.

A record starts as self-reported. The institution that employs the person confirms it (institution, district
or city administrators); a district or city administrator marks it checked against the issuing authority (a
certificate against its evaluation body, a person against the household register). Setting the status back
to self-reported withdraws a confirmation. Each change is audited in its own transaction; a later change to
the record's own fields sends it back to self-reported (worker_update, employment_update), so a confirmation
never covers data it did not see.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, User, Verification
from careforce.core.scope import Level, Scope, require_write
from careforce.registry.choices import parse_choice
from careforce.registry.models import Employment, Worker
from careforce.registry.selectors import workers_visible_to

FIELDS = ("verification", "verified_by", "verified_at")
# Who may set each status, by scope level.
ALLOWED: dict[str, frozenset[str]] = {
    Verification.SELF_REPORTED: frozenset({Level.CITY, Level.DISTRICT, Level.INSTITUTION}),
    Verification.INSTITUTION_CONFIRMED: frozenset({Level.CITY, Level.DISTRICT, Level.INSTITUTION}),
    Verification.AUTHORITY_CHECKED: frozenset({Level.CITY, Level.DISTRICT}),
}


def parse_status(raw: Any) -> str:
    status = parse_choice(raw, Verification)
    if status is None:
        labels = "、".join(str(label) for label in Verification.labels)
        raise ValidationError(
            {"verification": [_("Choose one of: %(choices)s.") % {"choices": labels}]}, code="invalid"
        )
    return status


def may_set(scope: Scope, status: str) -> bool:
    return scope.can_write and scope.level in ALLOWED.get(status, frozenset())


def statuses_for(user: User) -> list[tuple[str, Any]]:
    """The statuses `user` may set (for the pages' buttons)."""
    from careforce.core.scope import scope_of

    scope = scope_of(user)
    return [(value, label) for value, label in Verification.choices if may_set(scope, value)]


def _require(scope: Scope, status: str) -> None:
    if not may_set(scope, status):
        raise ValidationError(
            {
                "verification": [
                    _(
                        "Only a district or city administrator marks a record as checked against the issuing "
                        "authority; confirm it as the institution instead."
                    )
                ]
            },
            code="not_allowed",
        )


def apply(
    actor: User,
    record: models.Model,
    status: str,
    *,
    worker_id: int | None,
    institution_id: int | None,
) -> bool:
    """Set the status on a locked record and audit it; False when it already had that status."""
    before = audit.snapshot(record, FIELDS)
    if record.verification == status:
        return False
    record.verification = status
    checked = status != Verification.SELF_REPORTED
    record.verified_by = actor if checked else None
    record.verified_at = timezone.now() if checked else None
    record.save(update_fields=list(FIELDS))
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=record,
        changes=audit.diff(before, audit.snapshot(record, FIELDS)),
        worker_id=worker_id,
        institution_id=institution_id,
    )
    return True


def reset_values(record: models.Model) -> dict[str, Any]:
    """What a changed record's verification becomes (for the update services): self-reported again."""
    if record.verification == Verification.SELF_REPORTED:
        return {}
    return {"verification": Verification.SELF_REPORTED, "verified_by": None, "verified_at": None}


@transaction.atomic
def worker_verify(*, actor: User, worker: Worker, status: Any) -> Worker:
    """Confirm (or check, or withdraw) a worker's own record. Out of scope: 404."""
    scope = require_write(actor)
    status = parse_status(status)
    _require(scope, status)
    locked = workers_visible_to(actor).select_for_update(of=("self",)).filter(pk=worker.pk).first()
    if locked is None:
        raise Http404
    apply(actor, locked, status, worker_id=locked.pk, institution_id=locked.institution_id)
    return locked


@transaction.atomic
def employment_verify(*, actor: User, employment: Employment, status: Any) -> Employment:
    """Confirm a period of employment: the institution's own administrators, its district's, the city."""
    scope = require_write(actor)
    status = parse_status(status)
    _require(scope, status)
    qs = Employment.objects.select_for_update(of=("self",)).select_related("institution")
    if scope.level == Level.DISTRICT:
        qs = qs.filter(institution__district_id=scope.district_id)
    elif scope.level == Level.INSTITUTION:
        qs = qs.filter(institution_id=scope.institution_id)
    locked = qs.filter(pk=employment.pk).first()
    if locked is None:
        raise Http404
    apply(actor, locked, status, worker_id=locked.worker_id, institution_id=locked.institution_id)
    return locked


# What "verified" means wherever it is counted: confirmed by the institution or checked against the authority.
VERIFIED = (Verification.INSTITUTION_CONFIRMED, Verification.AUTHORITY_CHECKED)


def is_verified() -> Q:
    return Q(verification__in=VERIFIED)


def _counts(qs: models.QuerySet) -> dict[str, int]:
    row = qs.aggregate(
        total=Count("pk"),
        **{value: Count("pk", filter=Q(verification=value)) for value in Verification.values},
    )
    return {key: row[key] or 0 for key in ("total", *Verification.values)}


def verification_counts(actor: User) -> dict[str, dict[str, int]]:
    """How many worker records, current employments and valid certificates in the actor's scope are
    self-reported, confirmed by the institution or checked against the authority (a read, scoped)."""
    from careforce.skills.models import Certificate, CertificateStatus

    workers = workers_visible_to(actor)
    counts = {
        "workers": _counts(workers),
        "employments": _counts(Employment.objects.filter(worker__in=workers, end_date__isnull=True)),
        "certificates": _counts(
            Certificate.objects.filter(worker__in=workers, status=CertificateStatus.VALID)
        ),
    }
    for figures in counts.values():
        figures["verified"] = sum(figures[status] for status in VERIFIED)
    return counts


def verified_share(counts: dict[str, int]) -> float | None:
    """Verified over total of one of verification_counts' figures (the dashboard's indicator
    `verified_share` is this share of the current workers, per district and city)."""
    return counts["verified"] / counts["total"] if counts["total"] else None
