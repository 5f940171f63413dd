"""The dashboard's persisted summary: one narrow fact per worker and counters adjusted by difference.

Why: recomputing a district's figures from the registry's tables after every change costs seconds in a
large district (its wide worker rows are scattered over the table, the flows need per-post probes).
Instead each worker has a narrow row here (`WorkerFact`: district, institution, team, occupation,
gender, birth date, education, source channel, ownership and kind of the institution, first post, posts,
whether they are the head their institution names, and trained this year by the 领雁 rule), and every
figure of a district or institution is a counter equal to the sum of its workers' contributions
(`contribution`). When records change, `refresh` — called inside the change's own transaction, just before
it commits (marks.py) — re-reads only the workers named, compares the new fact with the stored one and adds
the difference of their contributions to the counters: a handful of small queries, the same for a district
of 100 or 100,000 workers.

What depends on the date is kept exact:
- age bands and years-since-first-post bands are counters computed for `FactState.as_of`; when the date
  moves, `roll` recomputes only the workers whose birth date or first post crossed a band boundary in
  between (a few dozen a day), found with the indexes on those dates;
- "head trained this year" (a fact field) is recomputed for every head when the year changes;
- month-bucketed history (full-time posts started and ended, joins, leaves) does not depend on the date:
  the window of the last 24 months is cut at read time (sources.figures_from_counters).

Everything happens in the writer's transaction under a lock (PostgreSQL advisory lock, held until the
commit), so concurrent writers apply their differences one after the other, each reading the registry as
committed plus its own change; refreshing a worker whose fact is already current changes nothing, which
makes it safe to refresh the same worker again (two transactions touching one person, a restart).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from careforce.indicators.models import DistrictCounter, FactState, InstitutionCounter, WorkerFact
from careforce.registry.verification import VERIFIED

AGE_BANDS = ((0, "<30"), (30, "30-39"), (40, "40-49"), (50, "50-59"), (60, "60+"))
SERVICE_BANDS = ((0, "<1"), (1, "1-2"), (3, "3-4"), (5, "5-9"), (10, "10+"))
ONE_DAY = datetime.timedelta(days=1)
LOCK_KEY = 60_06_2026  # pg_advisory_xact_lock key of the facts
CHUNK = 2000  # workers per query when refreshing a set
BUILD_CHUNK = 20_000  # worker ids per range when building everything

Key = tuple[int, str]


def years_before(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def band(day: datetime.date | None, today: datetime.date, bands) -> str:
    """The band of whole years between `day` and today (lower bound inclusive); no date: the first band."""
    if day is not None:
        for low, label in reversed(bands):
            if low and day <= years_before(today, low):
                return label
    return bands[0][1]


def month_key(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# ---------------------------------------------------------------- facts and what they contribute


@dataclass(frozen=True)
class Post:
    id: int
    district_id: int | None  # of the post's institution
    start: datetime.date
    end: datetime.date | None
    part_time: bool


@dataclass(frozen=True)
class Fact:
    worker_id: int
    district_id: int | None
    institution_id: int | None
    is_active: bool
    team: str
    occupation_id: int | None
    gender: str
    birth_date: datetime.date | None
    education: str
    source_channel: str
    ownership: str | None
    kind: str | None
    first_post: datetime.date | None
    trained: bool
    posts: tuple[Post, ...] = field(default=())
    is_head: bool = False  # the head (负责人) named by the institution the worker is placed at
    verified: bool = False  # the worker's record is verified (registry/verification.py VERIFIED)

    def districts(self) -> set[int]:
        out = {p.district_id for p in self.posts if p.district_id is not None}
        if self.district_id is not None:
            out.add(self.district_id)
        return out


# Month-end series kept besides all full-time posts, so that the stock figures built on a part of the
# workforce have a history too: the care team, social workers and care workers (by their current team and
# occupation: the registry keeps no history of those).
SERIES_TEAMS = {"care": "care"}
SERIES_OCCUPATIONS = {"social_worker": "sw", "care_worker": "cw"}


@dataclass(frozen=True)
class Rules:
    """What a contribution depends on besides the fact: the day of the bands, the series' occupations."""

    day: datetime.date
    series_occupations: tuple[tuple[int, str], ...] = ()  # (occupation id, series name)

    @staticmethod
    def is_head(f: Fact) -> bool:
        return f.is_active and f.institution_id is not None and f.is_head

    def series(self, f: Fact) -> list[str]:
        """The month-end series a worker's full-time posts count in, besides all posts."""
        out = [SERIES_TEAMS[f.team]] if f.team in SERIES_TEAMS else []
        out += [name for pk, name in self.series_occupations if pk == f.occupation_id]
        return out


