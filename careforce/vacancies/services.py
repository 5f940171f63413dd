"""Writes of vacancies, job seekers and hires. Each is one transaction with its audit events.

A hire goes through the registry's own services (worker_register for a new person, employment_start or
worker_transfer for one already registered), so a hired seeker is validated and audited like any worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import access, audit, crypto, vocabulary
from careforce.core.identity import district_in_scope, identity_values
from careforce.core.models import AuditAction, User
from careforce.core.scope import Level, Scope, require_write
from careforce.institutions.models import Institution
from careforce.registry import services as registry
from careforce.registry.choices import choice_labels, parse_bool, parse_choice
from careforce.registry.models import Education, HukouType, Occupation, SourceChannel, Worker
from careforce.training import inputs
from careforce.training.inputs import Errors
from careforce.vacancies import selectors
from careforce.vacancies.models import (
    ConsentText,
    Hire,
    JobSeeker,
    SeekerStatus,
    Vacancy,
    VacancyKind,
    VacancyStatus,
)

MAX_PAY = 1_000_000
MAX_POSTS = 999
VACANCY_FIELDS = (
    "institution",
    "kind",
    "post_text",
    "occupation",
    "number",
    "filled",
    "min_education",
    "pay_min",
    "pay_max",
    "closing_date",
    "status",
)
SEEKER_FIELDS = (
    "name",
    "id_number_masked",
    "phone_masked",
    "district",
    "source_channel",
    "education",
    "hukou_type",
    "wanted_post_text",
    "wanted_occupation",
    "status",
    "consent_text",
)


def resolve_post(text: Any) -> Occupation | None:
    """The post a typed phrase names. The one seam to the post catalogue: today the registry's occupations
    (code, name, national code or a synonym, as everywhere else); later the catalogue's posts."""
    code = vocabulary.resolve("occupation", text)
    return Occupation.objects.filter(code=code).first() if code else None


def current_consent() -> ConsentText | None:
    """The consent text in force: the latest published (migration 0002 loads the first)."""
    return ConsentText.objects.order_by("-published_on", "-id").first()


# ---------------------------------------------------------------- who may do what


def _institution_for(scope: Scope, raw: Any, errors: Errors) -> Institution | None:
    qs = Institution.objects.select_related("district")
    if scope.level == Level.DISTRICT:
        qs = qs.filter(district_id=scope.district_id)
    elif scope.level == Level.INSTITUTION:
        qs = qs.filter(pk=scope.institution_id)
        if inputs.is_blank(raw):
            raw = scope.institution_id
    found = inputs.pick(qs, raw, keys=("uscc", "name"))
    if found is None:
        errors.add("institution", _("No institution with this id or credit code in your area."))
    return found


def may_manage_vacancy(scope: Scope, vacancy: Vacancy) -> bool:
    """The publishing institution, its district, or the city (writers only)."""
    if not scope.can_write:
        return False
    return (
        scope.level == Level.CITY
        or (scope.level == Level.DISTRICT and vacancy.district_id == scope.district_id)
        or (scope.level == Level.INSTITUTION and vacancy.institution_id == scope.institution_id)
    )


def _bureau(actor: User) -> Scope:
    """Job seekers are registered by the city or a district (the public employment service's desk)."""
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    return scope


def may_manage_seeker(scope: Scope, seeker: JobSeeker) -> bool:
    return scope.can_write and (
        scope.level == Level.CITY
        or (scope.level == Level.DISTRICT and seeker.district_id == scope.district_id)
    )


def _choice(data: Mapping[str, Any], name: str, choices: type, errors: Errors, *, required: bool) -> str:
    raw = data.get(name)
    if inputs.is_blank(raw):
        if required:
            errors.add(name, _("This field is required."))
        return ""
    value = parse_choice(raw, choices)
    if value is None:
        errors.add(name, _("Choose one of: %(choices)s.") % {"choices": choice_labels(choices)})
        return ""
    return value


