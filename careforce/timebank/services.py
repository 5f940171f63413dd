"""Writes of the time bank. Every movement of hours or points goes through `post`: two entries summing to
zero, balances changed under row locks, audited in the same transaction.

Lock order (no deadlocks): a transaction locks the person accounts it touches first, in id order, then the
system accounts, in id order. A person's balance is checked after its row is locked, so concurrent
withdrawals from one account queue on that row and each sees the balance the previous one left.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit, crypto
from careforce.core.identity import district_in_scope, identity_values
from careforce.core.models import AuditAction, District, User
from careforce.core.scope import Level, Scope, require_write, scope_of
from careforce.core.validators import normalize_code, normalize_text, parse_id_number
from careforce.timebank import selectors, tally
from careforce.timebank.models import (
    ZERO,
    Account,
    AccountKind,
    Entry,
    Movement,
    MovementKind,
    OrderStatus,
    Organisation,
    RecordStatus,
    Redemption,
    Relationship,
    Relative,
    Reward,
    Rules,
    ServiceKind,
    ServiceOrder,
    ServiceRecord,
    Site,
    Unit,
    Volunteer,
)
from careforce.training import inputs
from careforce.training.inputs import Errors

MAX_HOURS = Decimal("24")
MAX_AMOUNT = Decimal("100000")
VOLUNTEER_FIELDS = ("name", "district", "organisation", "worker", "id_number_masked", "phone_masked")


class InsufficientBalance(ValidationError):
    def __init__(self, field_name: str = "hours"):
        super().__init__(
            {field_name: [_("Insufficient balance: the account holds fewer hours or points than asked.")]},
        )
        self.code = "insufficient_balance"


def rules() -> Rules:
    return Rules.objects.order_by("pk").first() or Rules.objects.create()


def system_account(kind: str, unit: str) -> Account:
    account = Account.objects.filter(kind=kind, unit=unit, volunteer=None).first()
    if account is None:
        account, _created = Account.objects.get_or_create(kind=kind, unit=unit, volunteer=None)
    return account


def person_account(volunteer: Volunteer, unit: str) -> Account:
    account = Account.objects.filter(kind=AccountKind.PERSON, volunteer=volunteer, unit=unit).first()
    if account is None:
        account, _created = Account.objects.get_or_create(
            kind=AccountKind.PERSON, volunteer=volunteer, unit=unit
        )
    return account


def _lock(accounts: Iterable[Account]) -> dict[int, Account]:
    """Lock the rows of these accounts, persons first then system accounts, each group in id order."""
    ids = {a.pk for a in accounts}
    rows = list(Account.objects.filter(pk__in=ids).values_list("pk", "kind"))
    persons = sorted(pk for pk, kind in rows if kind == AccountKind.PERSON)
    systems = sorted(pk for pk, kind in rows if kind != AccountKind.PERSON)
    locked: dict[int, Account] = {}
    for group in (persons, systems):
        if group:
            for account in Account.objects.select_for_update().filter(pk__in=group).order_by("pk"):
                locked[account.pk] = account
    return locked


def post(
    *,
    kind: str,
    from_account: Account,
    to_account: Account,
    amount: Decimal,
    actor: User | None,
    source_key: str | None = None,
    memo: str = "",
    reverses: Movement | None = None,
    field_name: str = "hours",
    locked: Mapping[int, Account] | None = None,
) -> Movement:
    """Move `amount` from one account to another: one movement, two entries summing to zero. Must run inside
    a transaction. Refuses a non-positive amount, different units, and a person's balance below zero."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside transaction.atomic")
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field_name: [_("The amount must be greater than zero.")]})
    if from_account.unit != to_account.unit or from_account.pk == to_account.pk:
        raise ValidationError({field_name: [_("A movement joins two different accounts of the same unit.")]})
    if locked is None or from_account.pk not in locked or to_account.pk not in locked:
        locked = _lock([from_account, to_account])
    source, target = locked[from_account.pk], locked[to_account.pk]
    if source.kind == AccountKind.PERSON and source.balance < amount:
        raise InsufficientBalance(field_name)
    now = timezone.now()
    movement = Movement.objects.create(
        kind=kind,
        unit=source.unit,
        amount=amount,
        actor=actor if actor is not None and actor.pk else None,
        source_key=source_key,
        reverses=reverses,
        memo=memo[:200],
    )
    source.balance -= amount
    target.balance += amount
    Entry.objects.bulk_create(
        [
            Entry(movement=movement, account=source, amount=-amount, balance_after=source.balance, at=now),
            Entry(movement=movement, account=target, amount=amount, balance_after=target.balance, at=now),
        ]
    )
    source.save(update_fields=["balance"])
    target.save(update_fields=["balance"])
    # Callers holding these objects see the new balances.
    from_account.balance, to_account.balance = source.balance, target.balance
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=movement,
        changes={
            "kind": [None, kind],
            "amount": [None, str(amount)],
            "from": [None, str(source)],
            "to": [None, str(target)],
            "source_key": [None, source_key],
        },
        worker_id=source.volunteer.worker_id if source.volunteer_id else None,
    )
    return movement


