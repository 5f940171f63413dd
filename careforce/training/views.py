"""Training pages. Reads through the scoped selectors, writes through the services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.core.scope import Level, require_write, scope_of
from careforce.core.views import page_or_fragment
from careforce.indicators import targets as targets_of
from careforce.institutions.selectors import institution_list, institutions_visible_to
from careforce.registry.dates import parse_date
from careforce.registry.forms import clean_person
from careforce.registry.selectors import worker_get
from careforce.training import selectors, services
from careforce.training.forms import (
    BaseEditForm,
    BaseForm,
    CompleteForm,
    CourseForm,
    EnrolForm,
    LessonForm,
    ResultsForm,
    ScheduleForm,
    SessionFilterForm,
    SessionForm,
    ValidityChangeForm,
)
from careforce.training.models import EnrolmentStatus, Lesson, Tier


def _staff_only(request: HttpRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_area or scope.level == Level.BASE):
        raise Http404


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level == Level.SELF:
        return redirect("training:learn")
    _staff_only(request)
    year = _year(request)
    context = {
        "year": year,
        "person_times": selectors.person_times(request.user, year=year),
        "coverage": selectors.heads_coverage(request.user, year=year),
        "bases": selectors.bases_visible_to(request.user).filter(kind="training", is_active=True).count(),
        "bases_targets": targets_of.upcoming("training_bases", timezone.localdate()),
    }
    return render(request, "training/overview.html", context)


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = SessionFilterForm(request.GET or None)
    filters = selectors.SessionFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.SessionFilters(
            year=data["year"], kind=data["kind"] or None, q=data["q"] or "", awaiting_results=data["awaiting"]
        )
    page = paginate(request, selectors.session_list(request.user, filters))
    return page_or_fragment(
        request,
        "training/session_list.html",
        {"results": "training/_session_table.html"},
        {"form": form, "page": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    initial = {"kind": request.GET.get("kind", ""), "capacity": 50}
    form = ScheduleForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.schedule(actor=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The session has been scheduled."))
            return redirect("training:session_detail", pk=session.pk)
    return render(request, "training/session_form.html", {"form": form})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    scope = scope_of(request.user)
    can_manage = services.may_organise(scope, session.course, session)
    enrolments = paginate(request, selectors.session_enrolments(request.user, session), per_page=100)
    institutions = []
    if can_manage:
        institutions = institutions_visible_to(request.user).order_by("name")[:500]
        if session.course.tier == Tier.INSTITUTION:
            institutions = institutions_visible_to(request.user).filter(
                pk=session.course.organiser_institution_id
            )
    lessons = list(session.course.lessons.all()) if session.course.is_online else []
    context = {
        "session": session,
        "course": session.course,
        "can_manage": can_manage,
        "show_register": scope.is_area or scope.level == Level.BASE,
        "enrolments": enrolments,
        "enrol_form": EnrolForm(user=request.user, institutions=institutions) if can_manage else None,
        "complete_form": CompleteForm(initial={"completed_on": services.completion_day(session)})
        if can_manage
        else None,
        "lessons": lessons,
        "lesson_minimum": services.lesson_minimum(session.course, lesson_count=len(lessons)),
        "lesson_form": LessonForm() if can_manage and session.course.is_online else None,
    }
    return render(request, "training/session_detail.html", context)


def _managed_session(request: HttpRequest, pk: int):
    scope = require_write(request.user)
    session = selectors.session_get(request.user, pk)
    if not services.may_organise(scope, session.course, session):
        raise Http404
    return session


@login_required
@require_POST
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    institutions = institutions_visible_to(request.user)
    form = EnrolForm(request.POST, user=request.user, institutions=institutions)
    workers = []
    if form.is_valid():
        data = form.cleaned_data
        if data["person"] or data["person_key"]:
            pool = services.eligible_workers(request.user, session).filter(is_active=True)
            person = clean_person(form, request.user, "person", pool=pool)
            if person is None:
                for message in form.errors["person"]:
                    messages.error(request, message)
                return redirect("training:session_detail", pk=session.pk)
            workers.append(person)
        try:
            listed, missing = services.workers_to_enrol(
                request.user,
                session,
                institution=data["institution"],
                occupation=data["occupation"],
                listing=data["listing"],
            )
            workers += listed
        except ValidationError as exc:
            missing = []
            for message in exc.messages:
                messages.error(request, message)
        for line in missing[:20]:
            messages.warning(request, _("Not found in your area: %(line)s") % {"line": line})
    if not workers:
        messages.error(request, _("Nobody to enrol: choose an institution, an occupation or give a list."))
    else:
        try:
            rows = services.enrolments_create(actor=request.user, session=session, workers=workers)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            names = "、".join(w.name for w in workers[:10]) + ("…" if len(workers) > 10 else "")
            messages.success(
                request, _("%(n)d workers enrolled: %(names)s.") % {"n": len(rows), "names": names}
            )
    return redirect("training:session_detail", pk=session.pk)


@login_required
@require_POST
def session_complete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    form = CompleteForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("worker") if v.isdigit()]
    if form.is_valid():
        try:
            n = services.enrolments_complete(
                actor=request.user, session=session, worker_ids=ids, data=form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Results recorded for %(n)d workers.") % {"n": n})
    else:
        messages.error(request, _("Check the completion date, hours and score."))
    return redirect("training:session_detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    initial = {
        "start_date": session.start_date,
        "end_date": session.end_date,
        "venue": session.venue,
        "base": str(session.base_id or ""),
        "capacity": session.capacity,
        "is_cancelled": session.is_cancelled,
    }
    form = SessionForm(request.POST or None, session=session, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=request.user, session=session, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The session has been changed."))
            return redirect("training:session_detail", pk=session.pk)
    return render(request, "training/session_edit.html", {"form": form, "session": session})


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the course of this session (title, hours, description, modules); back to the session."""
    session = _managed_session(request, pk)
    course = session.course
    initial = {
        "title": course.title,
        "hours": course.hours,
        "description": course.description,
        "modules": [m.code for m in course.modules.all()],
        "lesson_min_minutes": course.lesson_min_minutes,
    }
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(actor=request.user, course=course, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The course has been changed."))
            return redirect("training:session_detail", pk=session.pk)
    return render(request, "training/course_edit.html", {"form": form, "session": session})


# ---------------------------------------------------------------- the register: attendance and results

REGISTER_PAGE_SIZE = 200
MAX_DAY_TABS = 31
_RESULT_FIELDS = {"hours": "hours", "exam_score": "score", "exam_passed": "passed"}


def _register_day(request: HttpRequest, session, raw: str | None):
    """The day the register shows: the one asked for if within the session, else today kept within the
    session's dates."""
    day = parse_date(raw) if raw else None
    if day is None or not session.start_date <= day <= session.end_date:
        day = min(max(timezone.localdate(), session.start_date), session.end_date)
    return day


def _render_register(
    request: HttpRequest,
    session,
    *,
    day=None,
    posted=None,
    row_errors: dict | None = None,
    results_form: ResultsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = services.may_organise(scope_of(request.user), session.course, session)
    day = day or _register_day(request, session, request.GET.get("day"))
    page = paginate(request, selectors.session_register(request.user, session), per_page=REGISTER_PAGE_SIZE)
    present = dict(
        selectors.attendance_of(request.user, session, day=day)
        .filter(enrolment__in=[e.pk for e in page])
        .values_list("enrolment_id", "present")
    )
    row_errors = row_errors or {}
    rows = []
    for e in page:
        done = e.status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
        stored = {
            "hours": str(e.hours) if e.status == EnrolmentStatus.COMPLETED else "",
            "score": "" if e.exam_score is None else str(e.exam_score),
            "passed": {True: "true", False: "false"}.get(e.exam_passed, "") if done else "",
        }
        if posted is not None:
            wid = str(e.worker_id)
            stored = {key: posted.get(f"{key}-{wid}", "") for key in stored}
            stored["ticked"] = wid in posted.getlist("result")
        rows.append(
            {"e": e, "present": present.get(e.pk), "errors": row_errors.get(e.worker_id, []), **stored}
        )
    days = selectors.session_days(session)
    counts = selectors.attendance_by_day(request.user, session)
    context = {
        "session": session,
        "course": session.course,
        "can_manage": can_manage,
        "page": page,
        "rows": rows,
        "day": day,
        "day_recorded": any(v is not None for v in present.values()),
        "days": [(d, counts.get(d)) for d in days] if len(days) <= MAX_DAY_TABS else None,
        "future": day > timezone.localdate(),
        "results_form": results_form
        or ResultsForm(initial={"completed_on": services.completion_day(session)}),
    }
    return render(request, "training/session_register.html", context, status=status)


@login_required
def session_register(request: HttpRequest, pk: int) -> HttpResponse:
    """The session's register: the enrolled workers (masked), a day's attendance, and each one's result."""
    _staff_only(request)
    session = selectors.session_get(request.user, pk)
    return _render_register(request, session)


@login_required
@require_POST
def attendance_save(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    day = request.POST.get("day", "")
    try:
        n = services.attendance_record(
            actor=request.user,
            session=session,
            day=day,
            present_worker_ids=request.POST.getlist("present"),
            worker_ids=request.POST.getlist("listed"),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Attendance of %(day)s saved for %(n)d workers.") % {"day": day, "n": n})
    query = urlencode({"day": day, **({"page": request.POST["page"]} if request.POST.get("page") else {})})
    return redirect(f"{reverse('training:session_register', args=[session.pk])}?{query}")


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Take one worker off the session (a completion they had is taken out of the person-times)."""
    session = _managed_session(request, pk)
    raw = request.POST.get("worker", "")
    enrolment = (
        session.enrolments.filter(worker_id=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None
    )
    if enrolment is None:
        messages.error(request, _("Choose a worker enrolled on this session."))
    else:
        services.enrolment_withdraw(actor=request.user, enrolment=enrolment)
        messages.success(request, _("The worker has been withdrawn from the session."))
    return redirect("training:session_register", pk=session.pk)


@login_required
@require_POST
def results_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Each ticked row's own hours, score and result, recorded in one go (all or nothing)."""
    session = _managed_session(request, pk)
    form = ResultsForm(request.POST)
    ticked = [v for v in request.POST.getlist("result") if v.isdigit()]
    if not form.is_valid():  # the form only collects text; kept for symmetry with the other pages
        return _render_register(request, session, posted=request.POST, results_form=form, status=422)
    results = [
        {name: request.POST.get(f"{key}-{wid}", "") for name, key in _RESULT_FIELDS.items()} | {"worker": wid}
        for wid in ticked
    ]
    try:
        n = services.enrolments_record_results(
            actor=request.user,
            session=session,
            results=results,
            completed_on=form.cleaned_data["completed_on"],
        )
    except ValidationError as exc:
        labels = {
            "hours": _("Hours credited"),
            "exam_score": _("Exam score"),
            "exam_passed": _("Exam result"),
            "worker": _("Worker"),
        }
        row_errors: dict[int, list[str]] = {}
        for key, found in exc.message_dict.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "results" and parts[2] == "completed_on":
                for message in found:
                    if message not in form.errors.get("completed_on", []):
                        form.add_error("completed_on", message)
            elif len(parts) == 3 and parts[0] == "results":
                wid = int(ticked[int(parts[1])])
                label = labels.get(parts[2], parts[2])
                row_errors.setdefault(wid, []).extend(
                    _("%(field)s: %(message)s") % {"field": label, "message": m} for m in found
                )
            else:
                form.add_error(None, found)
        return _render_register(
            request,
            session,
            day=_register_day(request, session, request.POST.get("day")),
            posted=request.POST,
            row_errors=row_errors,
            results_form=form,
            status=422,
        )
    messages.success(request, _("Results recorded for %(n)d workers.") % {"n": n})
    query = urlencode({"page": request.POST["page"]}) if request.POST.get("page") else ""
    return redirect(
        f"{reverse('training:session_register', args=[session.pk])}{'?' + query if query else ''}"
    )


@login_required
@require_POST
def lesson_create(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    form = LessonForm(request.POST)
    if form.is_valid():
        try:
            services.lesson_add(actor=request.user, course=session.course, data=form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The lesson has been added."))
    return redirect("training:session_detail", pk=session.pk)


@login_required
def heads(request: HttpRequest) -> HttpResponse:
    """领雁 coverage: the city's course this year, and per district the heads not yet trained by it."""
    _staff_only(request)
    year = _year(request)
    coverage = selectors.heads_coverage(request.user, year=year)
    scope = scope_of(request.user)
    for row in coverage["districts"]:
        row["sessions"] = list(selectors.heads_sessions_for(request.user, row["district"].pk, year=year))
        row["can_enrol"] = scope.can_write and scope.level in (Level.CITY, Level.DISTRICT)
    return render(request, "training/heads.html", {"coverage": coverage, "year": year})


@login_required
@require_POST
def heads_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: enrol a district's untrained heads into this heads' session."""
    session = _managed_session(request, pk)
    course = session.course
    if course.kind != "heads" or course.tier != Tier.DISTRICT:
        raise Http404
    coverage = selectors.heads_coverage(request.user, year=session.start_date.year)
    row = next((r for r in coverage["districts"] if r["district"].pk == course.organiser_district_id), None)
    missing = row["missing"] if row else []
    already = set(session.enrolments.values_list("worker_id", flat=True))
    workers = [w for w in missing if w.pk not in already]
    try:
        rows = services.enrolments_create(actor=request.user, session=session, workers=workers)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)d institution heads enrolled.") % {"n": len(rows)})
    return redirect("training:session_detail", pk=session.pk)


@login_required
def base_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    page = paginate(request, selectors.bases_visible_to(request.user))
    return render(
        request,
        "training/base_list.html",
        {"page": page, "targets": targets_of.upcoming("training_bases", timezone.localdate())},
    )


@login_required
@require_http_methods(["GET", "POST"])
def base_create(request: HttpRequest) -> HttpResponse:
    scope = require_write(request.user)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    form = BaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_base_register(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The training base has been registered."))
            return redirect("training:base_list")
    return render(request, "training/base_form.html", {"form": form})


@login_required
def base_detail(request: HttpRequest, pk: int) -> HttpResponse:
    base = selectors.base_get(request.user, pk)
    sessions = selectors.sessions_visible_to(request.user).filter(base=base).order_by("-start_date")[:50]
    context = {
        "base": base,
        "sessions": sessions,
        "can_edit": services.may_keep_base(scope_of(request.user), base),
    }
    return render(request, "training/base_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def base_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_write(request.user)
    base = selectors.base_get(request.user, pk)
    if not services.may_keep_base(scope, base):
        raise Http404
    initial = {
        "name": base.name,
        "kind": base.kind,
        "host": base.host,
        "district": str(base.district_id),
        "accredited_on": base.accredited_on,
        "capacity": base.capacity,
        "address": base.address,
        "is_active": base.is_active,
    }
    form = BaseEditForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_base_update(actor=request.user, base=base, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The training base has been changed."))
            return redirect("training:base_detail", pk=base.pk)
    return render(request, "training/base_form.html", {"form": form, "base": base})


# ---------------------------------------------------------------- the worker's own online learning


@login_required
def learn(request: HttpRequest) -> HttpResponse:
    """A worker's courses on a phone: online sessions open to them, and their enrolments with progress."""
    scope = scope_of(request.user)
    if scope.level != Level.SELF:
        raise Http404
    return render(request, "training/learn.html", {"rows": selectors.my_online_courses(request.user)})


@login_required
@require_POST
def learn_start(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    enrolment = services.online_enrol_self(actor=request.user, session=session)
    return redirect("training:learning", pk=enrolment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def learning(request: HttpRequest, pk: int) -> HttpResponse:
    """One online enrolment: its lessons, which are done, and a button to finish the next one."""
    enrolment = selectors.enrolment_get(request.user, pk)
    course = enrolment.session.course
    if not course.is_online:
        raise Http404
    if request.method == "POST":
        lesson = Lesson.objects.filter(course=course, pk=request.POST.get("lesson") or 0).first()
        if lesson is None:
            raise Http404
        try:
            if request.POST.get("action") == "open":
                services.lesson_open(actor=request.user, enrolment=enrolment, lesson=lesson)
            else:
                services.lesson_complete(actor=request.user, enrolment=enrolment, lesson=lesson)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(reverse("training:learning", args=[enrolment.pk]) + f"#lesson-{lesson.pk}")
    done = set(enrolment.progress.values_list("lesson_id", flat=True))
    opened = set(enrolment.openings.values_list("lesson_id", flat=True))
    lessons = list(course.lessons.all())
    minimum = services.lesson_minimum(course, lesson_count=len(lessons))
    for lesson in lessons:
        lesson.minutes_left = (
            0 if lesson.pk in done else services.minutes_still_needed(enrolment, lesson, minimum=minimum)
        )
    context = {
        "enrolment": enrolment,
        "course": course,
        "minimum": minimum,
        "lessons": lessons,
        "done": done,
        "opened": opened,
        "percent": round(100 * len(done) / len(lessons)) if lessons else 0,
        "completed": enrolment.status == EnrolmentStatus.COMPLETED,
    }
    return render(request, "training/learning.html", context)


def worker_section(request: HttpRequest, worker) -> dict | None:
    """The worker page's training history (the worker was fetched through the scoped selector)."""
    worker_get(request.user, worker.pk)
    rows = list(selectors.worker_training(worker)[:50])
    return {"enrolments": rows, "is_self": request.user.worker_id == worker.pk}


@login_required
@require_http_methods(["GET", "POST"])
def completion_validity(request: HttpRequest, pk: int) -> HttpResponse:
    """A completed training's validity: until when, its status today, what it renews; the session's
    organisers suspend, revoke or lift a suspension here."""
    enrolment = selectors.enrolment_get(request.user, pk)
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise Http404
    scope = scope_of(request.user)
    may_decide = scope.can_write and services.may_organise(scope, enrolment.session.course, enrolment.session)
    if request.method == "POST" and not may_decide:
        raise Http404
    form = ValidityChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "reinstate":
                services.completion_reinstate(actor=request.user, enrolment=enrolment, reason=data["reason"])
            elif data["action"] == "revoke":
                services.completion_revoke(
                    actor=request.user, enrolment=enrolment, reason=data["reason"], day=data["day"]
                )
            else:
                services.completion_suspend(
                    actor=request.user, enrolment=enrolment, reason=data["reason"], day=data["day"]
                )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"validity_status": "action"})
        else:
            messages.success(request, _("The training's validity has been changed."))
            return redirect("training:completion_validity", pk=enrolment.pk)
    context = {
        "enrolment": enrolment,
        "form": form if may_decide else None,
        "renewed_by": enrolment.renewed_by.select_related("session__course")
        .order_by("-completed_on")
        .first(),
    }
    return render(request, "training/completion_validity.html", context)


def queue_heads_untrained(request: HttpRequest, scope) -> tuple[int, str] | None:
    """The home work queue's item (registered in TrainingConfig.ready()): institutions in scope whose head is
    not trained this year by the 领雁 rule, or not recorded."""
    if scope.level not in (Level.CITY, Level.DISTRICT, Level.INSTITUTION):
        return None
    count = institution_list(request.user, head_untrained=True).count()
    return count, reverse("institutions:institution_list") + "?head=untrained"


def queue_awaiting_results(request: HttpRequest, scope) -> tuple[int, str] | None:
    """The home work queue's item for a training base: its sessions that are over with people on them still
    waiting for a result (attendance and the assessment go in the register)."""
    if scope.level != Level.BASE:
        return None
    count = selectors.session_list(request.user, selectors.SessionFilters(awaiting_results=True)).count()
    return count, reverse("training:session_list") + "?awaiting=on"
