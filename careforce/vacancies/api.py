"""/api/v1/vacancies/…: vacancies and trainee posts, their matches and hires, job seekers (with consent),
and the figures per district."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from careforce.core.api import paginate
from careforce.core.schemas import (
    ERROR_RESPONSES,
    READ_RESPONSES,
    DateText,
    Flag,
    Id,
    IdOrCode,
    InputSchema,
    PageIn,
    Text,
)
from careforce.core.scope import scope_of
from careforce.vacancies import selectors, services

router = Router(tags=["vacancies"])


class VacancyOut(Schema):
    id: int
    institution_id: int
    district_id: int
    kind: str
    post: str = Field(alias="post_text", description="The post as typed")
    occupation_id: int = Field(description="The occupation the post resolved to")
    number: int
    filled: int
    requirements: str
    min_education: str
    pay_min: int
    pay_max: int
    closing_date: datetime.date
    status: str = Field(description="open, filled, closed, or expired (open but past its closing date)")

    @staticmethod
    def resolve_status(obj) -> str:
        return selectors.shown_status(obj)


class VacancyPage(Schema):
    items: list[VacancyOut]
    next_cursor: str | None


class VacancyIn(InputSchema):
    required_fields = ("post", "number", "pay_min", "pay_max", "closing_date")

    institution: IdOrCode = Field(None, description="Id or credit code; empty for an institution's own")
    kind: Text = Field(None, description="job (default) or trainee (就业见习岗位)")
    post: Text = Field(None, description="The post, e.g. 养老护理员 (an occupation's name, code or synonym)")
    number: Text = None
    requirements: Text = None
    min_education: Text = None
    pay_min: Text = Field(None, description="Yuan a month")
    pay_max: Text = Field(None, description="Yuan a month")
    closing_date: DateText = None


class SeekerOut(Schema):
    id: int
    name: str
    id_number_masked: str = Field(description="Masked: never the full number, never the birth date")
    phone_masked: str
    district_id: int
    source_channel: str = Field(description="The key group (registry source channel)")
    education: str
    wanted_post: str = Field(alias="wanted_post_text")
    wanted_occupation_id: int
    status: str
    consent_at: datetime.datetime
    consent_text_version: str
    consent_withdrawn_at: datetime.datetime | None

    @staticmethod
    def resolve_consent_text_version(obj) -> str:
        return obj.consent_text.version


class SeekerPage(Schema):
    items: list[SeekerOut]
    next_cursor: str | None


class SeekerIn(InputSchema):
    required_fields = (
        "name",
        "id_number",
        "source_channel",
        "education",
        "hukou_type",
        "wanted_post",
        "consent",
    )

    name: Text = None
    id_number: Text = None
    phone: Text = None
    district: IdOrCode = None
    source_channel: Text = Field(None, description="Key group: a source channel's code, label or synonym")
    education: Text = None
    hukou_type: Text = None
    wanted_post: Text = None
    consent: Flag = Field(None, description="The seeker consents to the current consent text (required)")


class HireIn(InputSchema):
    required_fields = ("seeker",)

    seeker: IdOrCode = None
    start_date: DateText = None
    has_labour_contract: Flag = None
    override_reason: Text = None


class HireOut(Schema):
    id: int
    vacancy_id: int
    seeker_id: int
    worker_id: int
    source_channel: str
    start_date: datetime.date


class GroupOut(Schema):
    source_channel: str
    label: str
    hires: int


class VacancyFigureOut(Schema):
    district_id: int
    district: str
    open_vacancies: int
    open_posts: int
    filled: int
    by_group: list[GroupOut]


def _data(payload: InputSchema) -> dict:
    return payload.model_dump(exclude_none=True)


@router.get(
    "/vacancies", response={200: VacancyPage, **READ_RESPONSES}, summary="List vacancies and trainee posts"
)
def list_vacancies(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.vacancies_visible_to(request.auth), limit=filters.limit, cursor=filters.cursor)


@router.post("/vacancies", response={201: VacancyOut, **ERROR_RESPONSES}, summary="Publish a vacancy")
def create_vacancy(request: HttpRequest, payload: VacancyIn):
    return Status(201, services.vacancy_publish(actor=request.auth, data=_data(payload)))


@router.get(
    "/vacancies/figures",
    response={200: list[VacancyFigureOut], **READ_RESPONSES},
    summary="Figures per district",
)
def figures(request: HttpRequest):
    return selectors.district_figures(request.auth)


@router.get("/vacancies/seekers", response={200: SeekerPage, **READ_RESPONSES}, summary="List job seekers")
def list_seekers(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.seekers_visible_to(request.auth), limit=filters.limit, cursor=filters.cursor)


@router.post(
    "/vacancies/seekers", response={201: SeekerOut, **ERROR_RESPONSES}, summary="Register a job seeker"
)
def create_seeker(request: HttpRequest, payload: SeekerIn):
    return Status(201, services.seeker_register(actor=request.auth, data=_data(payload)))


@router.get(
    "/vacancies/seekers/{seeker_id}", response={200: SeekerOut, **READ_RESPONSES}, summary="A job seeker"
)
def get_seeker(request: HttpRequest, seeker_id: Id):
    return selectors.seeker_get(request.auth, seeker_id)


@router.post(
    "/vacancies/seekers/{seeker_id}/withdraw-consent",
    response={200: SeekerOut, **ERROR_RESPONSES},
    summary="Record withdrawn consent: out of matching, personal data erased",
)
def withdraw_consent(request: HttpRequest, seeker_id: Id):
    seeker = selectors.seeker_get(request.auth, seeker_id)
    return services.seeker_withdraw_consent(actor=request.auth, seeker=seeker)


@router.get("/vacancies/{vacancy_id}", response={200: VacancyOut, **READ_RESPONSES}, summary="A vacancy")
def get_vacancy(request: HttpRequest, vacancy_id: Id):
    return selectors.vacancy_get(request.auth, vacancy_id)


@router.get(
    "/vacancies/{vacancy_id}/matches",
    response={200: list[SeekerOut], **READ_RESPONSES},
    summary="Job seekers matching a vacancy (post, district, education)",
)
def list_matches(request: HttpRequest, vacancy_id: Id):
    return list(selectors.matches(selectors.vacancy_get(request.auth, vacancy_id))[:200])


@router.post(
    "/vacancies/{vacancy_id}/close", response={200: VacancyOut, **ERROR_RESPONSES}, summary="Close a vacancy"
)
def close_vacancy(request: HttpRequest, vacancy_id: Id):
    vacancy = selectors.vacancy_get(request.auth, vacancy_id)
    return services.vacancy_close(actor=request.auth, vacancy=vacancy)


@router.post(
    "/vacancies/{vacancy_id}/hires",
    response={201: HireOut, **ERROR_RESPONSES},
    summary="Hire a matching job seeker (the worker record is created or updated in the registry)",
)
def create_hire(request: HttpRequest, vacancy_id: Id, payload: HireIn):
    vacancy = selectors.vacancy_get(request.auth, vacancy_id)
    if not services.may_manage_vacancy(scope_of(request.auth), vacancy):
        raise Http404
    data = _data(payload)
    seeker = services.pick_match(vacancy, data.pop("seeker", None))
    return Status(201, services.hire(actor=request.auth, vacancy=vacancy, seeker=seeker, data=data))
