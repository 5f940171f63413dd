import contextlib

import pytest

from tests import factories, second_factor

# Tests sign in with client.force_login; the second factor is taken as passed unless a test says otherwise
# (tests/test_second_factor.py signs in through the real pages).
second_factor.install()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (lookups) live in the default cache, which outlives a test: each starts at 0."""
    from django.core.cache import caches

    # A database cache in a test without database access counted nothing: nothing to clear.
    with contextlib.suppress(RuntimeError):
        caches["default"].clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_account_memory():
    """Accounts' permissions and devices, and the dashboard's serialised answers, are kept in memory per
    version; a rolled-back test takes the versions back, so the next test must not find what this one left."""
    from careforce.core import account_cache
    from careforce.indicators import api as indicators_api

    account_cache.forget_all()
    indicators_api.forget_answers()
    yield


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (Simplified Chinese): a test that switches to English for its
    pages must not leave the next test on the same worker reading English messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def city(db):
    return factories.city_admin()


@pytest.fixture
def home(city):
    return factories.institution(actor=city, district_code="500103", name="渝中区幸福养老院")


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A transactional test (browser tests, concurrency tests) starts with the data migrations' rows, whatever
    the tests before it on the same worker flushed."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from tests.reference_data import reload_if_flushed

    reload_if_flushed()


@pytest.fixture(autouse=True)
def _fresh_vocabulary():
    """The reference lists' shared tables are a per-process cache; a test's rolled-back synonyms must not
    stay in it for the next test."""
    from careforce.core import vocabulary

    vocabulary.clear()
    yield
    vocabulary.clear()


@pytest.fixture(autouse=True)
def _time_bank_ledger_emptied_before_flush(request):
    """A transactional test ends by emptying every table; on SQLite that is a DELETE, which the time bank's
    append-only triggers refuse once ledger rows exist. Empty the ledger first (lifting the guard for that
    moment only). PostgreSQL empties with TRUNCATE, which row triggers do not see."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    if connection.vendor == "sqlite":
        from careforce.timebank.db import wipe_ledger

        wipe_ledger(connection)
