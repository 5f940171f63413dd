import pytest

from tests import factories


@pytest.fixture
def city(db):
    return factories.city_admin()


@pytest.fixture
def home(city):
    return factories.institution(actor=city, district_code="500103", name="渝中区幸福养老院")
