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


# ---------------------------------------------------------------- shared by the processes


def new_process() -> None:
    """What another process starts with: neither this process's answers nor its district blocks."""
    from careforce.indicators import api, engine

    api.forget_answers()
    engine.reset()


def builds(sql: list[str]) -> bool:
    """Whether these statements built an answer (the district blocks are read from the counters)."""
    return any("indicators_districtcounter" in q and "indicators_districtversion" not in q for q in sql)


def test_an_answer_built_in_one_process_is_served_to_another_from_the_shared_cache(client, city):
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    client.force_login(city)
    for path in ("/api/v1/indicators", f"/api/v1/indicators?district={district('500103').pk}"):
        first = client.get(path)
        new_process()
        with CaptureQueriesContext(connection) as queries:
            again = client.get(path)
        assert again.content == first.content
        sql = [q["sql"] for q in queries.captured_queries]
        assert not builds(sql), sql


def test_after_a_change_another_process_answers_exactly(client, city):
    yz = factories.institution(actor=city, district_code="500103")
    factories.worker(at=yz, actor=city)
    district_path = f"/api/v1/indicators?district={district('500103').pk}"
    client.force_login(city)
    assert workers_figure(client) == 1 and workers_figure(client, district_path) == 1
    factories.worker(at=yz, actor=city)
    new_process()  # the shared cache still holds the answers of the version before the change
    assert workers_figure(client) == 2 and workers_figure(client, district_path) == 2


def test_a_districts_answer_survives_a_change_elsewhere_but_not_in_its_own_district(client, city):
    from careforce.indicators import selectors
    from careforce.registry.services import worker_transfer

    yz = factories.institution(actor=city, district_code="500103")
    factories.worker(at=yz, actor=city)
    elsewhere = [factories.institution(actor=city, district_code="500105") for _ in range(2)]
    mover = factories.worker(at=elsewhere[0], actor=city)
    yz_id = district("500103").pk
    path = f"/api/v1/indicators?district={yz_id}"
    client.force_login(city)
    first = client.get(path)
    before, catalogue_before = selectors.readings_version(yz_id), selectors.readings_version()

    # A transfer between two institutions of another district: the city's workers stay as they were.
    worker_transfer(
        actor=city,
        worker=mover,
        data={"institution": elsewhere[1].pk, "post": "护理员", "start_date": "2025-01-02"},
    )
    assert selectors.readings_version() != catalogue_before
    assert selectors.readings_version(yz_id) == before
    new_process()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path)
    assert again.content == first.content
    assert not builds([q["sql"] for q in queries.captured_queries])

    # A registration elsewhere moves the city's workers, hence this district's share of a city target.
    factories.worker(at=elsewhere[0], actor=city)
    assert selectors.readings_version(yz_id) != before
    # A change in the district itself.
    before = selectors.readings_version(yz_id)
    factories.worker(at=yz, actor=city)
    assert selectors.readings_version(yz_id) != before
    new_process()
    assert workers_figure(client, path) == 2


def test_an_answer_after_a_change_reads_the_counters_not_the_worker_table(client, city):
    """The verified share's counts are kept with the facts: rebuilding an answer after a change in a
    district of 84,000 workers reads counters, not the district's rows of the worker table."""
    from careforce.core.models import Verification
    from careforce.registry import verification

    yz = factories.institution(actor=city, district_code="500103")
    people = [factories.worker(at=yz, actor=city) for _ in range(2)]
    path = f"/api/v1/indicators?district={district('500103').pk}"
    client.force_login(city)
    client.get("/api/v1/indicators"), client.get(path)
    verification.worker_verify(actor=city, worker=people[0], status=Verification.AUTHORITY_CHECKED)
    for url in ("/api/v1/indicators", path):
        with CaptureQueriesContext(connection) as queries:
            rows = {row["code"]: row for row in client.get(url).json()}
        assert (rows["verified_share"]["numerator"], rows["verified_share"]["denominator"]) == (1, 2)
        sql = [q["sql"] for q in queries.captured_queries]
        assert builds(sql), sql
        assert not any('FROM "registry_worker"' in q for q in sql), sql


