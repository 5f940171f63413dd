"""Training routes: in-scope sessions are held at the 渝中 training base, out-of-scope ones at the 江北 base."""

import datetime

from careforce.core.models import District
from careforce.training import services
from tests import factories_training as ft
from tests.scope.common import READ, ROLES, WRITE, Route

BASE = ("training_base",)  # the base's account runs the sessions held at it, and courses only held there


def _staff_sees(role: str, in_scope: bool) -> bool:
    return role != "worker" and ROLES[role][0 if in_scope else 1]


def _district_organiser(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (role == "district_admin" and in_scope)


def _learner_or_organiser(role: str, in_scope: bool) -> bool:
    """An online course's progress: the worker on it, or those who organise it (writers who see it)."""
    return role == "city_admin" or (in_scope and role in ("district_admin", "institution_admin", "worker"))


ROUTES = [
    Route("training:session_detail", "session", READ, owners=BASE),
    Route("training:session_enrol", "session", WRITE, "post", owners=BASE),
    Route("training:session_complete", "session", WRITE, "post", owners=BASE),
    Route("training:lesson_create", "session", WRITE, "post", owners=BASE),
    Route("training:session_edit", "session", WRITE, owners=BASE),
    Route("training:session_edit", "session", WRITE, "post", owners=BASE),
    Route("training:course_edit", "session", WRITE, owners=BASE),
    Route("training:course_edit", "session", WRITE, "post", owners=BASE),
    Route("training:session_register", "session", READ, expect=_staff_sees, owners=BASE),
    Route("training:attendance_save", "session", WRITE, "post", owners=BASE),
    Route("training:results_save", "session", WRITE, "post", owners=BASE),
    Route("training:heads_enrol", "heads_session", WRITE, "post", expect=_district_organiser),
    Route(
        "training:learn_start", "online_session", WRITE, "post", expect=lambda role, s: role == "worker" and s
    ),
    Route("training:learning", "online_enrolment", READ),
    Route("training:completion_validity", "completion", READ, owners=BASE),
    Route("training:completion_validity", "completion", WRITE, "post", owners=BASE),
    Route(
        "POST /api/v1/training/sessions/{session_id}/start",
        "online_session",
        WRITE,
        "post",
        {},
        expect=lambda role, s: role == "worker" and s,
    ),
    Route("GET /api/v1/training/enrolments/{enrolment_id}/progress", "online_enrolment", READ),
    Route(
        "POST /api/v1/training/enrolments/{enrolment_id}/progress",
        "online_enrolment",
        WRITE,
        "post",
        {},
        expect=_learner_or_organiser,
    ),
    Route(
        "POST /api/v1/training/enrolments/{enrolment_id}/opened",
        "online_enrolment",
        WRITE,
        "post",
        {},
        expect=_learner_or_organiser,
    ),
    Route("training:base_detail", "base", READ, expect=_staff_sees, owners=BASE),
    Route("training:base_edit", "base", WRITE, expect=_district_organiser),
    Route("training:base_edit", "base", WRITE, "post", expect=_district_organiser),
    Route("GET /api/v1/training/bases/{base_id}", "base", READ, expect=_staff_sees, owners=BASE),
    Route("PATCH /api/v1/training/bases/{base_id}", "base", WRITE, "patch", {}, expect=_district_organiser),
    Route("GET /api/v1/training/sessions/{session_id}", "session", READ, owners=BASE),
    Route("GET /api/v1/training/sessions/{session_id}/enrolments", "session", READ, owners=BASE),
    Route(
        "POST /api/v1/training/sessions/{session_id}/enrolments", "session", WRITE, "post", {}, owners=BASE
    ),
    Route(
        "POST /api/v1/training/sessions/{session_id}/completions", "session", WRITE, "post", {}, owners=BASE
    ),
    Route("PATCH /api/v1/training/sessions/{session_id}", "session", WRITE, "patch", {}, owners=BASE),
    Route("PATCH /api/v1/training/courses/{course_id}", "course", WRITE, "patch", {}, owners=BASE),
    Route("GET /api/v1/training/sessions/{session_id}/attendance", "session", READ, owners=BASE),
    Route(
        "POST /api/v1/training/sessions/{session_id}/attendance", "session", WRITE, "post", {}, owners=BASE
    ),
    Route("POST /api/v1/training/sessions/{session_id}/results", "session", WRITE, "post", {}, owners=BASE),
    Route("GET /api/v1/workers/{worker_id}/training", "worker", READ),
    Route("training:withdraw", "session", WRITE, "post", owners=BASE),
    *(
        Route(
            f"POST /api/v1/training/enrolments/{{enrolment_id}}/{action}",
            "online_enrolment",
            WRITE,
            "post",
            {},
        )
        for action in ("suspend", "revoke", "reinstate")
    ),
    # Last: it changes the enrolment the routes above read.
    Route("POST /api/v1/training/enrolments/{enrolment_id}/withdraw", "online_enrolment", WRITE, "post", {}),
]


def make_targets(city, world):
    _users, targets = world
    out = {}
    for in_scope in (True, False):
        inst = targets[in_scope]["institution"]
        worker = targets[in_scope]["worker"]
        district = District.objects.get(code="500103" if in_scope else "500105")
        course = ft.course(actor=city, tier="institution", organiser_institution=inst.pk)
        session = ft.session(course=course, actor=city, base=targets[in_scope]["base"].pk)
        (enrolment,) = services.enrolments_create(actor=city, session=session, workers=[worker])
        completion = services.enrolment_complete(actor=city, enrolment=enrolment)
        heads = ft.course(actor=city, tier="district", organiser_district=district.pk, kind="heads")
        online = ft.course(actor=city, tier="institution", organiser_institution=inst.pk, kind="online")
        online_session = ft.session(
            course=online, actor=city, end_date=datetime.date.today() + datetime.timedelta(days=30)
        )
        (online_enrolment,) = services.enrolments_create(actor=city, session=online_session, workers=[worker])
        out[in_scope] = {
            "session": session,
            "course": course,
            "heads_session": ft.session(course=heads, actor=city),
            "online_session": online_session,
            "online_enrolment": online_enrolment,
            "completion": completion,
        }
    return out
