"""Officials' findings on the roster import: the template's example row, optional columns, the
institution's own code, the tabs of the preview and the error report's sheet name."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from careforce.core.models import Role
from careforce.imports.models import ImportJob
from careforce.registry.models import Worker
from tests import factories
from tests.factories_imports import commit, upload

pytestmark = pytest.mark.django_db


def _template_bytes(client) -> bytes:
    response = client.get(reverse("imports:template", args=["workers"]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _template_rows(client) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(_template_bytes(client)))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_the_templates_own_example_row_passes_for_a_district_official(client, city):
    district = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    factories.institution(actor=city, district_code="500103")
    client.force_login(district)
    job = upload(district, "template.xlsx", _xlsx(_template_rows(client)))
    assert job.rows_error == 0 and job.rows_new == 1, list(job.rows.values_list("errors", flat=True))
    commit(district, job)
    assert Worker.objects.filter(name="张三").exists()


def test_an_institution_admin_need_not_type_its_own_credit_code(client, city):
    place = factories.institution(actor=city, district_code="500103")
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=place)
    client.force_login(admin)
    rows = _template_rows(client)
    assert rows[1][rows[0].index("机构统一社会信用代码")] in (None, "")
    job = upload(admin, "template.xlsx", _xlsx(rows))
    assert job.rows_error == 0 and job.rows_new == 1, list(job.rows.values_list("errors", flat=True))
    commit(admin, job)
    assert Worker.objects.get(name="张三").institution_id == place.pk


def test_an_unknown_occupation_is_not_reported_as_a_missing_team(client, city):
    district = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    factories.institution(actor=city, district_code="500103")
    client.force_login(district)
    rows = _template_rows(client)
    header = rows[0]
    rows[1][header.index("人员类别")] = None
    rows[1][header.index("职业")] = "不存在的职业"
    job = upload(district, "template.xlsx", _xlsx(rows))
    errors = job.rows.get().errors
    assert "人员类别" not in errors and "职业" in errors


def test_a_clean_file_opens_on_the_new_rows_tab_and_lists_them(client, city):
    district = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    factories.institution(actor=city, district_code="500103")
    client.force_login(district)
    job = upload(district, "template.xlsx", _xlsx(_template_rows(client)))
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert 'class="nav-link active" href="?status=new"' in page
    assert "张三" in page and "暂无内容" not in page
    page = client.get(reverse("imports:job_detail", args=[job.pk]) + "?status=new").content.decode()
    assert "张三" in page


def test_the_error_reports_sheet_is_named_errors_not_error_count(client, city):
    district = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    client.force_login(district)
    rows = _template_rows(client)
    rows[1][rows[0].index("职业")] = "不存在的职业"
    job = upload(district, "template.xlsx", _xlsx(rows))
    assert ImportJob.objects.get(pk=job.pk).rows_error == 1
    response = client.get(reverse("imports:job_report", args=[job.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["错误"]