@transaction.atomic
def movement_reverse(*, actor: User, movement: Movement, reason: Any) -> Movement:
    """A correction: the opposite movement, never an edit. City administrators only; a person's balance
    may not go negative by it (spend since then must be reversed first)."""
    scope = require_write(actor)
    if scope.level != Level.CITY:
        raise Http404
    errors = Errors()
    reason_text = inputs.text({"reason": reason}, "reason", errors, required=True, max_length=200)
    if movement.kind == MovementKind.REVERSAL or Movement.objects.filter(reverses=movement).exists():
        errors.add("movement", _("This movement is a reversal or has already been reversed."))
    errors.raise_if_any()
    entries = {e.amount > 0: e.account for e in movement.entries.select_related("account")}
    return post(
        kind=MovementKind.REVERSAL,
        from_account=entries[True],
        to_account=entries[False],
        amount=movement.amount,
        actor=actor,
        source_key=f"reversal:{movement.pk}",
        memo=reason_text or "",
        reverses=movement,
        field_name="movement",
    )


# --- volunteers, relatives, sites --------------------------------------------------------------------


def _official(actor: User) -> Scope:
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    return scope


def may_manage_volunteer(actor: User, volunteer: Volunteer) -> bool:
    scope = scope_of(actor)
    return scope.can_write and (
        scope.level == Level.CITY
        or (scope.level == Level.DISTRICT and volunteer.district_id == scope.district_id)
    )


def _acts_for(actor: User, volunteer: Volunteer) -> bool:
    """The volunteer themself, or an official who manages them."""
    mine = selectors.own_volunteer(actor)
    return (mine is not None and mine.pk == volunteer.pk) or may_manage_volunteer(actor, volunteer)


def may_order_for(actor: User, volunteer: Volunteer) -> bool:
    """Who may request a service paid from these hours: the volunteer, an official managing them, or a
    registered relative who is a volunteer with an account."""
    if _acts_for(actor, volunteer):
        return True
    mine = selectors.own_volunteer(actor)
    return mine is not None and volunteer.relatives.filter(as_volunteer=mine).exists()


@transaction.atomic
def volunteer_register(*, actor: User, data: Mapping[str, Any]) -> Volunteer:
    scope = _official(actor)
    errors = Errors()
    name = inputs.text(data, "name", errors, required=True, max_length=60)
    district = district_in_scope(scope, data.get("district"), errors)
    values = identity_values(data, errors, context="volunteer", with_birth_date=True)
    organisation = None
    if not inputs.is_blank(data.get("organisation")):
        organisation = inputs.pick(Organisation.objects.all(), data.get("organisation"), keys=("name",))
        if organisation is None:
            errors.add("organisation", _("Unknown volunteer organisation; give its id or exact name."))
    worker = None
    if not inputs.is_blank(data.get("worker")):
        from careforce.registry.selectors import workers_visible_to

        worker = inputs.pick(workers_visible_to(actor), data.get("worker"))
        if worker is None:
            errors.add("worker", _("No such worker in your area; give the worker's record id."))
        elif Volunteer.objects.filter(worker=worker).exists():
            errors.add("worker", _("This worker is already a volunteer."))
    if (
        values.get("id_number_hash")
        and Volunteer.objects.filter(id_number_hash=values["id_number_hash"]).exists()
    ):
        errors.add("id_number", _("A volunteer with this ID number is already registered."))
    errors.raise_if_any()
    volunteer = Volunteer.objects.create(
        name=name, district=district, organisation=organisation, worker=worker, **values
    )
    for unit in Unit.values:
        person_account(volunteer, unit)
    tally.add(volunteer.district_id, volunteers=1)
    audit.record_create(
        actor=actor, instance=volunteer, fields=VOLUNTEER_FIELDS, worker_id=volunteer.worker_id
    )
    return volunteer