def rules_for(day: datetime.date) -> Rules:
    from careforce.registry.models import Occupation

    codes = Occupation.objects.filter(code__in=SERIES_OCCUPATIONS).values_list("pk", "code")
    return Rules(day, tuple(sorted((pk, SERIES_OCCUPATIONS[code]) for pk, code in codes)))


def _is_join(post: Post, posts: Sequence[Post]) -> bool:
    """A post starting when the person held no other post the day before (sources' flow definition)."""
    before = post.start - ONE_DAY
    return not any(
        q.id != post.id
        and (q.start < post.start or (q.start == post.start and q.id < post.id))
        and (q.end is None or q.end >= before)
        for q in posts
    )


def _is_leave(post: Post, posts: Sequence[Post]) -> bool:
    """A post ending when the person holds no other post the day after."""
    after = post.end + ONE_DAY
    return not any(
        q.id != post.id
        and q.start <= after
        and (q.end is None or q.end > post.end or (q.end == post.end and q.id > post.id))
        for q in posts
    )


def contribution(f: Fact, rules: Rules) -> tuple[Counter, Counter]:
    """What one worker adds to the counters: ({(district, key): n}, {(institution, key): n}).

    Worker figures (active workers only, in the worker's district): workers, team, occupation, age band by
    gender, education, source channel, ownership and kind of the institution, years since the first post,
    heads and heads trained, verified records. History (every post, in its institution's district): full-time posts started
    and no longer held by month, joins and leaves by month."""
    d: Counter = Counter()
    i: Counter = Counter()
    if f.is_active and f.district_id is not None:
        k = f.district_id
        d[(k, "workers")] += 1
        d[(k, f"team:{f.team}")] += 1
        d[(k, f"occ:{f.occupation_id}")] += 1
        d[(k, f"age:{f.gender}:{band(f.birth_date, rules.day, AGE_BANDS)}")] += 1
        d[(k, f"education:{f.education}")] += 1
        d[(k, f"source_channel:{f.source_channel}")] += 1
        d[(k, f"service:{band(f.first_post, rules.day, SERVICE_BANDS)}")] += 1
        if f.ownership is not None:
            d[(k, f"ownership:{f.ownership}")] += 1
            d[(k, f"kind:{f.kind}")] += 1
        if f.institution_id is not None:
            j = f.institution_id
            i[(j, "workers")] += 1
            i[(j, f"team:{f.team}")] += 1
            i[(j, f"occ:{f.occupation_id}")] += 1
        if f.verified:
            d[(k, "verified_workers")] += 1
        if rules.is_head(f):
            d[(k, "heads")] += 1
            i[(f.institution_id, "heads")] += 1
            if f.trained:
                d[(k, "heads_trained")] += 1
                i[(f.institution_id, "heads_trained")] += 1
    series = ["", *(f".{name}" for name in rules.series(f))]
    for p in f.posts:
        if p.district_id is None:
            continue
        k = p.district_id
        if not p.part_time:
            # Held at the end of month M  <=>  started by M and (open, or its day after ending is past M).
            for s in series:
                d[(k, f"ft_start{s}:{month_key(p.start)}")] += 1
                if p.end is not None:
                    d[(k, f"ft_gone{s}:{month_key(p.end + ONE_DAY)}")] += 1
        if _is_join(p, f.posts):
            d[(k, f"join:{month_key(p.start)}")] += 1
        if p.end is not None and _is_leave(p, f.posts):
            d[(k, f"leave:{month_key(p.end)}")] += 1
    return d, i


