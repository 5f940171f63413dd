"""Reads of the registry, always through the actor's scope. Out of scope answers like not there (404)."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import access, crypto
from careforce.core.models import AccessKind, AuditEvent, RecordAccess, Role, User
from careforce.core.scope import Level, scope_of
from careforce.core.validators import normalize_code, normalize_text
from careforce.registry.models import Employment, Worker
from careforce.registry.pinyin import is_pinyin_query
from careforce.registry.tenure import years_of_service


def workers_visible_to(user: User) -> QuerySet[Worker]:
    scope = scope_of(user)
    qs = Worker.objects.all()
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        return qs.filter(institution_id=scope.institution_id)
    if scope.level == Level.SELF:
        return qs.filter(pk=scope.worker_id)
    return qs.none()


@dataclass(frozen=True)
class WorkerFilters:
    district: int | None = None
    institution: int | None = None
    team: str | None = None
    occupation: int | None = None
    source_channel: str | None = None
    active: bool | None = None
    q: str = ""


def search_condition(text: str) -> Q | None:
    """What a search box entry means: a full ID number or phone, pinyin or initials, or a name. Not the last
    four digits of an ID number: with the region and birth year they leave a handful of people, and a
    search by them would confirm a guess without being a full-number lookup (logged, limited)."""
    text = normalize_text(text)
    if not text:
        return None
    code = normalize_code(text)
    if len(code) == 18 and code[:17].isdigit():
        return Q(id_number_hash__in=crypto.blind_indexes(code, purpose="id_number"))
    if len(code) == 11 and code.isdigit():
        return Q(phone_hash__in=crypto.blind_indexes(code, purpose="phone"))
    return reduce(operator.or_, search_alternatives(text))


def search_alternatives(text: str) -> list[Q]:
    """The conditions a name search entry matches by, any of them (search_condition is their OR): pinyin is
    matched on the initials and on the full spelling. Empty for a full ID number or phone."""
    text = normalize_text(text)
    code = normalize_code(text)
    if not text or (len(code) == 18 and code[:17].isdigit()) or (len(code) == 11 and code.isdigit()):
        return []
    if is_pinyin_query(code):
        key = code.lower()
        return [Q(name_initials__startswith=key), Q(name_pinyin__startswith=key)]
    return [Q(name__startswith=text.replace(" ", ""))]


def identifier_kind(text: str) -> str | None:
    """The access-log kind of a search box entry that is a full identifier (a lookup), else None."""
    code = normalize_code(normalize_text(text))
    if len(code) == 18 and code[:17].isdigit():
        return AccessKind.LOOKUP_ID
    if len(code) == 11 and code.isdigit():
        return AccessKind.LOOKUP_PHONE
    return None


def worker_list(user: User, filters: WorkerFilters, *, channel: str = "web") -> QuerySet[Worker]:
    """The workers the user may see, filtered. A search by a full ID number or phone is a lookup: counted
    against the account's limit first (access.LookupRefused beyond it) and written to the access log of
    reads (who, what kind, the channel, how many results; whom: the person the number belongs to, found
    city-wide, so a lookup outside the searcher's area is on that person's record too). The answer itself is
    the scoped list: a number registered outside the area answers exactly like one registered nowhere."""
    kind = identifier_kind(filters.q)
    if kind is not None:
        access.lookup_admit(user)
    qs = _filtered(user, filters)
    condition = search_condition(filters.q)
    if condition is not None:
        qs = qs.filter(condition)
    if kind is not None and condition is not None:
        _log_lookup(user, qs, condition, kind=kind, channel=channel)
    return qs.select_related("district", "institution", "occupation").order_by("-id")


def _filtered(user: User, filters: WorkerFilters) -> QuerySet[Worker]:
    """The workers the user may see, by every filter but the search box."""
    qs = workers_visible_to(user)
    if filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.team:
        qs = qs.filter(team=filters.team)
    if filters.occupation:
        qs = qs.filter(occupation_id=filters.occupation)
    if filters.source_channel:
        qs = qs.filter(source_channel=filters.source_channel)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs


# The columns a list row is built from: masking works on the stored region / prefix / last digits, so no
# encrypted column is read, and no model instance is made on a hot list.
LIST_COLUMNS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "id_region",
    "phone_prefix",
    "phone_last4",
    "education",
    "hukou_type",
    "source_channel",
    "team",
    "is_active",
    "verification",
    "verified_by_id",
    "verified_at",
    "created_at",
    "updated_at",
    "occupation_id",
    "occupation__code",
    "occupation__name",
    "district_id",
    "district__code",
    "district__name",
    "institution_id",
    "institution__name",
    "institution__district_id",
)


def worker_page_values(
    qs: QuerySet[Worker], *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of `qs` (from `worker_list`) as column values, id descending (keyset, limit + 1 rows in one
    query), and the last id shown when there is a next page."""
    from careforce.core.api import decode_cursor

    qs = qs.order_by("-pk")
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    rows = list(qs.values(*LIST_COLUMNS)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["id"] if more and rows else None)


