"""Frozen period reports as PDF: the Chinese text is really in the file (extracted with pypdf), every
character is drawn by the embedded font, and the PDF of a report never changes after it was generated."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from careforce.indicators import pdf, services
from careforce.registry.services import employment_end
from tests import factories
from tests.factories_indicators import district, fresh_dashboard, today  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(city):
    home = factories.institution(
        actor=city, district_code="500103", name="璟珺养老服务中心", residents_severe=30
    )
    factories.worker(at=home, actor=city, name="甲")
    worker = factories.worker(at=home, actor=city, name="乙")
    return services.report_generate(actor=city, district=district("500103")), worker


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_it_downloads_a_pdf_whose_text_is_the_chinese_of_the_report(report, city, client):
    report, _worker = report
    client.force_login(city)
    response = client.get(f"/indicators/reports/{report.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    assert "渝中区" in text
    for label in (
        "定期报告",
        "人才信息库人数",
        "待处理事项",
        "护理人员配备不足的机构",
    ):  # the catalogue's Chinese
        assert label in text, label
    assert "璟珺养老服务中心" in text  # a name outside GB 2312, from the items needing action
    assert report.content_sha256 in text.replace("\n", "")
    # Every character of the report is one the embedded font draws (no missing glyphs).
    cmap = TTFont(pdf.FONT, lazy=True).getBestCmap()
    assert not [c for c in text if not c.isspace() and ord(c) not in cmap]


def test_the_pdf_of_a_report_never_changes_after_it_was_generated(report, city, client):
    report, worker = report
    client.force_login(city)
    first = client.get(f"/indicators/reports/{report.pk}/report.pdf").content
    employment_end(actor=city, employment=worker.employments.get(), end_date=today())
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    second = client.get(f"/indicators/reports/{report.pk}/report.pdf").content
    assert second == first  # same bytes: drawn from the stored content, dated by its generation
    report.refresh_from_db()
    assert services.report_generate(actor=city, district=district("500103")).content != report.content


def test_a_character_the_font_lacks_is_drawn_as_a_square_not_dropped():
    assert pdf.drawable("渝中区\U00020000院") == "渝中区□院"
    assert pdf.drawable("养老院 A-1") == "养老院 A-1"
