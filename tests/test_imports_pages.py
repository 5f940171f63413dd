"""The import and export pages."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from careforce.core.models import District, PiiAccess, Role
from careforce.imports.models import ImportJob, JobStatus
from careforce.registry.models import Worker
from tests import factories
from tests.factories_imports import FIXTURES, commit, fixture_institutions, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(city):
    return fixture_institutions(city)


def _workbook(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_it_uploads_checks_and_commits_through_the_pages(client, city, places):
    client.force_login(city)
    assert client.get(reverse("imports:job_list")).status_code == 200
    with open(FIXTURES / "roster_gbk.csv", "rb") as handle:
        response = client.post(reverse("imports:job_list"), {"sheet": "workers", "file": handle})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "imports:job_detail", args=[job.pk]
    )
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert 'id="commit-button"' in page
    response = client.post(reverse("imports:job_commit", args=[job.pk]))
    assert response.status_code == 302
    assert ImportJob.objects.get().status == JobStatus.COMMITTED
    assert Worker.objects.count() == 2


def test_a_bad_file_is_reported_on_the_form(client, city):
    client.force_login(city)
    with open(FIXTURES / "zip_bomb.xlsx", "rb") as handle:
        response = client.post(reverse("imports:job_list"), {"sheet": "workers", "file": handle})
    assert response.status_code == 200 and "压缩炸弹" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_status_fragment_polls_while_the_job_runs(client, city, places):
    job = upload(city, "roster_gbk.csv")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.VALIDATING, progress_done=1, progress_total=2)
    client.force_login(city)
    response = client.get(
        reverse("imports:job_detail", args=[job.pk]),
        headers={"HX-Request": "true", "HX-Target": "job-status"},
    )
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "<html" not in body and "1 / 2" in body


def test_the_job_page_lists_errors_in_few_queries(client, city, places, django_assert_max_num_queries):
    job = upload(city, "with_error.csv")
    client.force_login(city)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "卫二" in page and 'id="report-link"' in page and 'id="commit-button"' not in page


def test_the_error_report_and_the_template_download(client, city, places):
    job = upload(city, "with_error.csv")
    client.force_login(city)
    rows = _workbook(client.get(reverse("imports:job_report", args=[job.pk])))
    assert rows[0][-1] == "错误说明" and rows[2][-1]
    template = _workbook(client.get(reverse("imports:template", args=["workers"])))
    # 13 columns, and the three of the labour contract
    assert template[0][:3] == ("姓名", "身份证号码", "手机号码") and len(template[0]) == 16


def test_the_worker_export_follows_the_list_filter(client, city, places):
    commit(city, upload(city, "roster_utf8_bom.csv"))
    official = factories.user(Role.INSTITUTION_ADMIN, institution=places["a"])
    client.force_login(official)
    list_page = client.get(reverse("registry:worker_list")).content.decode()
    assert 'id="export-link"' in list_page
    rows = _workbook(client.get(reverse("imports:export_workers") + "?q=张三"))
    assert [r[0] for r in rows[1:]] == ["张三"]


def test_a_role_that_may_unmask_chooses_and_gives_a_reason(client, city, places):
    commit(city, upload(city, "roster_gbk.csv"))
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    client.force_login(official)
    choice = client.get(reverse("imports:export_workers"))
    assert choice.status_code == 200 and 'id="export-masked"' in choice.content.decode()
    masked = _workbook(client.get(reverse("imports:export_workers") + "?mode=masked"))
    assert "********" in masked[1][1]
    refused = client.post(reverse("imports:export_workers") + "?mode=unmasked", {"reason": ""})
    assert refused.status_code == 200 and not PiiAccess.objects.exists()
    full = _workbook(
        client.post(reverse("imports:export_workers") + "?mode=unmasked", {"reason": "年度核查"})
    )
    assert "********" not in full[1][1]
    assert PiiAccess.objects.filter(actor=official, reason="年度核查").count() == 4


def test_the_institution_export(client, city, places):
    client.force_login(city)
    assert 'id="export-link"' in client.get(reverse("institutions:institution_list")).content.decode()
    rows = _workbook(client.get(reverse("imports:export_institutions") + "?q=渝中区"))
    assert sorted(r[0] for r in rows[1:]) == ["渝中区乙养老院", "渝中区甲养老院"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.WORKER])
def test_read_only_roles_get_404_on_the_import_pages(client, city, places, role):
    binding = {"worker": factories.worker(at=places["a"], actor=city)} if role == Role.WORKER else {}
    client.force_login(factories.user(role, **binding))
    assert client.get(reverse("imports:job_list")).status_code == 404
    assert client.get(reverse("imports:template", args=["workers"])).status_code == 404