def worker_page_slice(
    user: User,
    filters: WorkerFilters,
    *,
    columns: tuple[str, ...] = LIST_COLUMNS,
    number: int,
    per_page: int,
    after: int | None = None,
    channel: str = "web",
) -> QuerySet[Worker]:
    """Page `number` of `worker_list(user, filters)` and one row more, id descending, as `columns` values:
    the rows of `worker_list(...)[offset : offset + per_page + 1]`, in one statement that finds the page's
    ids first and only then reads and joins those rows (`id IN (SELECT id … LIMIT n)`). A full ID number or
    phone is admitted and logged as by worker_list.

    Finding the ids alone lets the database answer from an index (the district and team filters, the
    pinyin keys), skip rows by id only, and join the institution, occupation and district of the page's
    rows alone. With `after` (the last id of the page before, carried by the page's Next link) the ids start
    below it and page N costs what page 1 costs; without it (a page number typed or linked) the ids before
    the page are skipped by an OFFSET over ids, where an OFFSET over whole rows fetched and joined every
    skipped row (page 400 of a district: 74–120 ms).

    A pinyin search inside one district takes the ids from each key's (district, key, id) index alone and
    unites them: their OR read every match's row from the table to check it (~1,000 rows for q=zs in 渝北区,
    27 ms from disk, against 69 index pages). City-wide there is no such index (the newest rows are walked
    instead), so the OR stays."""
    qs = worker_list(user, filters, channel=channel)
    alternatives = search_alternatives(filters.q)
    one_district = bool(filters.district) or scope_of(user).level == Level.DISTRICT
    if len(alternatives) > 1 and one_district:
        branches = [_filtered(user, filters).filter(alternative).order_by() for alternative in alternatives]
        if number > 1 and after is not None:
            branches = [branch.filter(pk__lt=after) for branch in branches]
        first, *rest = [branch.values("pk") for branch in branches]
        ids = first.union(*rest).order_by("-pk")
    else:
        ids = qs.select_related(None).order_by("-pk")
        if number > 1 and after is not None:
            ids = ids.filter(pk__lt=after)
        ids = ids.values("pk")
    offset = (number - 1) * per_page if after is None else 0
    page_ids = ids[offset : offset + per_page + 1]
    return Worker.objects.filter(pk__in=page_ids).order_by("-pk").values(*columns)


# What a detail answer's employment history is built from (EmploymentOut), newest first.
EMPLOYMENT_COLUMNS = (
    "id",
    "worker_id",
    "institution_id",
    "institution__name",
    "institution__district_id",
    "post",
    "start_date",
    "end_date",
    "has_labour_contract",
    "is_part_time",
    "end_reason",
    "verification",
    "verified_by_id",
    "verified_at",
)


def worker_detail_values(user: User, pk: object) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One worker the user may see as the column values of a list row (LIST_COLUMNS) and its whole
    employment history (EMPLOYMENT_COLUMNS): two statements, no model instance. Out of scope: 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    row = workers_visible_to(user).filter(pk=pk).values(*LIST_COLUMNS).first()
    if row is None:
        raise Http404
    history = list(
        Employment.objects.filter(worker_id=pk).order_by("-start_date", "-id").values(*EMPLOYMENT_COLUMNS)
    )
    return row, history


def _log_lookup(user: User, qs: QuerySet[Worker], condition: Q, *, kind: str, channel: str) -> None:
    found = list(qs.values_list("pk", flat=True)[:100])
    owners = found if found else list(Worker.objects.filter(condition).values_list("pk", flat=True)[:2])
    access.lookup_record(
        actor=user,
        kind=kind,
        channel=channel,
        result_count=len(found),
        worker_id=owners[0] if len(owners) == 1 else None,
    )


