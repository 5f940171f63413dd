"""What people type is kept as typed: full-width punctuation, emoji and rare characters read back byte for byte
through the services, the forms, the API and the importer. Only identifiers, codes and matching keys are
normalised; a certificate number is kept as issued and matched on a key."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from careforce.conduct.models import Complaint, ComplaintChannel
from careforce.core.validators import clean_free_text
from careforce.imports import services as imports
from careforce.institutions.models import Institution
from careforce.skills import public
from careforce.skills.models import Certificate
from careforce.training import services as training
from careforce.training.models import Course
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db

# Full-width colon, comma and brackets, an emoji, a CJK Extension B character (U+20000), a line break, a
# tab and a full-width space inside.
TYPED = "投诉：护理员态度差，（已核实）😀𠀀\n第二行\t制表　全角空格"


def test_free_text_keeps_everything_but_control_characters():
    assert clean_free_text(f"  {TYPED} \n") == TYPED
    assert clean_free_text("a\x00b\x07c\x1bd") == "abcd"
    assert clean_free_text("（）：，") == "（）：，"
    assert "𠀀".encode() == b"\xf0\xa0\x80\x80"


def test_a_complaint_reads_back_as_typed_through_the_service(city, home):
    worker = factories.worker(at=home, actor=city)
    from careforce.conduct import services as conduct

    complaint = conduct.complaint_receive(
        actor=city, data={"channel": "hotline", "worker": worker.pk, "content": TYPED}
    )
    complaint.refresh_from_db()
    assert complaint.content == TYPED
    assert complaint.content.encode() == TYPED.encode()


def test_a_complaint_reads_back_as_typed_through_the_form(client, city, home):
    worker = factories.worker(at=home, actor=city)
    client.force_login(city)
    channel = ComplaintChannel.objects.get(code="hotline")
    response = client.post(
        reverse("conduct:complaint_create"),
        {
            "channel": channel.pk,
            "worker": worker.pk,
            "institution": "",
            "received_on": datetime.date.today().isoformat(),
            "content": TYPED,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    complaint = Complaint.objects.get()
    assert complaint.content == TYPED
    page = client.get(reverse("conduct:complaint_detail", args=[complaint.pk])).content.decode()
    assert "投诉：护理员态度差，（已核实）😀𠀀" in page


def test_a_complaint_reads_back_as_typed_through_the_api(client, city, home):
    worker = factories.worker(at=home, actor=city)
    client.force_login(city)
    response = client.post(
        "/api/v1/complaints",
        json.dumps({"channel": "hotline", "worker": worker.pk, "content": TYPED}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["content"] == TYPED
    assert Complaint.objects.get().content == TYPED


def test_a_complaint_reads_back_as_typed_through_the_importer(city, home):
    worker = factories.worker(at=home, actor=city)
    book = openpyxl.Workbook()
    book.active.append(
        ["投诉渠道", "被投诉人身份证号码", "被投诉机构统一社会信用代码", "收到日期", "投诉内容"]
    )
    book.active.append(["信访", worker.reveal_id_number(), home.uscc, "2026-05-01", TYPED])
    out = io.BytesIO()
    book.save(out)
    job = imports.import_upload(actor=city, sheet="complaints", file_name="c.xlsx", data=out.getvalue())
    job.refresh_from_db()
    assert job.rows_new == 1, job.message
    imports.import_commit(actor=city, job=job)
    assert Complaint.objects.get().content == TYPED


def test_course_titles_and_lesson_texts_read_back_as_typed(client, city):
    title = "失智照护（进阶）：沟通，陪伴😀𠀀"
    course = ft.course(kind="online", hours="3", title=title)
    assert Course.objects.get(pk=course.pk).title == title
    lesson = training.lesson_add(
        actor=city, course=course, data={"title": "第一课：认识（失智）", "minutes": 10, "content": TYPED}
    )
    lesson.refresh_from_db()
    assert (lesson.title, lesson.content) == ("第一课：认识（失智）", TYPED)
    client.force_login(city)
    patched = client.patch(
        f"/api/v1/training/courses/{course.pk}",
        json.dumps({"title": "新标题：（二）😀𠀀"}),
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["title"] == "新标题：（二）😀𠀀"
    assert Course.objects.get(pk=course.pk).title == "新标题：（二）😀𠀀"


def test_names_of_things_and_posts_keep_their_full_width_brackets(city, home):
    inst = factories.institution(
        actor=city, name="渝中区（解放碑）幸福养老院", address="解放碑街道１号，３楼"
    )
    inst = Institution.objects.get(pk=inst.pk)
    assert (inst.name, inst.address) == ("渝中区（解放碑）幸福养老院", "解放碑街道１号，３楼")
    worker = factories.worker(at=home, actor=city)
    employment = worker.employments.get()
    from careforce.registry import services as registry

    registry.employment_update(actor=city, employment=employment, data={"post": "助浴员（兼职）"})
    employment.refresh_from_db()
    assert employment.post == "助浴员（兼职）"


# ---- certificate numbers: kept as issued, matched ignoring punctuation and case, unique per issuer


def _issue(city, worker, number, issuer):
    return ft.certificate(worker, actor=city, issuer=issuer, number=number)


def test_a_certificate_number_is_kept_as_issued_and_matched_on_its_key(city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    body, other_body = ft.evaluation_body(), ft.evaluation_body()
    cert = _issue(city, worker, "CQ2026-YL-000123", body)
    assert Certificate.objects.get(pk=cert.pk).number == "CQ2026-YL-000123"
    for typed in ("cq2026yl000123", "CQ2026 YL 000123", "ＣＱ２０２６－ＹＬ－０００１２３"):
        with pytest.raises(ValidationError) as caught:
            _issue(city, worker, typed, body)
        assert "number" in caught.value.message_dict
        found = public.verify(typed, "张三")
        assert found is not None and found.number == "CQ2026-YL-000123"
    # the same number from another issuing body is another certificate
    again = _issue(city, worker, "CQ2026-YL-000123", other_body)
    assert again.pk != cert.pk and Certificate.objects.filter(number_key="CQ2026YL000123").count() == 2


def test_the_certificate_importer_keeps_the_number_and_knows_it_again(city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    body = ft.evaluation_body()
    issuer = ft.body_account(body)  # the body imports the certificates it issued
    header = "证书编号,身份证号码,姓名,职业,等级,评价机构,发证日期\n"
    row = f"{{number}},{worker.reveal_id_number()},张三,养老护理员,初级工,{body.registration_number},2024-01-01\n"

    def run(number):
        job = imports.import_upload(
            actor=issuer,
            sheet="certificates",
            file_name="c.csv",
            data=(header + row.format(number=number)).encode("utf-8-sig"),
        )
        job.refresh_from_db()
        return job

    job = run("CQ2026-YL-000123")
    assert job.rows_new == 1, job.message
    imports.import_commit(actor=issuer, job=job)
    assert Certificate.objects.get().number == "CQ2026-YL-000123"
    again = run("cq2026yl000123")
    assert (again.rows_unchanged, again.rows_error) == (1, 0)