def _add(target: Counter, part: Counter, sign: int) -> None:
    for key, n in part.items():
        target[key] += sign * n


# ---------------------------------------------------------------- encoding and reading facts


def encode_posts(posts: Iterable[Post]) -> str:
    return ";".join(
        f"{p.id}|{p.district_id if p.district_id is not None else ''}|{p.start.isoformat()}|"
        f"{p.end.isoformat() if p.end else ''}|{1 if p.part_time else 0}"
        for p in posts
    )


def decode_posts(text: str) -> tuple[Post, ...]:
    if not text:
        return ()
    out = []
    for item in text.split(";"):
        pk, district, start, end, part = item.split("|")
        out.append(
            Post(
                int(pk),
                int(district) if district else None,
                datetime.date.fromisoformat(start),
                datetime.date.fromisoformat(end) if end else None,
                part == "1",
            )
        )
    return tuple(out)


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


FACT_FIELDS = (
    "worker_id",
    "district_id",
    "institution_id",
    "is_active",
    "team",
    "occupation_id",
    "gender",
    "birth_date",
    "education",
    "source_channel",
    "ownership",
    "kind",
    "first_post",
    "trained",
    "posts",
    "is_head",
    "verified",
)


def _fact(
    wid,
    district,
    inst,
    active,
    team,
    occ,
    gender,
    birth,
    edu,
    channel,
    own,
    kind,
    head=False,
    verified=False,
    *,
    first,
    trained,
    posts,
) -> Fact:
    """A Fact from the worker's columns (as the registry query and the facts table both give them)."""
    return Fact(
        int(wid),
        district,
        inst,
        bool(active),
        team or "",
        occ,
        gender or "",
        _date(birth),
        edu or "",
        channel or "",
        own,
        kind,
        first,
        trained,
        posts,
        bool(head),
        bool(verified),
    )


def _fact_from_row(row: Sequence) -> Fact:
    *worker, first, trained, posts, head, verified = row
    return _fact(
        *worker, head, verified, first=_date(first), trained=bool(trained), posts=decode_posts(posts or "")
    )


def _fact_values(f: Fact) -> list:
    return [
        f.worker_id,
        f.district_id,
        f.institution_id,
        f.is_active,
        f.team,
        f.occupation_id,
        f.gender,
        f.birth_date,
        f.education,
        f.source_channel,
        f.ownership,
        f.kind,
        f.first_post,
        f.trained,
        encode_posts(f.posts),
        f.is_head,
        f.verified,
    ]


def stored(worker_ids: Sequence[int]) -> dict[int, Fact]:
    out: dict[int, Fact] = {}
    for chunk in _chunks(worker_ids, CHUNK):
        for row in WorkerFact.objects.filter(worker_id__any_of=chunk).values_list(*FACT_FIELDS):
            fact = _fact_from_row(row)
            out[fact.worker_id] = fact
    return out


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# registry/verification.py's one definition of a verified record, as SQL over registry_worker w.
_VERIFIED_SQL = "w.verification IN ({})".format(", ".join(f"'{v.value}'" for v in VERIFIED))
_WORKER_SQL = (
    "SELECT w.id, w.district_id, w.institution_id, w.is_active, w.team, w.occupation_id, w.gender,"
    " w.birth_date, w.education, w.source_channel, i.ownership, i.kind,"
    " CASE WHEN i.head_id = w.id THEN 1 ELSE 0 END,"
    f" CASE WHEN {_VERIFIED_SQL} THEN 1 ELSE 0 END"
    " FROM registry_worker w LEFT JOIN institutions_institution i ON i.id = w.institution_id WHERE {where}"
)
_POST_SQL = (
    "SELECT e.worker_id, e.id, i.district_id, e.start_date, e.end_date, e.is_part_time"
    " FROM registry_employment e JOIN institutions_institution i ON i.id = e.institution_id WHERE {where}"
    " ORDER BY e.worker_id, e.start_date, e.id"
)


