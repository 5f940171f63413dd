"""Skill-level pages: certification rate, the ladder and tables, evaluation bodies, certificates, titles,
and the public verification page (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.core.scope import Level, require_write, scope_of
from careforce.registry.forms import clean_person
from careforce.registry.selectors import worker_get
from careforce.skills import public, selectors, services
from careforce.skills.forms import (
    BodyForm,
    CertificateForm,
    RangeForm,
    ReinstateForm,
    RenewForm,
    RevokeForm,
    SuspendForm,
    TitleForm,
    VerifyForm,
)
from careforce.skills.models import CreditRule, Equivalence, SkillLevel


def _staff_only(request: HttpRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_area or scope.level == Level.BODY):
        raise Http404


def _city_writer(request: HttpRequest) -> None:
    if require_write(request.user).level != Level.CITY:
        raise Http404


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    district = request.GET.get("district", "")
    context = {
        "city": selectors.city_certification(request.user),
        "districts": selectors.certification_by_district(request.user),
        "institutions": selectors.certification_by_institution(
            request.user, district_id=int(district) if district.isdigit() and len(district) < 9 else None
        )
        if district or scope_of(request.user).level == Level.INSTITUTION
        else None,
        "targets": selectors.certification_targets(),
        "levels": SkillLevel.objects.all(),
        "equivalence": Equivalence.objects.select_related("level"),
        "credit_rules": CreditRule.objects.select_related("level"),
    }
    return render(request, "skills/overview.html", context)


@login_required
def body_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    page = paginate(request, selectors.bodies_visible_to(request.user).prefetch_related("ranges"))
    return render(request, "skills/body_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def body_create(request: HttpRequest) -> HttpResponse:
    _city_writer(request)
    form = BodyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.evaluation_body_register(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The evaluation body has been registered."))
            return redirect("skills:body_detail", pk=body.pk)
    return render(request, "skills/form.html", {"form": form, "title": _("Register an evaluation body")})


@login_required
@require_http_methods(["GET", "POST"])
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.body_get(request.user, pk)
    form = RangeForm(request.POST or None)
    if request.method == "POST":
        _city_writer(request)
        if form.is_valid():
            try:
                services.evaluation_range_set(actor=request.user, body=body, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The range has been saved."))
                return redirect("skills:body_detail", pk=body.pk)
    ranges = body.ranges.all()  # prefetched by body_get, occupation and levels joined
    return render(request, "skills/body_detail.html", {"body": body, "ranges": ranges, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def certificate_create(request: HttpRequest) -> HttpResponse:
    """An evaluation body records a certificate it issued (the holder chosen with the person picker)."""
    if require_write(request.user).level != Level.BODY:
        raise Http404
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and clean_person(form, request.user, "worker"):
        try:
            cert = services.certificate_issue(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The certificate of %(name)s has been recorded.") % {"name": cert.worker.name},
            )
            return redirect("skills:certificate_detail", pk=cert.pk)
    # The record number is the officials' internal key: the page names the person it points to.
    raw = request.POST.get("worker", "") if request.method == "POST" else request.GET.get("worker", "")
    try:
        worker = worker_get(request.user, raw) if raw.strip().isdigit() else None
    except Http404:
        worker = None
    context = {"form": form, "title": _("Record a certificate"), "worker": worker}
    return render(request, "skills/form.html", context)


def _certificate_forms(request: HttpRequest, cert, bound: tuple[str, object] | None = None) -> dict:
    """The decisions the user may take on this certificate now (city administrators: they record
    certificates on the issuing bodies' behalf)."""
    scope = scope_of(request.user)
    if not (scope.can_write and scope.is_city):
        return {}
    forms = {}
    if cert.status == "valid":
        forms = {"suspend": SuspendForm(), "revoke": RevokeForm(), "renew": RenewForm()}
    elif cert.status == "suspended":
        forms = {"reinstate": ReinstateForm(), "revoke": RevokeForm()}
    if bound is not None:
        forms[bound[0]] = bound[1]
    return forms


def _certificate_page(request: HttpRequest, cert, bound=None) -> HttpResponse:
    from careforce.registry import verification

    return render(
        request,
        "skills/certificate_detail.html",
        {
            "cert": cert,
            "forms": _certificate_forms(request, cert, bound),
            "renewals": selectors.certificate_renewals(cert),
            "verification_choices": verification.statuses_for(request.user),
        },
    )


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_page(request, selectors.certificate_get(request.user, pk))


CERTIFICATE_ACTIONS = {
    "revoke": (
        RevokeForm,
        lambda actor, cert, data: services.certificate_revoke(
            actor=actor, certificate=cert, reason=data["reason"], revoked_on=data["revoked_on"]
        ),
        gettext_lazy("The certificate has been revoked."),
    ),
    "suspend": (
        SuspendForm,
        lambda actor, cert, data: services.certificate_suspend(
            actor=actor, certificate=cert, reason=data["reason"], suspended_on=data["suspended_on"]
        ),
        gettext_lazy("The certificate has been suspended."),
    ),
    "reinstate": (
        ReinstateForm,
        lambda actor, cert, data: services.certificate_reinstate(
            actor=actor, certificate=cert, reason=data["reason"]
        ),
        gettext_lazy("The suspension has been lifted."),
    ),
    "renew": (
        RenewForm,
        lambda actor, cert, data: services.certificate_renew(actor=actor, certificate=cert, data=data),
        gettext_lazy("The certificate has been renewed."),
    ),
}


@login_required
@require_POST
def certificate_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a certificate against its issuer, or confirm it as the holder's institution (核验)."""
    cert = selectors.certificate_get(request.user, pk)
    try:
        services.certificate_verify(
            actor=request.user, certificate=cert, status=request.POST.get("verification")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The verification has been recorded."))
    return redirect("skills:certificate_detail", pk=cert.pk)


@login_required
@require_POST
def certificate_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Revoke, suspend, reinstate or renew: the service decides; its messages go beside the fields."""
    _city_writer(request)
    if action not in CERTIFICATE_ACTIONS:
        raise Http404
    cert = selectors.certificate_get(request.user, pk)
    form_class, run, done = CERTIFICATE_ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(request.user, cert, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, str(done))
            return redirect("skills:certificate_detail", pk=cert.pk)
    return _certificate_page(request, cert, (action, form))


def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_action(request, pk, "revoke")


def certificate_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_action(request, pk, "suspend")


def certificate_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_action(request, pk, "reinstate")


def certificate_renew(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_action(request, pk, "renew")


@login_required
def expiring(request: HttpRequest) -> HttpResponse:
    """Certificates and completed trainings whose validity ends soon, for the user's area."""
    if not selectors.may_see_expiring(request.user):
        raise Http404
    from careforce.training.selectors import expiring_completions

    days = selectors.expiry_notice_days()
    context = {
        "days": days,
        "certificates": paginate(request, selectors.expiring_certificates(request.user), per_page=50),
        "trainings": expiring_completions(request.user)[:200],
    }
    return render(request, "skills/expiring.html", context)


@login_required
def certificate_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable certificate with a QR code that opens the public verification page for its number."""
    cert = selectors.certificate_get(request.user, pk)
    url = request.build_absolute_uri(reverse("skills:verify") + f"?number={cert.number}")
    return render(
        request,
        "skills/certificate_print.html",
        {"cert": cert, "qr": mark_safe(public.qr_svg(url)), "url": url},
    )


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """Public: certificate number + holder's name → level, occupation, issuer, date, status. Nothing else."""
    form = VerifyForm(request.GET or None, initial={"number": request.GET.get("number", "")})
    result, limited, asked = None, False, False
    if "name" in request.GET and form.is_valid():
        asked = True
        limited = public.rate_limited(request.META.get("REMOTE_ADDR") or "unknown")
        if not limited:
            result = public.verify(form.cleaned_data["number"], form.cleaned_data["name"])
    status = 429 if limited else 200
    context = {"form": form, "result": result, "limited": limited, "asked": asked}
    return render(request, "skills/verify.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def title_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    worker = worker_get(request.user, pk)
    form = TitleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.title_record(actor=request.user, worker=worker, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The professional title has been recorded."))
            return redirect("registry:worker_detail", pk=worker.pk)
    return render(
        request,
        "skills/form.html",
        {"form": form, "title": _("Record a professional title"), "worker": worker},
    )


def worker_section(request: HttpRequest, worker) -> dict | None:
    """The worker page's level, certificates, titles and learning credits."""
    scope = scope_of(request.user)
    return {
        "level": selectors.worker_level(worker),
        "certificates": list(selectors.worker_certificates(worker)),
        "titles": list(selectors.worker_titles(worker)),
        "credits": selectors.worker_credits(worker),
        "can_record_title": scope.can_write,
        "worker": worker,
    }
