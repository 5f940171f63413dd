"""Dashboard figures of recognition per district, one definition each (read-only aggregates).

awards              — awards made (any kind, any level) counted in the district of the worker when the
                      award was made (Award.district), in the year asked (Award.year);
competition results — entrants of competitions whose results are published and who won a prize
                      (Entrant.prize not empty), counted in the entrant's district at entry, in the year of
                      the competition (Competition.held_on);
studios             — master studios founded by then (Studio.founded_on in or before the year);
settlement flags    — workers currently on the household-registration list (not withdrawn).
"""

from __future__ import annotations

from django.db.models import Count

from careforce.core.models import District, User
from careforce.core.scope import Level, scope_of
from careforce.recognition.models import Award, Entrant, SettlementFlag, Studio


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

    awards = counted(Award.objects.filter(year=year))
    prizes = counted(
        Entrant.objects.filter(competition__status="published", competition__held_on__year=year).exclude(
            prize=""
        )
    )
    studios = counted(Studio.objects.filter(founded_on__year__lte=year))
    flags = counted(SettlementFlag.objects.filter(withdrawn_on__isnull=True))
    return [
        {
            "district": district,
            "awards": awards.get(district.pk, 0),
            "prizes": prizes.get(district.pk, 0),
            "studios": studios.get(district.pk, 0),
            "settlement": flags.get(district.pk, 0),
        }
        for district in districts
    ]