@transaction.atomic
def relative_register(*, actor: User, volunteer: Volunteer, data: Mapping[str, Any]) -> Relative:
    """A relative (spouse, parent, child) registered to a volunteer, relationship recorded. When the
    relative is a volunteer too (same ID number), the two are linked so hours can be transferred."""
    if not _acts_for(actor, volunteer):
        raise Http404
    errors = Errors()
    name = inputs.text(data, "name", errors, required=True, max_length=60)
    relationship = normalize_text(data.get("relationship"))
    if relationship not in Relationship.values:
        errors.add("relationship", _("Choose spouse, parent or child."))
    values = identity_values(data, errors, context="relative", with_birth_date=True)
    raw_district = data.get("district")
    district = (
        inputs.pick(District.objects.all(), raw_district, keys=("code", "name"))
        if not inputs.is_blank(raw_district)
        else volunteer.district
    )
    if district is None:
        errors.add("district", _("Unknown district; give its code or name."))
    if values.get("id_number_hash"):
        if values["id_number_hash"] == volunteer.id_number_hash:
            errors.add("id_number", _("This is the volunteer's own ID number."))
        elif volunteer.relatives.filter(id_number_hash=values["id_number_hash"]).exists():
            errors.add("id_number", _("This relative is already registered."))
    errors.raise_if_any()
    as_volunteer = Volunteer.objects.filter(id_number_hash=values["id_number_hash"]).first()
    relative = Relative.objects.create(
        volunteer=volunteer,
        name=name,
        relationship=relationship,
        district=district,
        as_volunteer=as_volunteer,
        **values,
    )
    audit.record_create(
        actor=actor,
        instance=relative,
        fields=("name", "relationship", "volunteer", "as_volunteer", "id_number_masked"),
        worker_id=volunteer.worker_id,
    )
    return relative


@transaction.atomic
def site_create(*, actor: User, data: Mapping[str, Any]) -> Site:
    scope = _official(actor)
    errors = Errors()
    code = normalize_code(data.get("code"))
    if not code or len(code) > 30:
        errors.add("code", _("Give the site a code of at most 30 letters or digits."))
    elif Site.objects.filter(code=code).exists():
        errors.add("code", _("A site with this code exists."))
    name = inputs.text(data, "name", errors, required=True, max_length=120)
    kind = normalize_text(data.get("kind")) or "community"
    from careforce.timebank.models import SiteKind

    if kind not in SiteKind.values:
        errors.add("kind", _("Choose institution, community or other."))
    district = district_in_scope(scope, data.get("district"), errors)
    institution = None
    if not inputs.is_blank(data.get("institution")):
        from careforce.institutions.selectors import institutions_visible_to

        institution = inputs.pick(institutions_visible_to(actor), data.get("institution"), keys=("uscc",))
        if institution is None:
            errors.add("institution", _("Unknown institution in your area; give its id or credit code."))
    errors.raise_if_any()
    site = Site.objects.create(code=code, name=name, kind=kind, district=district, institution=institution)
    audit.record_create(
        actor=actor, instance=site, fields=("code", "name", "kind", "district", "institution")
    )
    return site


# --- deposits ------------------------------------------------------------------------------------------


def _pick_site(qs, raw: Any) -> Site | None:
    """A site by object, id, or code (codes are matched as stored: NFKC, no spaces or hyphens, upper case)."""
    found = inputs.pick(qs, raw)
    if found is None and not isinstance(raw, Site) and not inputs.is_blank(raw):
        found = qs.filter(code=normalize_code(raw)).first()
    return found


def may_verify_at(actor: User, site: Site) -> bool:
    return selectors.sites_run_by(actor).filter(pk=site.pk).exists()


def may_check(actor: User, record: ServiceRecord) -> bool:
    scope = scope_of(actor)
    return scope.can_write and (
        scope.level == Level.CITY
        or (scope.level == Level.DISTRICT and record.site.district_id == scope.district_id)
    )