def _post(data: Mapping[str, Any], name: str, errors: Errors) -> tuple[str | None, Occupation | None]:
    text = inputs.text(dict(data), name, errors, required=True, max_length=60)
    if not text:
        return None, None
    occupation = resolve_post(text)
    if occupation is None:
        errors.add(name, _("Unknown post; write one from the list of occupations (for example 养老护理员)."))
    return text, occupation


# ---------------------------------------------------------------- vacancies


def clean_vacancy(actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """Model values of a vacancy from raw input (form, API, import row). Raises ValidationError by field."""
    scope = require_write(actor)
    data = dict(data)
    errors = Errors()
    institution = _institution_for(scope, data.get("institution"), errors)
    kind = _choice(data, "kind", VacancyKind, errors, required=False) or VacancyKind.JOB
    post_text, occupation = _post(data, "post", errors)
    number = inputs.integer(data, "number", errors, required=True, low=1, high=MAX_POSTS)
    requirements = inputs.text(data, "requirements", errors, max_length=2000) or ""
    min_education = _choice(data, "min_education", Education, errors, required=False)
    pay_min = inputs.integer(data, "pay_min", errors, required=True, low=0, high=MAX_PAY)
    pay_max = inputs.integer(data, "pay_max", errors, required=True, low=0, high=MAX_PAY)
    if pay_min is not None and pay_max is not None and pay_max < pay_min:
        errors.add("pay_max", _("The top of the pay range is below its bottom; swap the two."))
    closing_date = inputs.date(data, "closing_date", errors, required=True)
    if closing_date is not None and closing_date < timezone.localdate():
        errors.add("closing_date", _("The closing date has passed; give a date from today on."))
    errors.raise_if_any()
    return {
        "institution": institution,
        "district_id": institution.district_id,
        "kind": kind,
        "post_text": post_text,
        "occupation": occupation,
        "number": number,
        "requirements": requirements,
        "min_education": min_education,
        "pay_min": pay_min,
        "pay_max": pay_max,
        "closing_date": closing_date,
    }


@transaction.atomic
def vacancy_publish(*, actor: User, data: Mapping[str, Any]) -> Vacancy:
    """Publish a vacancy or trainee post: an institution its own, a district its institutions', the city any."""
    values = clean_vacancy(actor, data)
    vacancy = Vacancy.objects.create(created_by=actor, **values)
    audit.record_create(
        actor=actor, instance=vacancy, fields=VACANCY_FIELDS, institution_id=vacancy.institution_id
    )
    return vacancy


def _locked_vacancy(vacancy: Vacancy) -> Vacancy:
    return Vacancy.objects.select_for_update().select_related("institution", "occupation").get(pk=vacancy.pk)


@transaction.atomic
def vacancy_close(*, actor: User, vacancy: Vacancy) -> Vacancy:
    """Close a vacancy early (it stops matching). A filled or closed one stays as it is."""
    scope = require_write(actor)
    if not may_manage_vacancy(scope, vacancy):
        raise Http404
    vacancy = _locked_vacancy(vacancy)
    if vacancy.status != VacancyStatus.OPEN:
        raise ValidationError({"status": [_("This vacancy is no longer open.")]})
    before = audit.snapshot(vacancy, ("status",))
    vacancy.status = VacancyStatus.CLOSED
    vacancy.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action=AuditAction.END,
        instance=vacancy,
        changes=audit.diff(before, audit.snapshot(vacancy, ("status",))),
        institution_id=vacancy.institution_id,
    )
    return vacancy


# ---------------------------------------------------------------- job seekers


def _clash_message(actor: User) -> str:
    """A refusal because the number is registered (anywhere in the city) tells the registrant that it is:
    like the registry's, it counts against the account's full-identifier lookup limit."""
    try:
        access.lookup_admit(actor)
    except access.LookupRefused as exc:
        return exc.message
    return _("A job seeker with this ID number is already registered.")