def worker_get(user: User, pk: object) -> Worker:
    try:
        return (
            workers_visible_to(user).select_related("district", "institution", "occupation").get(pk=int(pk))
        )
    except (Worker.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def employments_of(worker: Worker) -> QuerySet[Employment]:
    """The whole history of a worker already fetched through `worker_get` (the record is one person's)."""
    return worker.employments.select_related("institution", "institution__district").order_by(
        "-start_date", "-id"
    )


def employment_get(user: User, pk: object) -> Employment:
    try:
        return Employment.objects.select_related("worker", "institution").get(
            pk=int(pk), worker__in=workers_visible_to(user)
        )
    except (Employment.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def worker_years_of_service(worker: Worker) -> float:
    periods = worker.employments.values_list("start_date", "end_date")
    return years_of_service(periods, today=timezone.localdate())


def worker_history(worker: Worker) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(worker_id=worker.pk).select_related("actor").order_by("-at", "-id")


def may_see_who_looked(user: User) -> bool:
    """Who is shown "who has looked at this person" on a record they can open: city administrators, and
    district administrators (whose pages are their district's people). The audit administrator, who opens
    no record, reads the same rows on the access log of reads."""
    return bool(user.is_authenticated and user.role in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN))


def worker_readers(user: User, worker: Worker, *, limit: int = 20) -> list[RecordAccess] | None:
    """The latest reads of a worker's record (views, unmaskings, lookups); None for those not allowed."""
    if not may_see_who_looked(user):
        return None
    return list(
        RecordAccess.objects.filter(worker_id=worker.pk)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


# ---------------------------------------------------------------- person pickers


PICKER_LIMIT = 10


def person_pool(user: User) -> QuerySet[Worker]:
    """Whom a person picker (enrolment, certificate forms) offers: the workers in an official's area; the whole
    registry for a training base or an evaluation body (they train and certify people from anywhere, and see
    only the masked row of those they pick); nobody for other roles."""
    scope = scope_of(user)
    if scope.level in (Level.BASE, Level.BODY):
        return Worker.objects.all()
    if scope.is_area:
        return workers_visible_to(user)
    return Worker.objects.none()


def person_search(
    user: User,
    text: str,
    *,
    pool: QuerySet[Worker] | None = None,
    channel: str = "web",
    limit: int = PICKER_LIMIT,
) -> list[Worker]:
    """People matching a picker's entry — a name, pinyin or initials, or a full ID number — among `pool`
    (person_pool by default), exact names first. A full ID number is a lookup: counted and logged like the
    registry's search box."""
    condition = search_condition(text)
    if condition is None:
        return []
    kind = identifier_kind(text)
    if kind is not None:
        access.lookup_admit(user)
    qs = (person_pool(user) if pool is None else pool).filter(condition)
    if kind is not None:
        _log_lookup(user, qs, condition, kind=kind, channel=channel)
    name = normalize_text(text).replace(" ", "")
    rows = list(qs.select_related("institution").order_by("name", "id")[: limit + 50])
    rows.sort(key=lambda w: (w.name != name, w.name, w.pk))
    return rows[:limit]


def person_resolve(
    user: User, text: str, *, chosen: str = "", pool: QuerySet[Worker] | None = None
) -> Worker:
    """The one person a picker field means. `chosen` is what the picker's list put in its hidden field when
    one was clicked (checked against the pool like the rest); without JavaScript the typed name, pinyin or
    ID number must name exactly one person (an exact name among several starting with it does). Raises
    ValueError with the message to show under the field."""
    pool = person_pool(user) if pool is None else pool
    chosen = normalize_text(chosen)
    if chosen.isdigit() and len(chosen) < 19:
        found = pool.filter(pk=int(chosen)).first()
        if found is not None:
            return found
    text = normalize_text(text)
    if not text:
        raise ValueError(_("Type the person's name, pinyin or ID number and choose them from the list."))
    rows = person_search(user, text, pool=pool, limit=PICKER_LIMIT)
    name = text.replace(" ", "")
    exact = [w for w in rows if w.name == name]
    if len(rows) == 1:
        return rows[0]
    if len(exact) == 1:
        return exact[0]
    if not rows:
        raise ValueError(
            _("Nobody you may choose matches “%(text)s”; check the name or type the 18-digit ID number.")
            % {"text": text[:40]}
        )
    raise ValueError(
        _("Several people match “%(text)s”; choose one from the list or type the 18-digit ID number.")
        % {"text": text[:40]}
    )


def person_row(worker: Worker) -> dict:
    """What a picker shows of a person: the name, the masked ID number and the current institution."""
    return {
        "key": str(worker.pk),
        "name": worker.name,
        "id_number": worker.id_number_masked,
        "institution": worker.institution.name if worker.institution_id else "",
    }
