"""Vacancies and job seekers for tests, created through the services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from careforce.vacancies import services
from careforce.vacancies.models import JobSeeker, Vacancy
from tests import factories


def vacancy(actor, institution, **fields) -> Vacancy:
    data = {
        "institution": institution.pk,
        "post": "养老护理员",
        "number": 2,
        "pay_min": 3500,
        "pay_max": 5000,
        "closing_date": timezone.localdate() + datetime.timedelta(days=30),
        "requirements": "持证优先",
        **fields,
    }
    return services.vacancy_publish(actor=actor, data=data)


def seeker(actor, *, district: str = "500103", **fields) -> JobSeeker:
    data = {
        "name": "刘春花",
        "id_number": factories.new_id_number(region=district if len(district) == 6 else "500103"),
        "phone": "13800138000",
        "district": district,
        "source_channel": "rural_migrant",
        "education": "senior_high",
        "hukou_type": "rural",
        "wanted_post": "养老护理员",
        "consent": True,
        **fields,
    }
    return services.seeker_register(actor=actor, data=data)
