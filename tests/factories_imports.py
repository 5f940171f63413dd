"""Test data for the importer: the fixture files' institutions, and uploads through the service."""

from __future__ import annotations

from pathlib import Path

from careforce.core.models import User
from careforce.imports import services
from careforce.imports.models import ImportJob
from careforce.institutions.models import Institution
from tests import factories
from tests.fixtures.make_fixtures import JIANGBEI, YUZHONG_A, YUZHONG_B

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_institutions(actor: User) -> dict[str, Institution]:
    return {
        "a": factories.institution(
            actor=actor, district_code="500103", uscc=YUZHONG_A, name="渝中区甲养老院"
        ),
        "b": factories.institution(
            actor=actor, district_code="500103", uscc=YUZHONG_B, name="渝中区乙养老院"
        ),
        "jiangbei": factories.institution(
            actor=actor, district_code="500105", uscc=JIANGBEI, name="江北区丙养老院"
        ),
    }


def upload(actor: User, name: str, data: bytes | None = None) -> ImportJob:
    data = (FIXTURES / name).read_bytes() if data is None else data
    job = services.import_upload(actor=actor, sheet="workers", file_name=name, data=data)
    job.refresh_from_db()
    return job


def commit(actor: User, job: ImportJob) -> ImportJob:
    services.import_commit(actor=actor, job=job)
    job.refresh_from_db()
    return job