def _trained(head_ids: Iterable[int], year: int) -> set[int]:
    """Heads trained in `year` by the one 领雁 rule (training's contract, metrics.heads_trained)."""
    from careforce.indicators import sources

    ids = list(head_ids)
    if not ids or not sources.has("training", "heads_trained"):
        return set()
    return sources.contract("training").heads_trained(ids, year=year)


def _from_source(where: str, params: list, rules: Rules) -> dict[int, Fact]:
    """The facts of the workers matching `where` (on registry_worker w / registry_employment e), as the
    registry holds them now."""
    with connection.cursor() as cursor:
        cursor.execute(_WORKER_SQL.format(where=where.format(column="w.id")), params)
        workers = cursor.fetchall()
        cursor.execute(_POST_SQL.format(where=where.format(column="e.worker_id")), params)
        post_rows = cursor.fetchall()
    posts: dict[int, list[Post]] = {}
    for wid, pk, district, start, end, part in post_rows:
        posts.setdefault(wid, []).append(Post(pk, district, _date(start), _date(end), bool(part)))
    out: dict[int, Fact] = {}
    heads: list[int] = []
    for worker in workers:
        mine = tuple(posts.get(worker[0], ()))
        fact = _fact(*worker, first=min((p.start for p in mine), default=None), trained=False, posts=mine)
        out[fact.worker_id] = fact
        if rules.is_head(fact):
            heads.append(fact.worker_id)
    for wid in _trained(heads, rules.day.year):
        out[wid] = replace(out[wid], trained=True)
    return out


