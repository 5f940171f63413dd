"""Dashboard figures of recognition per district, one definition each.

awards              — awards made (any kind, any level) counted in the district of the worker when the
                      award was made (Award.district), in the year of the award (Award.year);
competition results — entrants of competitions whose results are published and who won a prize
                      (Entrant.prize not empty), counted in the entrant's district at entry, in the year of
                      the competition (Competition.held_on);
studios             — master studios founded by then (Studio.founded_on in or before the year);
settlement flags    — workers currently on the household-registration list (not withdrawn).

Awards and competition results are kept on the write side (RecognitionTally, one row per district and
year): `award_grant` and `results_publish` call `add()` in their own transaction (UPDATE … SET x = x + d,
so concurrent writers never lose a change); `computed()` derives the same from the records, `rebuild()`
rewrites the tallies from them (`careforce indicators_rebuild`), `differences()` compares the two. The
dashboard's indicators read them through `recognition_figures` (the metrics.py contract); studios and
settlement flags are small lists counted when the recognition page is read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import ExtractYear

from careforce.core.models import District, User
from careforce.core.scope import Level, scope_of
from careforce.recognition.models import Award, Entrant, RecognitionTally, SettlementFlag, Studio

FIELDS = ("awards", "prizes")


def add(district_id: int, year: int, **deltas: int) -> None:
    """Add to one district's figures of a year (inside the caller's transaction)."""
    changes = {name: F(name) + value for name, value in deltas.items() if value}
    if not changes:
        return
    from careforce.indicators import marks

    marks.touch(district_ids=[district_id])  # the dashboard reads this district again
    if RecognitionTally.objects.filter(district_id=district_id, year=year).update(**changes):
        return
    try:
        with transaction.atomic():
            RecognitionTally.objects.create(district_id=district_id, year=year, **deltas)
    except IntegrityError:  # made meanwhile by a concurrent writer: add to it
        RecognitionTally.objects.filter(district_id=district_id, year=year).update(**changes)


def kept(district_ids: Iterable[int] | None, year: int) -> dict[int, dict[str, int]]:
    qs = RecognitionTally.objects.filter(year=year)
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return {row["district_id"]: row for row in qs.values("district_id", *FIELDS)}


def recognition_figures(*, district_ids: Iterable[int] | None = None, year: int) -> dict[int, dict[str, int]]:
    """The metrics.py contract: {district id: {"awards": n, "prizes": n}} of the year, as kept."""
    return {d: {name: int(row[name]) for name in FIELDS} for d, row in kept(district_ids, year).items()}


def prize_winners(competition_id: int) -> dict[int, int]:
    """district → entrants of one competition who won a prize (what publishing it adds)."""
    return dict(
        Entrant.objects.filter(competition_id=competition_id)
        .exclude(prize="")
        .order_by()
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )


def computed() -> dict[tuple[int, int], dict[str, int]]:
    """{(district, year): figures} derived from the records."""
    out: dict[tuple[int, int], dict[str, int]] = {}
    awards = Award.objects.order_by().values("district_id", "year").annotate(n=Count("pk"))
    for row in awards:
        out.setdefault((row["district_id"], row["year"]), dict.fromkeys(FIELDS, 0))["awards"] = row["n"]
    prizes = (
        Entrant.objects.filter(competition__status="published")
        .exclude(prize="")
        .annotate(y=ExtractYear("competition__held_on"))
        .order_by()
        .values("district_id", "y")
        .annotate(n=Count("pk"))
    )
    for row in prizes:
        out.setdefault((row["district_id"], row["y"]), dict.fromkeys(FIELDS, 0))["prizes"] = row["n"]
    return out


def differences() -> list[str]:
    have = {
        (r.district_id, r.year): {f: getattr(r, f) for f in FIELDS} for r in RecognitionTally.objects.all()
    }
    want = computed()
    zero = dict.fromkeys(FIELDS, 0)
    return [
        f"district {key[0]}, {key[1]}: kept {have.get(key, zero)}, records {want.get(key, zero)}"
        for key in sorted(set(have) | set(want))
        if have.get(key, zero) != want.get(key, zero)
    ]


def rebuild_figures() -> int:
    """Rewrite every tally from the records (after a restore or a bulk load); returns the rows written."""
    rows = computed()
    RecognitionTally.objects.all().delete()
    RecognitionTally.objects.bulk_create(
        [RecognitionTally(district_id=d, year=y, **values) for (d, y), values in rows.items()]
    )
    return len(rows)


def figures_missing() -> bool:
    """Records but no kept figures yet (a database older than the tallies)."""
    return not RecognitionTally.objects.exists() and bool(computed())


def figures_by_district(user: User, year: int) -> list[dict]:
    """One row per district the user may see (city roles: all 41; district roles: their own)."""
    scope = scope_of(user)
    districts = District.objects.order_by("sort_order", "code")
    if scope.level == Level.DISTRICT:
        districts = districts.filter(pk=scope.district_id)
    elif scope.level != Level.CITY:
        return []
    ids = list(districts.values_list("pk", flat=True))

    def counted(qs) -> dict[int, int]:
        return dict(
            qs.filter(district_id__in=ids)
            .values("district_id")
            .annotate(n=Count("pk"))
            .values_list("district_id", "n")
            .order_by()
        )

    tallies = recognition_figures(district_ids=ids, year=year)
    studios = counted(Studio.objects.filter(founded_on__year__lte=year))
    flags = counted(SettlementFlag.objects.filter(withdrawn_on__isnull=True))
    return [
        {
            "district": district,
            "awards": tallies.get(district.pk, {}).get("awards", 0),
            "prizes": tallies.get(district.pk, {}).get("prizes", 0),
            "studios": studios.get(district.pk, 0),
            "settlement": flags.get(district.pk, 0),
        }
        for district in districts
    ]
