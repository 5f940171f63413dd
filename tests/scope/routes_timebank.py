"""Time-bank routes: volunteers (the worker account sees its own volunteer record and writes its own
requests), service records and orders (the site's institution, the districts of the site and the volunteer)."""

from careforce.timebank import services
from tests import factories_timebank as ft
from tests.scope.common import READ, WRITE, Route


def _bureaus(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (role == "district_admin" and in_scope)


def _volunteer_or_bureau(role: str, in_scope: bool) -> bool:
    """The volunteer themself (the worker account linked to them) or the bureau that manages them."""
    return role == "city_admin" or (role in ("district_admin", "worker") and in_scope)


def _anyone_on_the_order(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (role in ("district_admin", "worker", "institution_admin") and in_scope)


V = "/api/v1/timebank/volunteers/{volunteer_id}"
R = "/api/v1/timebank/records/{record_id}"
ORD = "/api/v1/timebank/orders/{order_id}"

ROUTES = [
    Route("timebank:volunteer_detail", "volunteer", READ),
    Route("timebank:statement_xlsx", "volunteer", READ),
    Route("timebank:statement_page", "volunteer", READ),
    Route("timebank:relative_create", "volunteer", WRITE, "post", expect=_volunteer_or_bureau),
    Route("timebank:order_create", "volunteer", WRITE, "post", expect=_volunteer_or_bureau),
    Route("timebank:transfer_create", "volunteer", WRITE, "post", expect=_volunteer_or_bureau),
    Route("timebank:donation_create", "volunteer", WRITE, "post", expect=_volunteer_or_bureau),
    Route("timebank:redemption_create", "volunteer", WRITE, "post", expect=_volunteer_or_bureau),
    Route("timebank:account_create", "volunteer", WRITE, "post", expect=_bureaus),
    Route(f"GET {V}", "volunteer", READ),
    Route(f"GET {V}/statement", "volunteer", READ),
    Route(f"GET {V}/relatives", "volunteer", READ),
    Route(f"POST {V}/relatives", "volunteer", WRITE, "post", {}, expect=_volunteer_or_bureau),
    Route(f"POST {V}/orders", "volunteer", WRITE, "post", {}, expect=_volunteer_or_bureau),
    Route(f"POST {V}/transfers", "volunteer", WRITE, "post", {}, expect=_volunteer_or_bureau),
    Route(f"POST {V}/donations", "volunteer", WRITE, "post", {}, expect=_volunteer_or_bureau),
    Route(f"POST {V}/redemptions", "volunteer", WRITE, "post", {}, expect=_volunteer_or_bureau),
    Route(f"POST {V}/grants", "volunteer", WRITE, "post", {}, expect=_bureaus),
    Route("timebank:record_detail", "record", READ),
    Route("timebank:record_check", "record", WRITE, "post", expect=_bureaus),
    Route("timebank:record_verify", "record", WRITE, "post"),
    Route("timebank:record_reject", "record", WRITE, "post"),
    Route(f"GET {R}", "record", READ),
    Route(f"POST {R}/check", "record", WRITE, "post", {}, expect=_bureaus),
    Route(f"POST {R}/verify", "record", WRITE, "post", {}),
    Route(f"POST {R}/reject", "record", WRITE, "post", {}),
    Route("timebank:order_detail", "order", READ),
    Route("timebank:order_deliver", "order", WRITE, "post"),
    Route("timebank:order_confirm", "order", WRITE, "post", expect=_volunteer_or_bureau),
    Route("timebank:order_cancel", "order", WRITE, "post", expect=_anyone_on_the_order),
    Route(f"GET {ORD}", "order", READ),
    Route(f"POST {ORD}/deliver", "order", WRITE, "post", {}),
    Route(f"POST {ORD}/confirm", "order", WRITE, "post", {}, expect=_volunteer_or_bureau),
    Route(f"POST {ORD}/cancel", "order", WRITE, "post", {}, expect=_anyone_on_the_order),
]


def make_targets(city, world):
    from careforce.timebank.models import Rules

    Rules.objects.update(min_withdrawal_age=0)
    _users, targets = world
    out = {}
    for in_scope, code in ((True, "500103"), (False, "500105")):
        site = ft.site(city, district=code, institution=targets[in_scope]["institution"].pk)
        volunteer = ft.volunteer(city, district=code, worker=targets[in_scope]["worker"].pk)
        ft.deposit(city, volunteer, site, "3")
        record = services.record_submit(
            actor=city,
            data={
                "source_key": f"scope-{code}",
                "volunteer": volunteer,
                "site": site.pk,
                "kind": "meals",
                "recipient": "王奶奶",
                "served_on": "2026-11-02",
                "hours": "1",
            },
        )
        order = services.order_request(
            actor=city, volunteer=volunteer, data={"site": site.pk, "kind": "meals", "hours": "1"}
        )
        out[in_scope] = {"volunteer": volunteer, "record": record, "order": order}
    return out
