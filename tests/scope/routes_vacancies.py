"""Vacancy routes: a vacancy is seen by its institution, its district and the city (auditors read); job
seekers by their district and the city, and by an institution whose live vacancy they match. Only the
city and the seeker's district record a withdrawn consent; workers see none of it."""

from tests import factories_vacancies as fv
from tests.scope.common import READ, WRITE, Route


def _staff(role: str, in_scope: bool) -> bool:
    if role in ("city_admin", "auditor_city"):
        return True
    return role in ("district_admin", "institution_admin", "auditor_district") and in_scope


def _bureaus(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (role == "district_admin" and in_scope)


V = "/api/v1/vacancies/{vacancy_id}"
S = "/api/v1/vacancies/seekers/{seeker_id}"

ROUTES = [
    Route("vacancies:vacancy_detail", "vacancy", READ, expect=_staff),
    Route(f"GET {V}", "vacancy", READ, expect=_staff),
    Route(f"GET {V}/matches", "vacancy", READ, expect=_staff),
    Route("vacancies:vacancy_hire", "vacancy", WRITE, "post"),
    Route(f"POST {V}/hires", "vacancy", WRITE, "post", {}),
    Route("vacancies:seeker_detail", "seeker", READ, expect=_staff),
    Route(f"GET {S}", "seeker", READ, expect=_staff),
    # Writes that change the record come last: the routes above still see it as it was.
    Route("vacancies:vacancy_close", "vacancy", WRITE, "post"),
    Route(f"POST {V}/close", "vacancy", WRITE, "post", {}),
    Route("vacancies:seeker_withdraw", "seeker", WRITE, "post", expect=_bureaus),
    Route(f"POST {S}/withdraw-consent", "seeker", WRITE, "post", {}, expect=_bureaus),
]


def make_targets(city, world):
    _users, targets = world
    out = {}
    for in_scope, code in ((True, "500103"), (False, "500105")):
        institution = targets[in_scope]["institution"]
        vacancy = fv.vacancy(city, institution)
        # A second live vacancy keeps the seeker matched (visible to the institution) after the first closes.
        fv.vacancy(city, institution)
        seeker = fv.seeker(city, district=code)
        out[in_scope] = {"vacancy": vacancy, "seeker": seeker}
    return out
