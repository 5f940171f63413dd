"""A sweep of viewport widths over the main pages: nothing may push the page sideways, no table may need a
sideways scroll (people on phones miss what is off screen), and no cell may clip its text.

Phones (320-430 px): the worker's own pages and the public certificate check. Desks (1280-1920 px): the
officials' main pages, with long names, an import preview holding a 5,000-character cell, and a dashboard
full of institutions. One browser, one page reused across widths."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest

from careforce.core.models import District, Role
from careforce.indicators import engine
from careforce.training import services as training_services
from tests import factories
from tests import factories_conduct as fc
from tests import factories_training as ft
from tests.browser.conftest import login
from tests.factories_imports import upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONES = (320, 360, 390, 430)
DESKS = (1280, 1440, 1920)

# What overflows: the document wider than the window, a table wider than its box (a sideways scroll), a
# cell whose text is cut off by `overflow: hidden`.
MEASURE = """
() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    // Name the innermost elements that stick out, so the failure says what to fix.
    const out = [...document.body.querySelectorAll('*')].filter(
      (el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.getClientRects().length
    );
    const innermost = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
    const what = innermost.slice(0, 3).map(
      (el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`
    );
    problems.push(`page ${doc.scrollWidth}px wide in a ${window.innerWidth}px window (${what.join(', ')})`);
  }
  const name = (el) => el.id ? `#${el.id}` : (el.closest('[id]') ? `in #${el.closest('[id]').id}` : el.tagName);
  for (const box of document.querySelectorAll('.table-responsive')) {
    if (box.offsetParent !== null && box.scrollWidth > box.clientWidth + 1) {
      problems.push(`table ${name(box.querySelector('table') || box)} scrolls sideways (${box.scrollWidth} > ${box.clientWidth})`);
    }
  }
  for (const cell of document.querySelectorAll('td, th')) {
    const style = getComputedStyle(cell);
    if ((style.overflow === 'hidden' || style.overflowX === 'hidden') && cell.scrollWidth > cell.clientWidth + 1) {
      problems.push(`cell ${name(cell)} clipped: ${cell.textContent.trim().slice(0, 40)}`);
    }
  }
  return problems;
}
"""


def _sweep(page, url: str, widths: tuple[int, ...], found: list[str]) -> None:
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        for problem in page.evaluate(MEASURE):
            found.append(f"{width}px {url.split('//', 1)[-1].split('/', 1)[-1] or '/'}: {problem}")


def _long_import(actor) -> int:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号码", "学历", "户籍类型", "职业", "来源渠道", "岗位"])
    sheet.append(["长" * 5000, factories.new_id_number(), "高中", "农村", "养老护理员", "其他", "x" * 5000])
    sheet.append(["王五", factories.new_id_number(), "高中", "农村", "养老护理员", "其他", ""])
    out = io.BytesIO()
    book.save(out)
    return upload(actor, "long.xlsx", out.getvalue()).pk


def test_no_page_overflows_at_any_width(page, live_server):
    engine.reset()
    city = factories.city_admin("sweep-city")
    yuzhong = District.objects.get(code="500103")
    homes = [
        factories.institution(
            actor=city,
            district_code="500103",
            name=f"重庆市渝中区社会福利院第{n}养老服务中心（医养结合示范机构）",
        )
        for n in range(4)
    ]
    carer = factories.worker(at=homes[0], actor=city, name="欧阳娜娜")
    for n in range(3):
        factories.worker(at=homes[n % 4], actor=city, name=f"李四{n}")
    ft.certificate(carer, actor=city)
    ft.completion(carer, actor=city)
    today = datetime.date.today()
    session = ft.session(actor=city, start_date=today, end_date=today)
    training_services.enrolments_create(actor=city, session=session, workers=[carer])
    fc.evaluation(actor=city, worker=carer)
    job = _long_import(city)
    worker_account = factories.user(Role.WORKER, worker=carer)

    url = live_server.url
    found: list[str] = []
    _sweep(page, f"{url}/skills/verify/", PHONES, found)

    login(page, live_server, worker_account.username)
    for path in ("/", f"/workers/{carer.pk}/", "/training/learn/"):
        _sweep(page, f"{url}{path}", PHONES, found)

    page.context.clear_cookies()
    login(page, live_server, city.username)
    for path in (
        "/",
        "/workers/",
        f"/workers/{carer.pk}/",
        f"/imports/{job}/",
        "/skills/",
        "/training/",
        "/indicators/",
        f"/indicators/districts/{yuzhong.pk}/",
        "/conduct/",
    ):
        _sweep(page, f"{url}{path}", DESKS, found)

    assert found == [], "\n".join(found)