@transaction.atomic
def seeker_register(*, actor: User, data: Mapping[str, Any]) -> JobSeeker:
    """Register a job seeker from a key group. Their consent to the current consent text is required and
    recorded with its time and the text's version."""
    scope = _bureau(actor)
    data = dict(data)
    errors = Errors()
    if parse_bool(data.get("consent")) is not True:
        errors.add(
            "consent",
            _("The job seeker's consent is required: read them the consent text and tick the box."),
        )
    name = inputs.text(data, "name", errors, required=True, max_length=60)
    values = identity_values(data, errors, context="jobseeker")
    district = district_in_scope(scope, data.get("district"), errors)
    source_channel = _choice(data, "source_channel", SourceChannel, errors, required=True)
    education = _choice(data, "education", Education, errors, required=True)
    hukou_type = _choice(data, "hukou_type", HukouType, errors, required=True)
    wanted_text, wanted = _post(data, "wanted_post", errors)
    consent = current_consent()
    if consent is None:
        errors.add("consent", _("No consent text is in force; an administrator must publish one first."))
    if (
        values.get("id_number_hash")
        and JobSeeker.objects.filter(id_number_hash=values["id_number_hash"]).exists()
    ):
        errors.add("id_number", _clash_message(actor))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            seeker = JobSeeker.objects.create(
                name=name,
                district=district,
                source_channel=source_channel,
                education=education,
                hukou_type=hukou_type,
                wanted_post_text=wanted_text,
                wanted_occupation=wanted,
                consent_at=timezone.now(),
                consent_text=consent,
                registered_by=actor,
                **values,
            )
    except IntegrityError:
        # Registered at the same moment by another desk: the unique blind index refused the second.
        raise ValidationError(
            {"id_number": [_("A job seeker with this ID number is already registered.")]}
        ) from None
    audit.record_create(actor=actor, instance=seeker, fields=SEEKER_FIELDS)
    return seeker


ERASED_NAME = "（已撤回）"


@transaction.atomic
def seeker_withdraw_consent(*, actor: User, seeker: JobSeeker) -> JobSeeker:
    """The seeker withdrew consent: they leave matching and their personal data is erased (name, ID number,
    phone and their keys). The anonymous row stays for the district's counts. A worker record made by an
    earlier hire is the registry's and stays."""
    scope = _bureau(actor)
    if not may_manage_seeker(scope, seeker):
        raise Http404
    seeker = JobSeeker.objects.select_for_update().get(pk=seeker.pk)
    if seeker.consent_withdrawn_at is not None:
        raise ValidationError({"consent": [_("Consent has already been withdrawn.")]})
    before = audit.snapshot(seeker, ("name", "id_number_masked", "phone_masked", "status"))
    seeker.name = ERASED_NAME
    seeker.id_number_encrypted = b""
    seeker.id_number_hash = ""
    seeker.id_region = ""
    seeker.id_last4 = ""
    seeker.phone_encrypted = None
    seeker.phone_hash = seeker.phone_prefix = seeker.phone_last4 = ""
    seeker.status = SeekerStatus.WITHDRAWN
    seeker.consent_withdrawn_at = timezone.now()
    seeker.save()
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=seeker,
        changes=audit.diff(
            before, audit.snapshot(seeker, ("name", "id_number_masked", "phone_masked", "status"))
        ),
        note="consent withdrawn: personal data erased",
    )
    return seeker


# ---------------------------------------------------------------- hires


