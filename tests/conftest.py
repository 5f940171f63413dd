import pytest

from tests import factories, second_factor

# Tests sign in with client.force_login; the second factor is taken as passed unless a test says otherwise
# (tests/test_second_factor.py signs in through the real pages).
second_factor.install()


@pytest.fixture
def city(db):
    return factories.city_admin()


@pytest.fixture
def home(city):
    return factories.institution(actor=city, district_code="500103", name="渝中区幸福养老院")


@pytest.fixture(autouse=True)
def _fresh_vocabulary():
    """The reference lists' shared tables are a per-process cache; a test's rolled-back synonyms must not
    stay in it for the next test."""
    from careforce.core import vocabulary

    vocabulary.clear()
    yield
    vocabulary.clear()
