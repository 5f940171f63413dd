"""The catalogue (/api/v1/indicators) and a district's readings are served from bytes built once per version
of what they are computed from: exact right after any change, one cheap statement otherwise, and never a
write. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careforce.core.models import Role
from careforce.indicators.models import Target
from careforce.indicators.services import target_update
from careforce.registry.services import employment_end
from tests import factories
from tests.factories_indicators import district, fresh_dashboard  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = ("INSERT ", "UPDATE ", "DELETE ")


def workers_figure(client, path: str = "/api/v1/indicators") -> float:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()}["registry_workers"]["value"]


def test_a_change_shows_in_the_next_read_of_the_catalogue_and_the_district(client, city):
    yz = factories.institution(actor=city, district_code="500103")
    factories.worker(at=yz, actor=city)
    district_path = f"/api/v1/indicators?district={district('500103').pk}"
    client.force_login(city)
    assert workers_figure(client) == 1 and workers_figure(client, district_path) == 1
    assert workers_figure(client) == 1  # from the kept answer
    leaving = factories.worker(at=yz, actor=city)
    assert workers_figure(client) == 2 and workers_figure(client, district_path) == 2
    employment_end(actor=city, employment=leaving.employments.get(), end_date="2024-05-01")
    assert workers_figure(client) == 1 and workers_figure(client, district_path) == 1

    target = Target.objects.filter(indicator="registry_workers", district__isnull=True).first()
    rows = {row["code"]: row for row in client.get("/api/v1/indicators").json()}
    assert rows["registry_workers"]["target"] == float(target.value)
    target_update(actor=city, target=target, data={"value": "31000"})
    rows = {row["code"]: row for row in client.get("/api/v1/indicators").json()}
    assert rows["registry_workers"]["target"] == 31000


def test_a_kept_answer_costs_one_statement_beyond_the_account_and_writes_nothing(client, city):
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=district("500103"))
    client.force_login(district_admin)
    path = f"/api/v1/indicators?district={district('500103').pk}"
    first = client.get(path)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path)
    assert again.content == first.content
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any(q.lstrip().upper().startswith(WRITES) for q in sql), sql
    # the session, the account, the district's existence, the version (and the reference lists' version
    # when the cache is the database's table rather than Redis)
    assert len(sql) <= 5, sql
    # The counters are not read again; the version statement probes the city's workers (one counter per
    # district, by its unique index).
    counters = [q for q in sql if "indicators_districtcounter" in q]
    assert len(counters) == 1 and "indicators_districtversion" in counters[0], sql
    other = district("500105").pk
    assert client.get(f"/api/v1/indicators?district={other}").status_code == 404


def test_the_answer_differs_by_viewer_scope(client, city):
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    client.force_login(city)
    city_rows = {row["code"]: row for row in client.get("/api/v1/indicators").json()}
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=district("500103")))
    district_rows = {row["code"]: row for row in client.get("/api/v1/indicators").json()}
    assert city_rows["registry_workers"]["records_url"] == "/workers/?active=yes"
    assert district_rows["registry_workers"]["records_url"] is None