def test_a_districts_target_share_counts_every_districts_workers(client, city):
    """The district's answer reads its own block only; its share of a city count target still divides by
    the city's workers (a registration elsewhere halves it)."""
    yz = factories.institution(actor=city, district_code="500103")
    factories.worker(at=yz, actor=city)
    target = Target.objects.get(indicator="registry_workers", district__isnull=True, value=25000)
    path = f"/api/v1/indicators?district={district('500103').pk}"
    client.force_login(city)

    def goal() -> float:
        row = {r["code"]: r for r in client.get(path).json()}["registry_workers"]
        return next(g["value"] for g in row["targets"] if g["due"] == target.due_date.isoformat())

    assert goal() == float(target.value)
    factories.worker(at=factories.institution(actor=city, district_code="500105"), actor=city)
    assert goal() == float(target.value) / 2


# ---------------------------------------------------------------- the lock: one build per version


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "answers"}}


class Builder:
    """A build that counts its runs and says which version it was built for."""

    def __init__(self, text: str):
        self.text, self.runs = text, 0

    def __call__(self) -> bytes:
        self.runs += 1
        return self.text.encode()


@pytest.fixture
def shared(settings):
    from django.core.cache import cache

    settings.CACHES = LOCMEM
    settings.INDICATORS_ANSWER_WAIT_SECONDS = 0.5
    cache.clear()
    yield cache
    cache.clear()


def test_it_waits_for_the_builder_of_another_process_and_builds_nothing(shared):
    import threading
    import time

    from careforce.indicators import api

    slot, version = ("city", None, None, "zh-hans"), ("v", 2)
    key = api.shared_key(slot)
    assert shared.add(f"{key}:building:{api.version_tag(version)}", 1)  # another process is building

    def deliver() -> None:
        time.sleep(0.2)
        shared.set(key, (api.version_tag(version), b"built elsewhere"))

    other = threading.Thread(target=deliver)
    other.start()
    build = Builder("built here")
    started = time.monotonic()
    assert api.kept_answer(slot, version, build) == b"built elsewhere"
    other.join()
    assert build.runs == 0 and time.monotonic() - started >= 0.2
    api.forget_answers()
    assert api.kept_answer(slot, version, build) == b"built elsewhere" and build.runs == 0


def test_it_builds_itself_when_the_builder_does_not_deliver_and_leaves_its_lock(shared):
    import time

    from careforce.indicators import api

    slot, version = ("city", None, None, "zh-hans"), ("v", 3)
    lock = f"{api.shared_key(slot)}:building:{api.version_tag(version)}"
    assert shared.add(lock, 1)
    build = Builder("built here")
    started = time.monotonic()
    assert api.kept_answer(slot, version, build) == b"built here"
    assert build.runs == 1 and time.monotonic() - started >= 0.5
    assert shared.get(lock) == 1  # another process's lock is its own to release
    api.forget_answers()
    assert api.kept_answer(slot, version, Builder("again")) == b"built here"  # shared now


def test_it_builds_at_once_when_the_builder_failed(shared):
    from careforce.indicators import api

    slot, version = ("city", None, None, "zh-hans"), ("v", 4)

    def broken() -> bytes:
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError):
        api.kept_answer(slot, version, broken)
    lock = f"{api.shared_key(slot)}:building:{api.version_tag(version)}"
    assert shared.get(lock) is None  # released: the next request builds without waiting
    build = Builder("built")
    assert api.kept_answer(slot, version, build) == b"built" and build.runs == 1


def test_an_answer_of_another_version_is_never_served(shared):
    from careforce.indicators import api

    slot = ("city", None, None, "zh-hans")
    assert api.kept_answer(slot, ("v", 5), Builder("old")) == b"old"
    api.forget_answers()
    newer = Builder("new")
    assert api.kept_answer(slot, ("v", 6), newer) == b"new" and newer.runs == 1
    assert api.kept_answer(slot, ("v", 6), Builder("unused")) == b"new"  # this process's copy
    # one entry per answer, in the process and in the shared cache, whatever the versions gone by
    assert list(api._answers) == [slot]
    assert shared.get(api.shared_key(slot))[1] == b"new"