def _clean_record(actor: User, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    key = normalize_code(data.get("source_key"))
    if not key or len(key) > 100:
        errors.add(
            "source_key",
            _("Give the record's unique key (at most 100 characters), e.g. the site's record number."),
        )
    volunteer = None
    raw = data.get("volunteer")
    if isinstance(raw, Volunteer):
        volunteer = raw
    elif not inputs.is_blank(data.get("volunteer_id_number")):
        try:
            parsed = parse_id_number(data.get("volunteer_id_number"))
        except ValidationError as exc:
            errors.add("volunteer_id_number", exc.messages[0])
        else:
            volunteer = Volunteer.objects.filter(
                id_number_hash=crypto.blind_index(parsed.value, purpose="id_number")
            ).first()
            if volunteer is None:
                errors.add("volunteer_id_number", _("No volunteer is registered with this ID number."))
    elif not inputs.is_blank(raw):
        volunteer = inputs.pick(Volunteer.objects.all(), raw)
        if volunteer is None:
            errors.add("volunteer", _("Unknown volunteer; give the volunteer's id."))
    else:
        errors.add("volunteer", _("Name the volunteer (id, or ID number)."))
    site = _pick_site(selectors.sites_run_by(actor), data.get("site"))
    if site is None:
        errors.add("site", _("Unknown site, or not one you verify for; give its id or code."))
    kind = inputs.pick(ServiceKind.objects.filter(is_active=True), data.get("kind"), keys=("code", "name"))
    if kind is None:
        errors.add("kind", _("Unknown kind of service; give its code or name."))
    recipient = inputs.text(data, "recipient", errors, required=True, max_length=120)
    served_on = inputs.date(data, "served_on", errors, required=True)
    if served_on and served_on > timezone.localdate():
        errors.add("served_on", _("The service date is in the future."))
    hours = inputs.decimal(data, "hours", errors, required=True, low=Decimal("0.1"), high=MAX_HOURS)
    return {
        "source_key": key,
        "volunteer": volunteer,
        "site": site,
        "kind": kind,
        "recipient": recipient,
        "served_on": served_on,
        "hours": hours,
    }


RECORD_FIELDS = ("source_key", "volunteer", "site", "kind", "recipient", "served_on", "hours", "status")


@transaction.atomic
def record_submit(*, actor: User, data: Mapping[str, Any], verify: bool = False) -> ServiceRecord:
    """Record a service done at one of the actor's sites; with `verify`, the actor verifies it at once."""
    require_write(actor)
    errors = Errors()
    values = _clean_record(actor, data, errors)
    if values["source_key"] and ServiceRecord.objects.filter(source_key=values["source_key"]).exists():
        errors.add("source_key", _("A service record with this key exists; each record is entered once."))
    errors.raise_if_any()
    record = ServiceRecord.objects.create(**values)
    audit.record_create(
        actor=actor, instance=record, fields=RECORD_FIELDS, worker_id=record.volunteer.worker_id
    )
    if verify:
        record = record_verify(actor=actor, record=record)
    return record


def _locked_record(record: ServiceRecord) -> ServiceRecord:
    return (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("site", "volunteer", "kind")
        .get(pk=record.pk)
    )


@transaction.atomic
def record_verify(*, actor: User, record: ServiceRecord) -> ServiceRecord:
    """The site verifies: the hours are credited, or wait for the district's check above the threshold."""
    record = _locked_record(record)
    if not may_verify_at(actor, record.site):
        raise Http404
    if record.status != RecordStatus.SUBMITTED:
        raise ValidationError({"status": [_("This record is not awaiting the site's verification.")]})
    before = audit.snapshot(record, RECORD_FIELDS)
    record.site_verified_by, record.site_verified_at = actor, timezone.now()
    if record.hours > rules().district_check_above_hours:
        record.status = RecordStatus.DISTRICT_CHECK
    else:
        record.status = RecordStatus.CREDITED
        _credit(record, actor)
    _save_record(
        record, actor, before, ["status", "site_verified_by", "site_verified_at"], note="site verification"
    )
    return record


@transaction.atomic
def record_check(*, actor: User, record: ServiceRecord) -> ServiceRecord:
    """The district's second check of a record above the threshold, by someone other than the verifier."""
    record = _locked_record(record)
    if not may_check(actor, record):
        raise Http404
    if record.status != RecordStatus.DISTRICT_CHECK:
        raise ValidationError({"status": [_("This record is not awaiting the district's check.")]})
    if record.site_verified_by_id == actor.pk:
        raise ValidationError(
            {"status": [_("The second check must be made by someone other than the verifier.")]}
        )
    before = audit.snapshot(record, RECORD_FIELDS)
    record.status = RecordStatus.CREDITED
    record.district_checked_by, record.district_checked_at = actor, timezone.now()
    _credit(record, actor)
    _save_record(
        record, actor, before, ["status", "district_checked_by", "district_checked_at"], note="district check"
    )
    return record


@transaction.atomic
def record_reject(*, actor: User, record: ServiceRecord, reason: Any) -> ServiceRecord:
    record = _locked_record(record)
    if record.status == RecordStatus.SUBMITTED:
        allowed = may_verify_at(actor, record.site)
    elif record.status == RecordStatus.DISTRICT_CHECK:
        allowed = may_check(actor, record)
    else:
        allowed = may_verify_at(actor, record.site) or may_check(actor, record)
    if not allowed:
        raise Http404
    errors = Errors()
    text = inputs.text({"reason": reason}, "reason", errors, required=True, max_length=200)
    if record.status in (RecordStatus.CREDITED, RecordStatus.REJECTED):
        errors.add(
            "status",
            _("A credited or rejected record cannot be rejected; a credit is corrected by a reversal."),
        )
    errors.raise_if_any()
    before = audit.snapshot(record, RECORD_FIELDS)
    record.status, record.reject_reason = RecordStatus.REJECTED, text or ""
    _save_record(record, actor, before, ["status", "reject_reason"])
    return record


def _save_record(record: ServiceRecord, actor: User, before: dict, fields: list[str], note: str = "") -> None:
    """A record's step (verified, checked, rejected) saved and audited in the same transaction."""
    record.save(update_fields=fields)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=record,
        changes=audit.diff(before, audit.snapshot(record, RECORD_FIELDS)),
        worker_id=record.volunteer.worker_id,
        note=note,
    )


