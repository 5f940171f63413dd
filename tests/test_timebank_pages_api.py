"""Time-bank pages and API: the desk, the phone view, the import sheet, the xlsx statement, masked identity."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from careforce.core import crypto
from careforce.core.models import Role
from careforce.timebank import selectors, services
from careforce.timebank.models import Rules, Unit, Volunteer
from tests import factories
from tests.factories_timebank import deposit, site, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return {"site": site(city), "vol": volunteer(city)}


def _sheet(rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["记录编号", "志愿者身份证号", "服务站点编码", "服务类型", "服务对象", "服务日期", "时长(小时)"]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "records.xlsx"
    return out


def test_it_imports_a_sheet_once_and_reports_bad_rows_by_sheet_row(client, city, world):
    client.force_login(city)
    id_number = crypto.decrypt(world["vol"].id_number_encrypted, context=b"volunteer.id_number")
    rows = [
        ["A-1", id_number, world["site"].code, "助餐", "张爷爷", "2026-10-01", 1.5],
        ["A-2", id_number, world["site"].code, "meals", "张爷爷", "2026-10-02", 2],
        ["A-3", "500103199001011234", world["site"].code, "meals", "张爷爷", "2026-10-02", 2],
    ]
    url = reverse("timebank:record_import")
    page = client.post(url, {"file": _sheet(rows)}).content.decode()
    assert ("2" in page and "第 4 行" in page) or "Row 4" in page
    client.post(url, {"file": _sheet(rows)})
    assert selectors.balance(world["vol"]) == Decimal("3.5")


def test_the_statement_downloads_as_xlsx(client, city, world):
    deposit(city, world["vol"], world["site"], "2")
    client.force_login(city)
    response = client.get(reverse("timebank:statement_xlsx", args=[world["vol"].pk]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[2][2:4] == [2.0, 2.0]


def test_the_api_shows_masked_identity_and_never_a_birth_date(client, city, world):
    client.force_login(city)
    body = client.get(f"/api/v1/timebank/volunteers/{world['vol'].pk}").json()
    assert "birth" not in json.dumps(body)
    assert body["id_number_masked"].startswith("500103") and "1960" not in body["id_number_masked"]
    assert body["phone_masked"] == "139******78"


def test_the_api_refuses_an_order_beyond_the_balance_naming_the_field(client, city, world):
    deposit(city, world["vol"], world["site"], "1")
    client.force_login(city)
    response = client.post(
        f"/api/v1/timebank/volunteers/{world['vol'].pk}/orders",
        {"site": world["site"].code, "kind": "meals", "hours": "3"},
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "hours" and (
        "余额不足" in error["message"] or "Insufficient" in error["message"]
    )


def test_the_api_flow_deposit_check_order_deliver_confirm(client, city, world):
    client.force_login(city)
    record = client.post(
        "/api/v1/timebank/records",
        {
            "source_key": "api-1",
            "volunteer": world["vol"].pk,
            "site": world["site"].code,
            "kind": "care",
            "recipient": "李奶奶",
            "served_on": "2026-11-01",
            "hours": "10",
            "verify": True,
        },
        content_type="application/json",
    ).json()
    assert record["status"] == "district_check"
    checker = factories.user(Role.DISTRICT_ADMIN, district=world["vol"].district)
    client.force_login(checker)
    assert client.post(f"/api/v1/timebank/records/{record['id']}/check").json()["status"] == "credited"
    order = client.post(
        f"/api/v1/timebank/volunteers/{world['vol'].pk}/orders",
        {"site": world["site"].pk, "kind": "meals", "hours": "2"},
        content_type="application/json",
    ).json()
    assert client.post(f"/api/v1/timebank/orders/{order['id']}/deliver").json()["status"] == "delivered"
    assert client.post(f"/api/v1/timebank/orders/{order['id']}/confirm").json()["status"] == "confirmed"
    statement = client.get(f"/api/v1/timebank/volunteers/{world['vol'].pk}/statement").json()
    assert statement["balance"] == "8.00" and len(statement["items"]) == 2
    figures = {row["district"]: row for row in client.get("/api/v1/timebank/figures").json()}
    row = figures[world["vol"].district.name]
    assert (row["volunteers"], Decimal(row["deposited"]), Decimal(row["withdrawn"])) == (1, 10, 2)


def test_a_relative_with_an_account_orders_from_the_payers_hours_and_confirms(client, city, world):
    Rules.objects.update(min_withdrawal_age=60)
    deposit(city, world["vol"], world["site"], "4")
    parent_id = factories.new_id_number()
    parent = volunteer(city, name="老周", id_number=parent_id)
    account = factories.user(Role.NONE)
    Volunteer.objects.filter(pk=parent.pk).update(account=account)
    services.relative_register(
        actor=city,
        volunteer=world["vol"],
        data={"name": "老周", "relationship": "parent", "id_number": parent_id},
    )
    client.force_login(account)
    page = client.get(reverse("timebank:me")).content.decode()
    assert world["vol"].name in page
    # The form offers only the relative row that is this person.
    relative = world["vol"].relatives.get()
    response = client.post(
        reverse("timebank:order_create", args=[world["vol"].pk]),
        {"from": "me", "relative": relative.pk, "site": world["site"].code, "kind": "meals", "hours": "1"},
    )
    assert response.status_code == 302
    order = world["vol"].orders.get()
    assert order.relative == relative and selectors.balance(world["vol"]) == Decimal("3")
    services.order_deliver(actor=city, order=order)
    client.post(reverse("timebank:order_confirm", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert order in selectors.services_received(parent)
    # The relative sees none of the payer's own pages.
    assert client.get(reverse("timebank:volunteer_detail", args=[world["vol"].pk])).status_code == 404


def test_the_desk_and_lists_render(client, city, world):
    deposit(city, world["vol"], world["site"], "2")
    client.force_login(city)
    for name in (
        "home",
        "volunteer_list",
        "record_list",
        "order_list",
        "site_list",
        "record_create",
        "volunteer_create",
    ):
        assert client.get(reverse(f"timebank:{name}")).status_code == 200, name
    assert client.get(reverse("timebank:volunteer_detail", args=[world["vol"].pk])).status_code == 200
    assert selectors.balance(world["vol"], Unit.POINTS) == Decimal("20")


def test_the_volunteer_page_costs_the_same_queries_however_long_the_history(client, city, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Rules.objects.update(min_withdrawal_age=0)
    client.force_login(city)
    url = reverse("timebank:volunteer_detail", args=[world["vol"].pk])

    def grow():
        deposit(city, world["vol"], world["site"], "3")
        services.relative_register(
            actor=city,
            volunteer=world["vol"],
            data={"name": "亲属", "relationship": "child", "id_number": factories.new_id_number()},
        )
        services.order_request(
            actor=city, volunteer=world["vol"], data={"site": world["site"].pk, "kind": "meals", "hours": "1"}
        )

    grow()
    client.get(url)  # the account's permissions and device are then known (core/account_cache.py)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        grow()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
