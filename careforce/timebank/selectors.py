"""Reads of the time bank, each scoped by the acting user.

City roles see everything; district roles the volunteers of their district and the records and orders of
their district's sites or volunteers; an institution administrator the records and orders of sites run by the
institution, and the volunteers who served or ordered there; a volunteer (through their worker record or a
linked sign-in account) only themselves. Out of scope answers like "does not exist".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.timebank.models import (
    Account,
    AccountKind,
    Entry,
    ServiceOrder,
    ServiceRecord,
    Site,
    Unit,
    Volunteer,
)

STATEMENT_PAGE = 50


def own_volunteer(user: User | None) -> Volunteer | None:
    """The volunteer record of the signed-in person (linked account, or their registry worker record)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_timebank_volunteer", False)
    if cached is not False:
        return cached
    condition = Q(account_id=user.pk)
    if user.worker_id:
        condition |= Q(worker_id=user.worker_id)
    found = Volunteer.objects.select_related("district").filter(condition).first()
    user._timebank_volunteer = found
    return found


def _own_ids(user: User) -> list[int]:
    mine = own_volunteer(user)
    return [mine.pk] if mine else []


def volunteers_visible_to(user: User) -> QuerySet[Volunteer]:
    scope = scope_of(user)
    qs = Volunteer.objects.select_related("district", "organisation")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        served = ServiceRecord.objects.filter(site__institution_id=scope.institution_id).values(
            "volunteer_id"
        )
        ordered = ServiceOrder.objects.filter(site__institution_id=scope.institution_id).values(
            "volunteer_id"
        )
        return qs.filter(Q(pk__in=served) | Q(pk__in=ordered))
    return qs.filter(pk__in=_own_ids(user))