def _credit(record: ServiceRecord, actor: User) -> None:
    """Credit a verified record once (its source keys are unique): hours up to the cap to the volunteer,
    the rest donated to the public pool; points by the kind's rate."""
    if Movement.objects.filter(source_key__startswith=f"record:{record.pk}:").exists():
        return
    current = rules()
    tally.add(record.volunteer.district_id, deposited=record.hours)
    hours_account = person_account(record.volunteer, Unit.HOURS)
    points_account = person_account(record.volunteer, Unit.POINTS)
    source = system_account(AccountKind.SOURCE, Unit.HOURS)
    pool = system_account(AccountKind.POOL, Unit.HOURS)
    locked = _lock([hours_account, points_account, source, pool])
    room = max(current.cap_hours - locked[hours_account.pk].balance, ZERO)
    to_person = min(record.hours, room)
    memo = f"{record.site.code} {record.served_on.isoformat()}"
    if to_person > 0:
        post(
            kind=MovementKind.DEPOSIT,
            from_account=source,
            to_account=hours_account,
            amount=to_person,
            actor=actor,
            source_key=f"record:{record.pk}:hours",
            memo=memo,
            locked=locked,
        )
    if record.hours > to_person:
        post(
            kind=MovementKind.DONATION,
            from_account=source,
            to_account=pool,
            amount=record.hours - to_person,
            actor=actor,
            source_key=f"record:{record.pk}:over-cap",
            memo=memo,
            locked=locked,
        )
    rate = record.kind.points_per_hour if record.kind.points_per_hour is not None else current.points_per_hour
    points = (record.hours * rate).quantize(Decimal("0.01"))
    if points > 0:
        points_source = system_account(AccountKind.SOURCE, Unit.POINTS)
        post(
            kind=MovementKind.POINTS_EARN,
            from_account=points_source,
            to_account=points_account,
            amount=points,
            actor=actor,
            source_key=f"record:{record.pk}:points",
            memo=memo,
            locked=_lock([points_account, points_source]),
        )


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0  # source key already recorded: nothing credited twice
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)


def records_import(*, actor: User, rows: Iterable[Mapping[str, Any]], first_row: int = 1) -> ImportResult:
    """Verified service records from a site's system or a sheet: each row in its own transaction, so a
    batch cut short (even by kill -9) keeps what committed and a re-run credits only the rest."""
    require_write(actor)
    result = ImportResult()
    for number, row in enumerate(rows, start=first_row):
        key = normalize_code(row.get("source_key"))
        if key and ServiceRecord.objects.filter(source_key=key).exists():
            result.skipped += 1
            continue
        try:
            record_submit(actor=actor, data=row, verify=True)
        except ValidationError as exc:
            result.errors[number] = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        except IntegrityError:
            # Another batch recorded the same key meanwhile: that one credited it.
            result.skipped += 1
        else:
            result.created += 1
    return result


# --- withdrawals, transfers, donations -----------------------------------------------------------------


