"""Writes of the credit capability: score recomputation, rule versions, the dishonesty list, the
pre-employment check and the warning when an institution employs a listed worker.

For other capabilities: call `credit_recompute_workers(worker_ids)` after a change to anything a score is
made of (training completions, certificates, employment history). It runs in the caller's transaction and
costs a fixed handful of queries whatever the number of workers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.conduct import inputs
from careforce.core import access, audit, crypto
from careforce.core.masking import mask_id_number
from careforce.core.models import AccessKind, AuditAction, User
from careforce.core.scope import Level, require_write, scope_of
from careforce.core.validators import clean_free_text, normalize_code, normalize_text, parse_id_number
from careforce.credit import compute
from careforce.credit.models import (
    CreditRule,
    DishonestyListing,
    DishonestySituation,
    HireAction,
    HireOverride,
    Notification,
    NotificationKind,
    PreEmploymentCheck,
    active_listings_q,
)
from careforce.institutions.models import Institution
from careforce.registry.models import Worker

LISTING_FIELDS = (
    "worker",
    "situation",
    "deciding_body",
    "decision_number",
    "start_date",
    "end_date",
    "removed_on",
    "removal_applied_on",
    "removal_reason",
)


def credit_recompute_workers(worker_ids: Iterable[int]) -> compute.Summary:
    """Recompute the scores of these workers now. The function other capabilities call (see module doc)."""
    return compute.recompute(worker_ids)


def credit_recompute_all(*, chunk_size: int = 50_000, jobs: int = 2, log=None) -> compute.Summary:
    """The full run (nightly command and task): every worker, set-based, writing only what changed.
    On PostgreSQL `jobs` id ranges run at once on separate connections (each range its own transaction)."""
    return compute.recompute_all(chunk_size=chunk_size, jobs=jobs, log=log)


@transaction.atomic
def credit_rule_activate(*, actor: User, rule: CreditRule) -> CreditRule:
    """Put a rule version in force (the previous one retires). Scores follow at the next full run, which
    the caller enqueues (see credit.tasks)."""
    scope = require_write(actor)
    if scope.level != Level.CITY:
        raise Http404
    if not rule.factors.exists() or not rule.bands.exists():
        raise ValidationError(
            {"rule": [_("A rule version needs factors and bands before it can be put in force.")]}
        )
    previous = CreditRule.objects.select_for_update().filter(is_active=True).exclude(pk=rule.pk).first()
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    rule.is_active = True
    rule.activated_at = timezone.now()
    rule.save(update_fields=["is_active", "activated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=rule,
        changes={"is_active": [False, True]},
        note=f"replaces v{previous.version}" if previous else "",
    )
    return rule


# ---------------------------------------------------------------- dishonesty list


def _require_authority(actor: User):
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    return scope


def _situation(raw: Any, errors: inputs.Errors) -> DishonestySituation | None:
    if isinstance(raw, DishonestySituation):
        return raw
    key = normalize_text(raw)
    if not key:
        inputs.add(errors, "situation", _("This field is required."))
        return None
    found = (
        DishonestySituation.objects.filter(code=key.lower()).first()
        or DishonestySituation.objects.filter(name=key).first()
        or (
            DishonestySituation.objects.filter(pk=int(key)).first()
            if key.isdigit() and len(key) < 9
            else None
        )
    )
    if found is None:
        inputs.add(errors, "situation", _("Unknown situation; choose one from the list."))
    return found


@transaction.atomic
def listing_create(*, actor: User, data: Mapping[str, Any]) -> DishonestyListing:
    """Put a worker on the dishonesty list (the authority's decision: situation, body, start, end)."""
    _require_authority(actor)
    errors: inputs.Errors = {}
    worker = inputs.worker_in_scope(actor, data.get("worker"), errors)
    situation = _situation(data.get("situation"), errors)
    deciding_body = inputs.text(data, "deciding_body", errors, max_length=120)
    decision_number = inputs.text(data, "decision_number", errors, max_length=60, required=False)
    facts = inputs.text(data, "facts", errors, max_length=4000, required=False)
    start = inputs.day(data, "start_date", errors, default=timezone.localdate())
    end = inputs.day(data, "end_date", errors, required=False, allow_future=True)
    if start and end and end < start:
        inputs.add(errors, "end_date", _("The end is before the start; check the dates."))
    penalty = complaint = None
    if not inputs.is_blank(data.get("penalty")):
        from careforce.conduct.selectors import penalties_visible_to

        pk = normalize_text(data.get("penalty")).lstrip("#")
        penalty = (
            penalties_visible_to(actor).filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 16 else None
        )
        if penalty is None:
            inputs.add(errors, "penalty", _("No such penalty in your area."))
    if not inputs.is_blank(data.get("complaint")):
        from careforce.conduct.selectors import complaints_visible_to

        pk = normalize_text(data.get("complaint")).lstrip("#")
        complaint = (
            complaints_visible_to(actor).filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 16 else None
        )
        if complaint is None:
            inputs.add(errors, "complaint", _("No such complaint in your area."))
    if (
        worker is not None
        and DishonestyListing.objects.filter(
            active_listings_q(timezone.localdate()), worker=worker, situation=situation
        ).exists()
    ):
        inputs.add(errors, "worker", _("The worker is already listed for this situation."))
    if errors:
        raise ValidationError(errors)
    listing = DishonestyListing.objects.create(
        worker=worker,
        district_id=worker.district_id,
        situation=situation,
        deciding_body=deciding_body,
        decision_number=decision_number,
        facts=facts,
        start_date=start,
        end_date=end,
        penalty=penalty,
        complaint=complaint,
    )
    audit.record_create(
        actor=actor,
        instance=listing,
        fields=LISTING_FIELDS,
        worker_id=worker.pk,
        institution_id=worker.institution_id,
    )
    credit_recompute_workers([worker.pk])
    return listing


def removal_allowed_from(listing: DishonestyListing) -> datetime.date:
    """The first day removal may be applied for: the minimum period (data, per situation) after the start."""
    years = listing.situation.min_years_before_removal
    return compute.years_back(listing.start_date, -years) or listing.start_date


@transaction.atomic
def listing_remove(*, actor: User, listing: DishonestyListing, data: Mapping[str, Any]) -> DishonestyListing:
    """Take a worker off the list on their application, once the minimum period has passed.

    The listing stays (full history): it gets the application date, the removal date and the reason.
    """
    _require_authority(actor)
    listing = DishonestyListing.objects.select_for_update().select_related("situation").get(pk=listing.pk)
    errors: inputs.Errors = {}
    if listing.removed_on is not None:
        raise ValidationError({"removed_on": [_("This listing has already been removed.")]})
    applied_on = inputs.day(data, "removal_applied_on", errors)
    removed_on = inputs.day(data, "removed_on", errors, default=timezone.localdate())
    reason = inputs.text(data, "removal_reason", errors, max_length=2000)
    earliest = removal_allowed_from(listing)
    if applied_on and applied_on < earliest:
        inputs.add(
            errors,
            "removal_applied_on",
            _("Removal may be applied for from %(date)s (%(years)d years after listing).")
            % {"date": earliest.isoformat(), "years": listing.situation.min_years_before_removal},
        )
    if applied_on and removed_on and removed_on < applied_on:
        inputs.add(errors, "removed_on", _("The removal cannot precede the application."))
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(listing, LISTING_FIELDS)
    listing.removal_applied_on = applied_on
    listing.removed_on = removed_on
    listing.removal_reason = reason
    listing.save(update_fields=["removal_applied_on", "removed_on", "removal_reason"])
    audit.record(
        actor=actor,
        action=AuditAction.END,
        instance=listing,
        changes=audit.diff(before, audit.snapshot(listing, LISTING_FIELDS)),
        worker_id=listing.worker_id,
    )
    credit_recompute_workers([listing.worker_id])
    return listing


def active_listing(worker_id: int) -> DishonestyListing | None:
    return (
        DishonestyListing.objects.filter(active_listings_q(timezone.localdate()), worker_id=worker_id)
        .select_related("situation")
        .order_by("situation__sort_order", "-start_date")
        .first()
    )


# ---------------------------------------------------------------- employing a listed worker


def hire_check(
    *,
    actor: User,
    worker: Worker,
    institution: Institution,
    override_reason: str | None,
    action: str = HireAction.EMPLOYMENT,
) -> None:
    """The registry's pre-employment check (registered in CreditConfig.ready()).

    Employing a listed worker is refused with code "dishonesty_listed" (on the field override_reason)
    until a reason to go on is given; with one, the reason is recorded and the district of the
    institution is notified, in the employment's transaction.
    """
    listing = active_listing(worker.pk)
    if listing is None:
        return
    reason = clean_free_text(override_reason)
    if len(reason) < 4:
        message = _(
            "%(name)s is on the dishonesty list (%(situation)s, from %(start)s, decided by %(body)s). "
            "To employ them anyway, give your reason; the district will be notified."
        ) % {
            "name": worker.name,
            "situation": listing.situation.name,
            "start": listing.start_date.isoformat(),
            "body": listing.deciding_body,
        }
        raise ValidationError({"override_reason": [ValidationError(message, code="dishonesty_listed")]})
    override = HireOverride.objects.create(
        listing=listing,
        worker=worker,
        institution=institution,
        action=action,
        reason=reason[:500],
        actor=actor if actor is not None and actor.pk else None,
    )
    Notification.objects.create(
        district_id=institution.district_id,
        kind=NotificationKind.LISTED_WORKER_HIRED,
        worker=worker,
        institution=institution,
        override=override,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=override,
        changes={"reason": [None, reason[:500]], "listing": [None, str(listing)]},
        worker_id=worker.pk,
        institution_id=institution.pk,
    )


@transaction.atomic
def pre_employment_check(*, actor: User, id_number: Any, channel: str = "web") -> PreEmploymentCheck:
    """Is the person with this ID number on the dishonesty list? Answers listed / not listed only, and logs
    the look-up (who, which masked number, the answer). A full-identifier lookup like a search: it counts
    against the account's lookup limit (access.LookupRefused beyond it) and is a row of the access log of
    reads."""
    scope = require_write(actor)
    try:
        parsed = parse_id_number(normalize_code(id_number))
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    access.lookup_admit(actor)
    digest = crypto.blind_index(parsed.value, purpose="id_number")
    listed = DishonestyListing.objects.filter(
        active_listings_q(timezone.localdate()),
        worker__id_number_hash__in=crypto.blind_indexes(parsed.value, purpose="id_number"),
    ).exists()
    access.lookup_record(
        actor=actor,
        kind=AccessKind.LOOKUP_ID,
        channel=channel,
        result_count=int(listed),
        worker_id=Worker.objects.filter(id_number_hash=digest).values_list("pk", flat=True).first(),
    )
    return PreEmploymentCheck.objects.create(
        actor=actor,
        institution_id=scope.institution_id,
        id_number_hash=digest,
        id_masked=mask_id_number(parsed.region_code),
        listed=listed,
    )


@transaction.atomic
def notifications_mark_read(*, actor: User, ids: Iterable[int]) -> int:
    scope = scope_of(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT) or scope.read_only:
        raise Http404
    qs = Notification.objects.filter(pk__in=list(ids), read_at__isnull=True)
    if scope.level == Level.DISTRICT:
        qs = qs.filter(district_id=scope.district_id)
    return qs.update(read_at=timezone.now())
