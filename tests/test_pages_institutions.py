"""The institution pages: list, detail with staff and history, registration and editing."""

import random

import pytest
from django.urls import reverse

from careforce.core.models import AuditEvent, Role
from careforce.core.synthetic import credit_code
from careforce.institutions.models import Institution
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_admin(db):
    return factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))


def institution_post(**overrides):
    data = {
        "uscc": credit_code(random.Random(), region="500103"),
        "name": "渝中区康乐养老院",
        "district": str(factories.district("500103").pk),
        "kind": "institution",
        "ownership": "private",
        "star_grade": "3",
        "beds": "120",
        "residents_able": "10",
        "residents_mild": "20",
        "residents_moderate": "15",
        "residents_severe": "8",
        "residents_total": "4",
        "address": "渝中区解放碑",
        "contact_name": "王经理",
        "contact_phone": "023-12345678",
    }
    data.update(overrides)
    return data


def test_it_lists_institutions_in_scope(client, city, home, district_admin):
    elsewhere = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    client.force_login(district_admin)
    response = client.get(reverse("institutions:institution_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert home.name in body and elsewhere.name not in body
    assert "养老机构" in body


def test_it_filters_by_kind_and_finds_by_credit_code(client, city, home):
    community = factories.institution(actor=city, kind="community", name="社区日间照料中心")
    client.force_login(city)
    body = client.get(reverse("institutions:institution_list"), {"kind": "community"}).content.decode()
    assert community.name in body and home.name not in body
    body = client.get(reverse("institutions:institution_list"), {"q": home.uscc.lower()}).content.decode()
    assert home.name in body and community.name not in body


def test_it_lists_with_a_constant_number_of_queries(client, city, home, django_assert_num_queries):
    client.force_login(city)
    url = reverse("institutions:institution_list")
    client.get(url)
    # 5: session, user and the page's own (the permissions and the verified device are known from an earlier request: core/account_cache.py)
    with django_assert_num_queries(5):
        client.get(url)
    for code in ("500105", "500106", "500107"):
        factories.institution(actor=city, district_code=code)
    with django_assert_num_queries(5):
        client.get(url)


def test_it_shows_current_staff_and_history(client, city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    client.force_login(city)
    response = client.get(reverse("institutions:institution_detail", args=[home.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert worker.name in body and worker.id_number_masked in body
    assert "现有从业人员" in body and "变更记录" in body
    assert "新建" in body  # the creation event


def test_it_shows_staff_with_a_constant_number_of_queries(client, city, home, django_assert_num_queries):
    client.force_login(city)
    url = reverse("institutions:institution_detail", args=[home.pk])
    factories.worker(at=home, actor=city)
    client.get(url)
    # 7: session, user and the page's own (the permissions and the verified device are known from an earlier request: core/account_cache.py)
    with django_assert_num_queries(7):
        client.get(url)
    for _ in range(3):
        factories.worker(at=home, actor=city)
    with django_assert_num_queries(7):
        client.get(url)


def test_it_hides_an_institution_out_of_scope(client, city, home):
    other = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500105"))
    client.force_login(other)
    assert client.get(reverse("institutions:institution_detail", args=[home.pk])).status_code == 404
    assert client.get(reverse("institutions:institution_edit", args=[home.pk])).status_code == 404


def test_it_registers_an_institution(client, district_admin):
    client.force_login(district_admin)
    response = client.post(reverse("institutions:institution_create"), institution_post())
    institution = Institution.objects.get(name="渝中区康乐养老院")
    assert response.status_code == 302
    assert response.url == reverse("institutions:institution_detail", args=[institution.pk])
    assert institution.residents == 57 and institution.star_grade == 3 and institution.beds == 120


def test_it_shows_a_wrong_credit_code_beside_the_field_and_writes_nothing(client, district_admin):
    client.force_login(district_admin)
    good = credit_code(random.Random(1), region="500103")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(reverse("institutions:institution_create"), institution_post(uscc=bad, beds="-3"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "校验码" in errors["uscc"][0]
    assert "0" in errors["beds"][0]
    assert "is-invalid" in response.content.decode()
    assert not Institution.objects.filter(name="渝中区康乐养老院").exists()


def test_a_district_admin_cannot_register_in_another_district(client, district_admin):
    client.force_login(district_admin)
    other = str(factories.district("500105").pk)
    response = client.post(reverse("institutions:institution_create"), institution_post(district=other))
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert not Institution.objects.filter(name="渝中区康乐养老院").exists()


def test_an_institution_admin_edits_their_own_institution(client, home):
    manager = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(manager)
    url = reverse("institutions:institution_edit", args=[home.pk])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(residents_severe="12", is_public_service_unit="")
    data.pop("is_public_service_unit")
    response = client.post(url, data)
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.residents_severe == 12
    event = AuditEvent.objects.filter(institution_id=home.pk, action="update").get()
    assert event.changes == {"residents_severe": [0, 12]}
    assert client.get(reverse("institutions:institution_create")).status_code == 404


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.WORKER])
def test_read_only_roles_get_404_on_writes(client, city, home, role):
    if role == Role.AUDITOR:
        reader = factories.user(Role.AUDITOR)
    else:
        reader = factories.user(Role.WORKER, worker=factories.worker(at=home, actor=city))
    client.force_login(reader)
    for url in (
        reverse("institutions:institution_create"),
        reverse("institutions:institution_edit", args=[home.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, institution_post()).status_code == 404
    if role == Role.AUDITOR:
        body = client.get(reverse("institutions:institution_detail", args=[home.pk])).content.decode()
        assert reverse("institutions:institution_edit", args=[home.pk]) not in body
    assert not Institution.objects.filter(name="渝中区康乐养老院").exists()