def _age(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


ORDER_FIELDS = ("volunteer", "relative", "site", "kind", "hours", "status")


@transaction.atomic
def order_request(*, actor: User, volunteer: Volunteer, data: Mapping[str, Any]) -> ServiceOrder:
    """A withdrawal: a service order paid from the volunteer's hours, for the volunteer (from the minimum
    age) or a registered relative. Requested by the volunteer, by the relative when they are a volunteer
    with an account, or by an official of the volunteer's district. The hours are held at once."""
    errors = Errors()
    relative = None
    raw_relative = data.get("relative")
    if not inputs.is_blank(raw_relative):
        relative = inputs.pick(volunteer.relatives.all(), raw_relative)
        if relative is None:
            errors.add("relative", _("Not a relative registered by this volunteer."))
    mine = selectors.own_volunteer(actor)
    by_relative = relative is not None and mine is not None and relative.as_volunteer_id == mine.pk
    if not (_acts_for(actor, volunteer) or by_relative):
        raise Http404
    site = _pick_site(Site.objects.all(), data.get("site"))
    if site is None:
        errors.add("site", _("Unknown site; give its id or code."))
    kind = inputs.pick(ServiceKind.objects.filter(is_active=True), data.get("kind"), keys=("code", "name"))
    if kind is None:
        errors.add("kind", _("Unknown kind of service; give its code or name."))
    hours = inputs.decimal(data, "hours", errors, required=True, low=Decimal("0.1"), high=MAX_HOURS)
    note = inputs.text(data, "note", errors, max_length=200) or ""
    current = rules()
    today = timezone.localdate()
    if relative is None and _age(volunteer.birth_date, today) < current.min_withdrawal_age:
        errors.add(
            "relative",
            _("Hours are withdrawn for oneself from age %(age)d; until then, for a registered relative.")
            % {"age": current.min_withdrawal_age},
        )
    errors.raise_if_any()
    account = person_account(volunteer, Unit.HOURS)
    held = system_account(AccountKind.HELD, Unit.HOURS)
    locked = _lock([account, held])  # from here on, this account's orders are serialised
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    used = (
        ServiceOrder.objects.filter(
            volunteer=volunteer,
            requested_at__gte=start,
            status__in=[OrderStatus.REQUESTED, OrderStatus.DELIVERED, OrderStatus.CONFIRMED],
        ).aggregate(total=Sum("hours"))["total"]
        or ZERO
    )
    if used + hours > current.daily_limit_hours:
        raise ValidationError(
            {
                "hours": [
                    _("Daily limit reached: %(limit)s hours a day, %(used)s already ordered today.")
                    % {"limit": current.daily_limit_hours, "used": used}
                ]
            }
        )
    if locked[account.pk].balance < hours:
        raise InsufficientBalance("hours")
    order = ServiceOrder.objects.create(
        volunteer=volunteer,
        relative=relative,
        site=site,
        kind=kind,
        hours=hours,
        note=note,
        requested_by=actor,
    )
    post(
        kind=MovementKind.HOLD,
        from_account=account,
        to_account=held,
        amount=hours,
        actor=actor,
        source_key=f"order:{order.pk}:hold",
        memo=f"{site.code} #{order.pk}",
        locked=locked,
    )
    tally.add(volunteer.district_id, open=hours)
    audit.record_create(actor=actor, instance=order, fields=ORDER_FIELDS, worker_id=volunteer.worker_id)
    return order


def _locked_order(order: ServiceOrder) -> ServiceOrder:
    return (
        ServiceOrder.objects.select_for_update(of=("self",))
        .select_related("site", "volunteer", "relative")
        .get(pk=order.pk)
    )


def _order_event(actor: User, order: ServiceOrder, before: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=order,
        changes=audit.diff(before, audit.snapshot(order, ORDER_FIELDS)),
        worker_id=order.volunteer.worker_id,
    )


def may_deliver(actor: User, order: ServiceOrder) -> bool:
    return may_verify_at(actor, order.site)


def may_confirm(actor: User, order: ServiceOrder) -> bool:
    """The person served (the volunteer, or the relative through their own account), the paying volunteer,
    or an official of the volunteer's district on the recipient's behalf."""
    mine = selectors.own_volunteer(actor)
    if mine is not None and (
        mine.pk == order.volunteer_id or (order.relative_id and order.relative.as_volunteer_id == mine.pk)
    ):
        return True
    return may_manage_volunteer(actor, order.volunteer)


@transaction.atomic
def order_deliver(*, actor: User, order: ServiceOrder) -> ServiceOrder:
    order = _locked_order(order)
    if not may_deliver(actor, order):
        raise Http404
    if order.status != OrderStatus.REQUESTED:
        raise ValidationError({"status": [_("Only a requested order can be marked delivered.")]})
    before = audit.snapshot(order, ORDER_FIELDS)
    order.status, order.delivered_at = OrderStatus.DELIVERED, timezone.now()
    order.save(update_fields=["status", "delivered_at"])
    _order_event(actor, order, before)
    return order


@transaction.atomic
def order_confirm(*, actor: User, order: ServiceOrder) -> ServiceOrder:
    order = _locked_order(order)
    if not may_confirm(actor, order):
        raise Http404
    if order.status != OrderStatus.DELIVERED:
        raise ValidationError({"status": [_("Only a delivered order can be confirmed.")]})
    before = audit.snapshot(order, ORDER_FIELDS)
    order.status, order.confirmed_at = OrderStatus.CONFIRMED, timezone.now()
    order.save(update_fields=["status", "confirmed_at"])
    tally.add(order.volunteer.district_id, open=-order.hours, withdrawn=order.hours)
    post(
        kind=MovementKind.REDEEM,
        from_account=system_account(AccountKind.HELD, Unit.HOURS),
        to_account=system_account(AccountKind.REDEEMED, Unit.HOURS),
        amount=order.hours,
        actor=actor,
        source_key=f"order:{order.pk}:redeem",
        memo=f"{order.site.code} #{order.pk}",
    )
    _order_event(actor, order, before)
    return order


@transaction.atomic
def order_cancel(*, actor: User, order: ServiceOrder) -> ServiceOrder:
    order = _locked_order(order)
    if not (may_confirm(actor, order) or may_deliver(actor, order)):
        raise Http404
    if order.status != OrderStatus.REQUESTED:
        raise ValidationError({"status": [_("Only a requested order can be cancelled.")]})
    before = audit.snapshot(order, ORDER_FIELDS)
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status"])
    tally.add(order.volunteer.district_id, open=-order.hours)
    post(
        kind=MovementKind.RELEASE,
        from_account=system_account(AccountKind.HELD, Unit.HOURS),
        to_account=person_account(order.volunteer, Unit.HOURS),
        amount=order.hours,
        actor=actor,
        source_key=f"order:{order.pk}:release",
        memo=f"#{order.pk}",
    )
    _order_event(actor, order, before)
    return order


@transaction.atomic
def transfer(*, actor: User, volunteer: Volunteer, data: Mapping[str, Any]) -> Movement:
    """Hours to a registered relative who is a volunteer too, within the relative's cap."""
    if not _acts_for(actor, volunteer):
        raise Http404
    errors = Errors()
    relative = inputs.pick(volunteer.relatives.all(), data.get("relative"))
    if relative is None:
        errors.add("relative", _("Not a relative registered by this volunteer."))
    elif relative.as_volunteer_id is None:
        errors.add("relative", _("This relative has no time account; register them as a volunteer first."))
    hours = inputs.decimal(data, "hours", errors, required=True, low=Decimal("0.1"), high=MAX_AMOUNT)
    errors.raise_if_any()
    source = person_account(volunteer, Unit.HOURS)
    target = person_account(relative.as_volunteer, Unit.HOURS)
    locked = _lock([source, target])
    if locked[target.pk].balance + hours > rules().cap_hours:
        raise ValidationError(
            {"hours": [_("The relative's account would exceed the cap; transfer fewer hours.")]}
        )
    return post(
        kind=MovementKind.TRANSFER,
        from_account=source,
        to_account=target,
        amount=hours,
        actor=actor,
        memo=f"{relative.get_relationship_display()} {relative.name}",
        locked=locked,
    )


@transaction.atomic
def donate(*, actor: User, volunteer: Volunteer, data: Mapping[str, Any]) -> Movement:
    """Hours given to the public pool (公益池), from which the district grants service to those in need."""
    if not _acts_for(actor, volunteer):
        raise Http404
    errors = Errors()
    hours = inputs.decimal(data, "hours", errors, required=True, low=Decimal("0.1"), high=MAX_AMOUNT)
    errors.raise_if_any()
    movement = post(
        kind=MovementKind.DONATION,
        from_account=person_account(volunteer, Unit.HOURS),
        to_account=system_account(AccountKind.POOL, Unit.HOURS),
        amount=hours,
        actor=actor,
        memo="",
    )
    tally.add(volunteer.district_id, donated=hours)
    return movement


@transaction.atomic
def pool_grant(*, actor: User, volunteer: Volunteer, data: Mapping[str, Any]) -> Movement:
    """Hours from the public pool to a person in need, granted by the city or the person's district. The
    pool never goes below zero."""
    if not may_manage_volunteer(actor, volunteer):
        raise Http404
    errors = Errors()
    hours = inputs.decimal(data, "hours", errors, required=True, low=Decimal("0.1"), high=MAX_AMOUNT)
    reason = inputs.text(data, "reason", errors, required=True, max_length=200)
    errors.raise_if_any()
    target = person_account(volunteer, Unit.HOURS)
    pool = system_account(AccountKind.POOL, Unit.HOURS)
    locked = _lock([target, pool])
    if locked[pool.pk].balance < hours:
        raise InsufficientBalance("hours")
    if locked[target.pk].balance + hours > rules().cap_hours:
        raise ValidationError({"hours": [_("The account would exceed the cap; grant fewer hours.")]})
    return post(
        kind=MovementKind.POOL_GRANT,
        from_account=pool,
        to_account=target,
        amount=hours,
        actor=actor,
        memo=reason or "",
        locked=locked,
    )


@transaction.atomic
def redeem_reward(*, actor: User, volunteer: Volunteer, data: Mapping[str, Any]) -> Redemption:
    """Points spent on an item of the catalogue."""
    if not _acts_for(actor, volunteer):
        raise Http404
    errors = Errors()
    reward = inputs.pick(Reward.objects.filter(is_active=True), data.get("reward"), keys=("name",))
    if reward is None:
        errors.add("reward", _("Choose a reward of the catalogue."))
    errors.raise_if_any()
    movement = post(
        kind=MovementKind.POINTS_REDEEM,
        from_account=person_account(volunteer, Unit.POINTS),
        to_account=system_account(AccountKind.REDEEMED, Unit.POINTS),
        amount=reward.points,
        actor=actor,
        memo=reward.name,
        field_name="reward",
    )
    return Redemption.objects.create(
        volunteer=volunteer, reward=reward, points=reward.points, movement=movement
    )


# --- reconciliation ------------------------------------------------------------------------------------


def reconcile() -> list[str]:
    """What is wrong with the books (empty: they reconcile): every movement is two entries summing to zero,
    each unit's entries sum to zero, every balance equals its entries, no person's balance is negative."""
    from django.db.models import Count

    problems: list[str] = []
    bad = (
        Entry.objects.values("movement_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .filter(~Q(total=0) | ~Q(n=2))
        .values_list("movement_id", flat=True)[:20]
    )
    problems += [f"movement {pk}: entries do not sum to zero in two lines" for pk in bad]
    orphans = Movement.objects.filter(entries__isnull=True).values_list("pk", flat=True)[:20]
    problems += [f"movement {pk}: no entries" for pk in orphans]
    sums = dict(
        Entry.objects.values("account_id").annotate(total=Sum("amount")).values_list("account_id", "total")
    )
    for unit in Unit.values:
        total = Entry.objects.filter(account__unit=unit).aggregate(t=Sum("amount"))["t"] or ZERO
        if total != 0:
            problems.append(f"{unit}: entries sum to {total}, not zero")
    problems += tally.differences()
    for account in Account.objects.all().iterator():
        expected = sums.get(account.pk) or ZERO
        if account.balance != expected:
            problems.append(
                f"account {account.pk} ({account}): balance {account.balance}, entries {expected}"
            )
        if account.kind == AccountKind.PERSON and account.balance < 0:
            problems.append(f"account {account.pk}: negative balance {account.balance}")
    return problems


# --- sign-in accounts for volunteers who are not registry workers ---------------------------------------


@dataclass
class AccountInvitation:
    """A new sign-in account and the one-time link that sets its password (shown once, to hand over)."""

    user: User
    path: str


@transaction.atomic
def volunteer_account_create(*, actor: User, volunteer: Volunteer) -> AccountInvitation:
    """Give a volunteer who has no sign-in a login of their own: an account with no role (it opens only the
    volunteer's own time account) and no usable password; the volunteer chooses the password through a
    one-time link (Django's password-reset token: it stops working once used, after a password change, or
    after PASSWORD_RESET_TIMEOUT). A district or city administrator who manages the volunteer gives it."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from careforce.core.models import Role
    from careforce.core.services import account_create

    scope = _official(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT) or not may_manage_volunteer(actor, volunteer):
        raise Http404
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.account_id or volunteer.worker_id:
        raise ValidationError(
            {
                "account": [
                    _("This volunteer already signs in (with their own account or as a registry worker).")
                ]
            }
        )
    user = account_create(
        username=f"tb{volunteer.pk:06d}",
        password=None,
        role=Role.NONE,
        display_name=volunteer.name,
        district=volunteer.district,
        actor=actor,
    )
    volunteer.account = user
    volunteer.save(update_fields=["account"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=volunteer,
        changes={"account": [None, user.username]},
    )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("timebank:account_activate", args=[uid, default_token_generator.make_token(user)])
    return AccountInvitation(user=user, path=path)