def volunteer_get(user: User, pk: object) -> Volunteer:
    try:
        return volunteers_visible_to(user).get(pk=int(pk))
    except (Volunteer.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def payers_for(user: User) -> QuerySet[Volunteer]:
    """Volunteers who registered the signed-in person as their relative: whose hours may pay for services
    to this person."""
    mine = own_volunteer(user)
    if mine is None:
        return Volunteer.objects.none()
    return Volunteer.objects.filter(relatives__as_volunteer=mine).distinct()


def volunteer_for_order(user: User, pk: object) -> Volunteer:
    """A volunteer whose hours the user may order from: one they see, or one who registered them as kin."""
    try:
        return volunteer_get(user, pk)
    except Http404:
        try:
            return payers_for(user).get(pk=int(pk))
        except (Volunteer.DoesNotExist, TypeError, ValueError):
            raise Http404 from None


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Sites are a public directory (通存通兑: a volunteer orders at any site of the city)."""
    scope = scope_of(user)
    if scope.level == Level.NONE and own_volunteer(user) is None:
        return Site.objects.none()
    return Site.objects.select_related("district")


def sites_run_by(user: User) -> QuerySet[Site]:
    """The sites whose work the user verifies and delivers."""
    scope = scope_of(user)
    if not scope.can_write:
        return Site.objects.none()
    if scope.level == Level.CITY:
        return Site.objects.all()
    if scope.level == Level.DISTRICT:
        return Site.objects.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        return Site.objects.filter(institution_id=scope.institution_id)
    return Site.objects.none()


def records_visible_to(user: User) -> QuerySet[ServiceRecord]:
    scope = scope_of(user)
    qs = ServiceRecord.objects.select_related("volunteer", "site", "kind")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(Q(site__district_id=scope.district_id) | Q(volunteer__district_id=scope.district_id))
    if scope.level == Level.INSTITUTION:
        return qs.filter(site__institution_id=scope.institution_id)
    return qs.filter(volunteer_id__in=_own_ids(user))


def record_get(user: User, pk: object) -> ServiceRecord:
    try:
        return records_visible_to(user).get(pk=int(pk))
    except (ServiceRecord.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def orders_visible_to(user: User) -> QuerySet[ServiceOrder]:
    scope = scope_of(user)
    qs = ServiceOrder.objects.select_related("volunteer", "relative", "site", "kind")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(Q(site__district_id=scope.district_id) | Q(volunteer__district_id=scope.district_id))
    if scope.level == Level.INSTITUTION:
        return qs.filter(site__institution_id=scope.institution_id)
    mine = _own_ids(user)
    # A volunteer sees the orders paid from their hours and those that serve them as someone's relative.
    return qs.filter(Q(volunteer_id__in=mine) | Q(relative__as_volunteer_id__in=mine))


def order_get(user: User, pk: object) -> ServiceOrder:
    try:
        return orders_visible_to(user).get(pk=int(pk))
    except (ServiceOrder.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def account_of(volunteer: Volunteer, unit: str = Unit.HOURS) -> Account | None:
    return Account.objects.filter(kind=AccountKind.PERSON, volunteer=volunteer, unit=unit).first()


def balance(volunteer: Volunteer, unit: str = Unit.HOURS):
    """The balance kept on the account row (the reconciliation proves it equals the entries)."""
    from careforce.timebank.models import ZERO

    found = Account.objects.filter(kind=AccountKind.PERSON, volunteer=volunteer, unit=unit).values_list(
        "balance", flat=True
    )
    return next(iter(found), ZERO)


def statement(
    volunteer: Volunteer, unit: str = Unit.HOURS, *, before_id: int | None = None, limit: int = STATEMENT_PAGE
) -> list[Entry]:
    """The newest entries of the volunteer's account (keyset page: entries older than `before_id`)."""
    account = account_of(volunteer, unit)
    if account is None:
        return []
    qs = Entry.objects.filter(account=account).select_related("movement").order_by("-id")
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    return list(qs[:limit])


def statement_rows(
    volunteer: Volunteer, unit: str = Unit.HOURS, *, before_id: int | None = None, limit: int = STATEMENT_PAGE
) -> tuple[list[tuple[str, str, str, str, str]], int | None]:
    """The statement page's rows as display strings, from selected values (no model instances), and the id to
    page on from: one index walk of `(account_id, id DESC)` joined to the movements, whatever the ledger's size."""
    from django.utils import timezone

    from careforce.timebank.models import MovementKind

    account_id = (
        Account.objects.filter(kind=AccountKind.PERSON, volunteer=volunteer, unit=unit)
        .values_list("pk", flat=True)
        .first()
    )
    if account_id is None:
        return [], None
    qs = Entry.objects.filter(account_id=account_id).order_by("-id")
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    values = list(
        qs.values_list("id", "at", "movement__kind", "movement__memo", "amount", "balance_after")[:limit]
    )
    labels = dict(MovementKind.choices)
    rows = [
        (
            timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
            str(labels.get(kind, kind)),
            memo,
            str(amount),
            str(after),
        )
        for _id, at, kind, memo, amount, after in values
    ]
    return rows, (values[-1][0] if len(values) == limit else None)


def services_received(volunteer: Volunteer) -> QuerySet[ServiceOrder]:
    """Orders that served this person: paid from their hours for themselves, or paid by a relative of theirs."""
    return ServiceOrder.objects.select_related("site", "kind", "volunteer", "relative").filter(
        Q(volunteer=volunteer, relative__isnull=True) | Q(relative__as_volunteer=volunteer)
    )


def district_figures(user: User) -> list[dict]:
    """Per district of the user's scope: the time bank's figures as the services keep them (definitions:
    careforce/timebank/tally.py) — one row per district, whatever the ledger's size."""
    from careforce.core.models import District
    from careforce.timebank import tally

    scope = scope_of(user)
    districts = District.objects.order_by("sort_order", "code")
    if scope.level == Level.DISTRICT:
        districts = districts.filter(pk=scope.district_id)
    elif scope.level != Level.CITY:
        return []
    districts = list(districts)
    kept = tally.kept([d.pk for d in districts])
    empty = dict.fromkeys(tally.FIELDS, 0)
    return [{"district": d, **{k: kept.get(d.pk, empty)[k] for k in tally.FIELDS}} for d in districts]