def _ids_where(ids: Sequence[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        # One array parameter: psycopg re-parses a query of 2,000 placeholders on every call.
        return "{column} = ANY(%s)", [list(ids)]
    return "{column} IN (" + ", ".join(["%s"] * len(ids)) + ")", list(ids)


def forget() -> None:
    """Drop what this module remembers per process (tests, engine.reset): nothing at present."""


# ---------------------------------------------------------------- writing


def _lock(*, large: bool = False) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            if large:  # JIT compiles big plans for a second each; the build's queries run in milliseconds
                cursor.execute("SET LOCAL jit = off")


def _apply(districts: Counter, institutions: Counter) -> None:
    """Add the differences to the counters: one upsert a row, sent together (zero differences skipped)."""
    for table, column, delta in (
        (DistrictCounter._meta.db_table, "district_id", districts),
        (InstitutionCounter._meta.db_table, "institution_id", institutions),
    ):
        rows = [(owner, key, n) for (owner, key), n in delta.items() if n and owner is not None]
        if not rows:
            continue
        sql = (
            f"INSERT INTO {table} ({column}, key, n) VALUES (%s, %s, %s)"
            f" ON CONFLICT ({column}, key) DO UPDATE SET n = {table}.n + excluded.n"
        )
        # executemany: one short statement, pipelined on PostgreSQL (a multi-row VALUES of thousands of
        # placeholders is re-parsed by the driver on every call).
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _write_facts(remove: Sequence[int], facts: Sequence[Fact], *, new: Iterable[int] = ()) -> None:
    """Store these facts (replacing the workers' old ones) and delete the facts of `remove` that are not
    among them (workers gone). Workers in `new` have no stored fact yet: COPY on PostgreSQL (a build, or
    the people an import registered); the others one upsert a row, sent together."""
    keep = {f.worker_id for f in facts}
    gone = [w for w in remove if w not in keep]
    for chunk in _chunks(gone, CHUNK):
        WorkerFact.objects.filter(worker_id__any_of=chunk).delete()
    if not facts:
        return
    columns = ", ".join(FACT_FIELDS)
    fresh = set(new)
    if connection.vendor == "postgresql" and fresh:
        sql = f"COPY {WorkerFact._meta.db_table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for f in facts:
                if f.worker_id in fresh:
                    copy.write_row(_fact_values(f))
        facts = [f for f in facts if f.worker_id not in fresh]
    if not facts:
        return
    row = "(" + ", ".join(["%s"] * len(FACT_FIELDS)) + ")"
    update = ", ".join(f"{name} = excluded.{name}" for name in FACT_FIELDS[1:])
    sql = (
        f"INSERT INTO {WorkerFact._meta.db_table} ({columns}) VALUES {row}"
        f" ON CONFLICT (worker_id) DO UPDATE SET {update}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [_fact_values(f) for f in facts])


def _insert_counters(districts: Counter, institutions: Counter) -> None:
    """Write the counters into empty tables (a build): COPY on PostgreSQL."""
    if connection.vendor != "postgresql":
        _apply(districts, institutions)
        return
    for model, column, totals in (
        (DistrictCounter, "district_id", districts),
        (InstitutionCounter, "institution_id", institutions),
    ):
        sql = f"COPY {model._meta.db_table} ({column}, key, n) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for (owner, key), n in totals.items():
                if n and owner is not None:
                    copy.write_row((owner, key, n))


# ---------------------------------------------------------------- the state, refresh, roll, build


def _state_for_update() -> FactState | None:
    _lock()
    return FactState.objects.select_for_update().order_by("pk").first()


def state() -> FactState | None:
    return FactState.objects.order_by("pk").first()


@dataclass
class Outcome:
    districts: set[int] = field(default_factory=set)  # whose figures may differ now
    institutions: set[int] = field(default_factory=set)
    everything: bool = False  # a full build or a date roll: every district may differ


def refresh(worker_ids: Iterable[int]) -> Outcome:
    """Bring these workers' facts and the counters up to date with the registry (idempotent), inside the
    caller's transaction and under the facts' lock (held until it commits). Builds everything first when
    nothing was ever built, and rolls the date bands forward when the day changed."""
    ids = sorted({int(i) for i in worker_ids if i})
    with transaction.atomic():
        current = _state_for_update()
        outcome = Outcome()
        if current is None:
            build()
            return Outcome(everything=True)
        today = timezone.localdate()
        if current.as_of != today:
            roll(current, today)
            outcome.everything = True
        rules = rules_for(current.as_of)
        # The differences of all chunks are added up before touching the counters: after an import the
        # same few thousand (district or institution, figure) pairs would otherwise be upserted per chunk.
        d_delta: Counter = Counter()
        i_delta: Counter = Counter()
        for chunk in _chunks(ids, CHUNK):
            _refresh_chunk(chunk, rules, outcome, d_delta, i_delta)
        _apply(d_delta, i_delta)
    return outcome


def _refresh_chunk(
    ids: list[int], rules: Rules, outcome: Outcome, d_delta: Counter, i_delta: Counter
) -> None:
    where, params = _ids_where(ids)
    old = stored(ids)
    new = _from_source(where, params, rules)
    changed: list[int] = []
    for wid in ids:
        before, after = old.get(wid), new.get(wid)
        for fact in (before, after):
            if fact is not None:
                outcome.districts |= fact.districts()
                if fact.institution_id is not None:
                    outcome.institutions.add(fact.institution_id)
        if before == after:
            continue
        changed.append(wid)
        for fact, sign in ((before, -1), (after, 1)):
            if fact is not None:
                d, i = contribution(fact, rules)
                _add(d_delta, d, sign)
                _add(i_delta, i, sign)
    _write_facts(changed, [new[w] for w in changed if w in new], new=[w for w in changed if w not in old])


def workers_of_institutions(institution_ids: Iterable[int]) -> set[int]:
    """Workers whose facts depend on these institutions: placed there, or with a post there."""
    from careforce.registry.models import Employment, Worker

    ids = list({int(i) for i in institution_ids if i})
    if not ids:
        return set()
    out = set(Worker.objects.filter(institution_id__in=ids).values_list("pk", flat=True))
    out |= set(Employment.objects.filter(institution_id__in=ids).values_list("worker_id", flat=True))
    return out


def roll(current: FactState, today: datetime.date) -> None:
    """Move the date bands from `current.as_of` to today (inside refresh's transaction, under the lock):
    only workers whose birth date or first post lies between the two days' band boundaries change band.
    A new year recomputes every head's "trained this year"."""
    old_day = current.as_of
    old_rules, new_rules = rules_for(old_day), rules_for(today)
    ranges: list[str] = []
    params: list = []
    for column, bands in (("birth_date", AGE_BANDS), ("first_post", SERVICE_BANDS)):
        for low, _label in bands:
            if not low:
                continue
            a, b = sorted((years_before(old_day, low), years_before(today, low)))
            if a != b:
                ranges.append(f"({column} > %s AND {column} <= %s)")
                params += [a, b]
    if ranges:
        rows = WorkerFact.objects.raw(
            f"SELECT * FROM {WorkerFact._meta.db_table} WHERE is_active AND ({' OR '.join(ranges)})", params
        )
        d_delta: Counter = Counter()
        for obj in rows:
            fact = _fact_from_row([getattr(obj, name) for name in FACT_FIELDS])
            _add(d_delta, contribution(fact, old_rules)[0], -1)
            _add(d_delta, contribution(fact, new_rules)[0], 1)
        _apply(d_delta, Counter())
    current.as_of = today
    current.save(update_fields=["as_of", "built_at"])
    if old_day.year != today.year:
        heads = list(
            WorkerFact.objects.filter(is_head=True, is_active=True).values_list("worker_id", flat=True)
        )
        outcome = Outcome()
        d_delta, i_delta = Counter(), Counter()
        for chunk in _chunks(heads, CHUNK):
            _refresh_chunk(chunk, new_rules, outcome, d_delta, i_delta)
        _apply(d_delta, i_delta)


def build(*, log: Callable[[str], None] | None = None) -> FactState:
    """Recompute every fact and counter from the registry (the first time, or after a bulk load that
    bypassed the services). On PostgreSQL set-based, a few statements over the whole registry (under a
    minute at 1,000,000 workers); elsewhere one pass over the workers by id ranges."""
    with transaction.atomic():
        _lock(large=True)
        today = timezone.localdate()
        rules = rules_for(today)
        if connection.vendor == "postgresql":
            _build_set_based(rules, log=log)
        else:
            _build_by_ranges(rules, log=log)
        current = FactState.objects.order_by("pk").first() or FactState(as_of=today)
        current.as_of = today
        current.save()
        FactState.objects.exclude(pk=current.pk).delete()
    return current


def _build_by_ranges(rules: Rules, *, log: Callable[[str], None] | None) -> None:
    for model in (WorkerFact, DistrictCounter, InstitutionCounter):
        model.objects.all().delete()
    from careforce.registry.models import Worker

    last = Worker.objects.aggregate(m=Max("id"))["m"] or 0
    d_total: Counter = Counter()
    i_total: Counter = Counter()
    done = 0
    for low in range(0, last + 1, BUILD_CHUNK):
        facts = _from_source("{column} >= %s AND {column} < %s", [low, low + BUILD_CHUNK], rules).values()
        for fact in facts:
            d, i = contribution(fact, rules)
            d_total.update(d)
            i_total.update(i)
        facts = list(facts)
        _write_facts((), facts, new=[f.worker_id for f in facts])
        done += len(facts)
        if log:
            log(f"  facts {done:,}")
    _insert_counters(d_total, i_total)


# ---------------------------------------------------------------- the set-based build (PostgreSQL)
# The same facts and contributions as _from_source and contribution(), written as SQL over the whole
# registry; tests compare the two paths' facts and counters row for row.

_FACTS_SQL = """
INSERT INTO {fact} ({columns})
SELECT w.id, w.district_id, w.institution_id, w.is_active, w.team, w.occupation_id, w.gender,
       w.birth_date, w.education, w.source_channel, i.ownership, i.kind,
       p.first_post, false, coalesce(p.posts, ''), coalesce(i.head_id = w.id, false), {verified}
FROM registry_worker w
LEFT JOIN institutions_institution i ON i.id = w.institution_id
LEFT JOIN (
    SELECT e.worker_id, min(e.start_date) AS first_post,
           string_agg(
               e.id::text || '|' || coalesce(ei.district_id::text, '') || '|' || to_char(e.start_date, 'YYYY-MM-DD')
               || '|' || coalesce(to_char(e.end_date, 'YYYY-MM-DD'), '') || '|'
               || CASE WHEN e.is_part_time THEN '1' ELSE '0' END,
               ';' ORDER BY e.start_date, e.id
           ) AS posts
    FROM registry_employment e JOIN institutions_institution ei ON ei.id = e.institution_id
    GROUP BY e.worker_id
) p ON p.worker_id = w.id
"""

_BAND_SQL = "CASE {cases} ELSE %s END"


def _band_sql(column: str, bands, today: datetime.date) -> tuple[str, list]:
    """band() as SQL: the highest band whose lower bound the date reaches (no date: the first band)."""
    cases, params = [], []
    for low, label in reversed(bands):
        if low:
            cases.append(f"WHEN {column} <= %s THEN %s")
            params += [years_before(today, low), label]
    return _BAND_SQL.format(cases=" ".join(cases)), [*params, bands[0][1]]


def _worker_keys_sql(rules: Rules) -> tuple[str, list]:
    """The worker dimensions each active worker adds to their district (contribution(), first part)."""
    age, age_params = _band_sql("f.birth_date", AGE_BANDS, rules.day)
    service, service_params = _band_sql("f.first_post", SERVICE_BANDS, rules.day)
    head = "(f.is_head AND f.institution_id IS NOT NULL)"
    keys = (
        "('workers')",
        "('team:' || f.team)",
        "('occ:' || coalesce(f.occupation_id::text, 'None'))",
        f"('age:' || f.gender || ':' || {age})",
        "('education:' || f.education)",
        "('source_channel:' || f.source_channel)",
        f"('service:' || {service})",
        "(CASE WHEN f.ownership IS NOT NULL THEN 'ownership:' || f.ownership END)",
        "(CASE WHEN f.ownership IS NOT NULL THEN 'kind:' || f.kind END)",
        f"(CASE WHEN {head} THEN 'heads' END)",
        f"(CASE WHEN {head} AND f.trained THEN 'heads_trained' END)",
        "(CASE WHEN f.verified THEN 'verified_workers' END)",
    )
    return ", ".join(keys), [*age_params, *service_params]


_INSTITUTION_KEYS = (
    "('workers')",
    "('team:' || f.team)",
    "('occ:' || coalesce(f.occupation_id::text, 'None'))",
    "(CASE WHEN f.is_head THEN 'heads' END)",
    "(CASE WHEN f.is_head AND f.trained THEN 'heads_trained' END)",
)

_HISTORY_SQL = """
WITH posts AS (
    SELECT e.id, e.worker_id, i.district_id, e.start_date, e.end_date, e.is_part_time, f.team, f.occupation_id,
           max(coalesce(e.end_date, 'infinity'::date)) OVER (
               PARTITION BY e.worker_id ORDER BY e.start_date, e.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS before_end,
           min(e.start_date) OVER (
               PARTITION BY e.worker_id ORDER BY coalesce(e.end_date, 'infinity'::date), e.id
               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
           ) AS after_start
    FROM registry_employment e
    JOIN institutions_institution i ON i.id = e.institution_id
    JOIN {fact} f ON f.worker_id = e.worker_id
), series AS (
    SELECT posts.*, s.name
    FROM posts CROSS JOIN LATERAL (VALUES
        (''),
        (CASE {team_cases} END),
        (CASE {occupation_cases} END)
    ) AS s(name)
    WHERE s.name IS NOT NULL AND NOT posts.is_part_time
)
INSERT INTO {counter} (district_id, key, n)
SELECT district_id, key, count(*) FROM (
    SELECT district_id, 'ft_start' || name || ':' || to_char(start_date, 'YYYY-MM') AS key FROM series
    UNION ALL
    SELECT district_id, 'ft_gone' || name || ':' || to_char(end_date + 1, 'YYYY-MM') FROM series
    WHERE end_date IS NOT NULL
    UNION ALL
    SELECT district_id, 'join:' || to_char(start_date, 'YYYY-MM') FROM posts
    WHERE before_end IS NULL OR before_end < start_date - 1
    UNION ALL
    SELECT district_id, 'leave:' || to_char(end_date, 'YYYY-MM') FROM posts
    WHERE end_date IS NOT NULL AND (after_start IS NULL OR after_start > end_date + 1)
) k
WHERE district_id IS NOT NULL
GROUP BY district_id, key
ON CONFLICT (district_id, key) DO UPDATE SET n = {counter}.n + excluded.n
"""


def _build_set_based(rules: Rules, *, log: Callable[[str], None] | None) -> None:
    fact, d_table = WorkerFact._meta.db_table, DistrictCounter._meta.db_table
    i_table = InstitutionCounter._meta.db_table

    def step(label: str, sql: str, params: list | tuple = ()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        if log:
            log(f"  {label}")

    step("emptied", f"TRUNCATE {fact}, {d_table}, {i_table}")
    step("facts", _FACTS_SQL.format(fact=fact, columns=", ".join(FACT_FIELDS), verified=_VERIFIED_SQL))
    # Heads trained by the one 领雁 rule (training's contract), over the heads only.
    heads = list(
        WorkerFact.objects.filter(is_head=True, is_active=True, institution_id__isnull=False).values_list(
            "worker_id", flat=True
        )
    )
    trained = sorted(_trained(heads, rules.day.year))
    if trained:
        step("heads trained", f"UPDATE {fact} SET trained = true WHERE worker_id = ANY(%s)", [trained])
    keys, params = _worker_keys_sql(rules)
    step(
        "district counters",
        f"INSERT INTO {d_table} (district_id, key, n)"
        f" SELECT f.district_id, k.key, count(*) FROM {fact} f"
        f" CROSS JOIN LATERAL (VALUES {keys}) AS k(key)"
        " WHERE f.is_active AND f.district_id IS NOT NULL AND k.key IS NOT NULL"
        " GROUP BY f.district_id, k.key",
        params,
    )
    step(
        "institution counters",
        f"INSERT INTO {i_table} (institution_id, key, n)"
        f" SELECT f.institution_id, k.key, count(*) FROM {fact} f"
        f" CROSS JOIN LATERAL (VALUES {', '.join(_INSTITUTION_KEYS)}) AS k(key)"
        " WHERE f.is_active AND f.district_id IS NOT NULL AND f.institution_id IS NOT NULL"
        " AND k.key IS NOT NULL"
        " GROUP BY f.institution_id, k.key",
    )
    team_cases = " ".join(f"WHEN posts.team = '{team}' THEN '.{name}'" for team, name in SERIES_TEAMS.items())
    occupation_cases = " ".join(
        f"WHEN posts.occupation_id = {int(pk)} THEN '.{name}'" for pk, name in rules.series_occupations
    )
    step(
        "history",
        _HISTORY_SQL.format(
            fact=fact,
            counter=d_table,
            team_cases=team_cases,
            occupation_cases=occupation_cases or "WHEN false THEN NULL",
        ),
    )