@transaction.atomic
def hire(*, actor: User, vacancy: Vacancy, seeker: JobSeeker, data: Mapping[str, Any]) -> Hire:
    """Take on a matched job seeker: the registry gets the person (a new record carrying the seeker's key
    group as source channel, or a new post on their existing record) and the vacancy's filled count rises;
    the last post filled closes the vacancy."""
    scope = require_write(actor)
    if not may_manage_vacancy(scope, vacancy):
        raise Http404
    vacancy = _locked_vacancy(vacancy)
    seeker = JobSeeker.objects.select_for_update().get(pk=seeker.pk)
    today = timezone.localdate()
    if not selectors.is_live(vacancy, today):
        raise ValidationError({"vacancy": [_("This vacancy is filled, closed or past its closing date.")]})
    if not selectors.matches(vacancy, today).filter(pk=seeker.pk).exists():
        raise ValidationError(
            {
                "seeker": [
                    _(
                        "This job seeker does not match the vacancy (post, district, education) or is no longer seeking."
                    )
                ]
            }
        )
    data = dict(data)
    start = data.get("start_date")
    employment = {
        "institution": vacancy.institution,
        "post": vacancy.post_text,
        "start_date": today if inputs.is_blank(start) else start,
        "has_labour_contract": data.get("has_labour_contract") or False,
        "is_part_time": False,
    }
    if not inputs.is_blank(data.get("override_reason")):
        employment["override_reason"] = data["override_reason"]
    id_number = crypto.decrypt(seeker.id_number_encrypted, context=b"jobseeker.id_number")
    worker = Worker.objects.filter(
        id_number_hash__in=crypto.blind_indexes(id_number, purpose="id_number")
    ).first()
    if worker is None:
        phone = (
            crypto.decrypt(seeker.phone_encrypted, context=b"jobseeker.phone")
            if seeker.phone_encrypted
            else ""
        )
        worker = registry.worker_register(
            actor=actor,
            data={
                "name": seeker.name,
                "id_number": id_number,
                "phone": phone,
                "education": seeker.education,
                "hukou_type": seeker.hukou_type,
                "source_channel": seeker.source_channel,
                "team": vacancy.occupation.team,
                "occupation": vacancy.occupation,
            },
            employment=employment,
        )
    else:
        current = worker.employments.filter(end_date__isnull=True, is_part_time=False).exists()
        if current:
            registry.worker_transfer(actor=actor, worker=worker, data=employment)
        else:
            registry.employment_start(actor=actor, worker=worker, data=employment)
        if worker.source_channel == SourceChannel.OTHER:
            # A record that did not say where the person came from learns it from the key group.
            registry.worker_update(actor=actor, worker=worker, data={"source_channel": seeker.source_channel})
    record = Hire.objects.create(
        vacancy=vacancy,
        seeker=seeker,
        worker=worker,
        source_channel=seeker.source_channel,
        district_id=vacancy.district_id,
        start_date=worker.employments.filter(institution=vacancy.institution).latest("start_date").start_date,
        created_by=actor,
    )
    before = audit.snapshot(vacancy, ("filled", "status"))
    vacancy.filled += 1
    if vacancy.filled >= vacancy.number:
        vacancy.status = VacancyStatus.FILLED
    vacancy.save(update_fields=["filled", "status"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=vacancy,
        changes=audit.diff(before, audit.snapshot(vacancy, ("filled", "status"))),
        worker_id=worker.pk,
        institution_id=vacancy.institution_id,
        note="hire",
    )
    seeker_before = audit.snapshot(seeker, ("status",))
    seeker.status = SeekerStatus.HIRED
    seeker.worker = worker
    seeker.save(update_fields=["status", "worker"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=seeker,
        changes=audit.diff(seeker_before, audit.snapshot(seeker, ("status",))),
        worker_id=worker.pk,
        institution_id=vacancy.institution_id,
        note="hire",
    )
    audit.record_create(
        actor=actor,
        instance=record,
        fields=("vacancy", "seeker", "worker", "source_channel", "start_date"),
        worker_id=worker.pk,
        institution_id=vacancy.institution_id,
    )
    return record


def pick_match(vacancy: Vacancy, raw: Any) -> JobSeeker:
    """The job seeker named by id among the vacancy's matches; a clear refusal otherwise."""
    seeker = inputs.pick(selectors.matches(vacancy), raw) if not inputs.is_blank(raw) else None
    if seeker is None:
        raise ValidationError(
            {"seeker": [_("No matching job seeker with this id; see the vacancy's matches.")]}
        )
    return seeker
