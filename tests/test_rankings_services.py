"""The quality ranking: computed per period from the data, published as a snapshot that never changes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from careforce.core.models import Role
from careforce.rankings import services
from careforce.rankings.models import FrozenError, RankingSnapshot, SnapshotRow
from tests import factories
from tests import factories_conduct as fc

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
THIS_MONTH = {"period_kind": "month", "year": TODAY.year, "number": TODAY.month}


@pytest.fixture
def homes(city):
    good = factories.institution(actor=city, district_code="500103", name="好养老院", beds=100)
    bad = factories.institution(actor=city, district_code="500103", name="差养老院", beds=50)
    other = factories.institution(actor=city, district_code="500105", name="江北养老院", beds=0)
    for home, score in ((good, 5), (bad, 2)):
        worker = factories.worker(at=home, actor=city)
        fc.evaluation(actor=city, worker=worker, score=score)
    fc.substantiated_complaint(actor=city, worker=bad.worker_set.first(), institution=bad)
    return good, bad, other


def test_it_ranks_institutions_by_the_weighted_indicators(city, homes):
    good, bad, other = homes
    ranking = services.ranking_compute(actor=city, data=THIS_MONTH)
    rows = {r.institution_id: r for r in ranking.rows.all()}
    assert rows[good.pk].rank_city == 1 and rows[bad.pk].rank_city == 2
    assert (
        float(rows[bad.pk].complaints_per_100_beds) == 2.0 and rows[other.pk].complaints_per_100_beds is None
    )
    assert rows[good.pk].rank_district == 1 and rows[bad.pk].rank_district == 2
    assert rows[other.pk].evaluation_average is None


def test_publishing_freezes_a_snapshot_that_later_data_does_not_change(city, homes, client):
    _good, bad, _other = homes
    ranking = services.ranking_compute(actor=city, data=THIS_MONTH)
    snapshot = services.ranking_publish(actor=city, ranking=ranking)
    before = list(snapshot.rows.values_list("institution_id", "score", "rank_city"))
    with pytest.raises(ValidationError):
        services.ranking_publish(actor=city, ranking=ranking)
    fc.evaluation(actor=city, worker=bad.worker_set.first(), score=5)
    services.ranking_compute(actor=city, data=THIS_MONTH)
    assert (
        list(RankingSnapshot.objects.get().rows.values_list("institution_id", "score", "rank_city")) == before
    )
    row = SnapshotRow.objects.first()
    row.score = 0
    with pytest.raises(FrozenError):
        row.save()
    with pytest.raises(FrozenError):
        row.delete()
    with pytest.raises(FrozenError):
        snapshot.save()
    assert snapshot.methodology[0]["indicator"] == "evaluations"


def test_the_public_page_needs_no_login_and_shows_published_snapshots_only(city, homes, client):
    good, _bad, other = homes
    draft = services.ranking_compute(actor=city, data=THIS_MONTH)
    assert "好养老院" not in client.get(reverse("rankings:public_list")).content.decode()
    assert client.get(reverse("rankings:ranking_detail", args=[draft.pk])).status_code == 302  # login
    snapshot = services.ranking_publish(actor=city, ranking=draft)
    page = client.get(reverse("rankings:public_detail", args=[snapshot.pk])).content.decode()
    assert "好养老院" in page and 'id="methodology"' in page
    page = client.get(
        reverse("rankings:public_detail", args=[snapshot.pk]) + f"?district={other.district_id}"
    ).content.decode()
    assert "江北养老院" in page and "好养老院" not in page
    api = client.get(f"/api/v1/rankings/{snapshot.pk}?district={good.district_id}").json()
    assert [r["institution_name"] for r in api["rows"]] == ["好养老院", "差养老院"]
    assert client.get("/api/v1/rankings").json()[0]["id"] == snapshot.pk


def test_only_the_city_computes_and_publishes(city, homes):
    district = factories.user(Role.DISTRICT_ADMIN, district=homes[0].district)
    with pytest.raises(Http404):
        services.ranking_compute(actor=district, data=THIS_MONTH)


def test_a_bad_period_is_named(city):
    with pytest.raises(ValidationError) as exc:
        services.ranking_compute(actor=city, data={"period_kind": "week", "year": "20x", "number": "13"})
    assert {"period_kind", "year", "number"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.ranking_compute(
            actor=city, data={"period_kind": "quarter", "year": TODAY.year + 1, "number": 1}
        )
    assert "number" in exc.value.message_dict


def test_period_bounds():
    assert services.period_bounds("quarter", 2026, 4) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert services.period_bounds("month", 2024, 2) == (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))


def test_every_factor_is_shown_and_staffing_uses_the_dashboards_shortfall(city, client):
    """Residents 30 able (1:15) and 6 severely disabled (1:3) call for 4 care staff; two are in post: 50 %.
    The same institution on the dashboard shows a shortfall of 2 (indicators.selectors.care_staffing)."""
    from careforce.indicators import selectors as dashboard
    from careforce.rankings.models import RankingIndicator

    home = factories.institution(
        actor=city, district_code="500103", beds=100, residents_able=30, residents_severe=6, name="幸福院"
    )
    for _n in range(2):
        factories.worker(at=home, actor=city)
    empty = factories.institution(actor=city, district_code="500103", name="空院", beds=20)
    assert dashboard.care_staffing([home.pk]) == {home.pk: (2, 4)}
    method = services.RankingMethod.objects.get(is_active=True)
    assert RankingIndicator.objects.get(method=method, indicator="staffing").weight > 0
    ranking = services.ranking_compute(actor=city, data=THIS_MONTH)
    rows = {r.institution_id: r for r in ranking.rows.all()}
    row = rows[home.pk]
    assert (row.care_staff, row.required_care_staff, float(row.staffing_rate)) == (2, 4, 50.0)
    assert rows[empty.pk].staffing_rate is None
    # Zero is a value, not "no data": a zero factor is shown as 0.0, never as "—".
    assert float(row.certification_rate) == 0.0 and float(row.complaints_per_100_beds) == 0.0
    snapshot = services.ranking_publish(actor=city, ranking=ranking)
    page = client.get(reverse("rankings:public_detail", args=[snapshot.pk])).content.decode()
    cells = page.split("幸福院", 1)[1].split("</tr>", 1)[0]
    assert "50.0" in cells and "(2/4)" in cells and "0.0" in cells
    api = client.get(f"/api/v1/rankings/{snapshot.pk}").json()
    found = next(r for r in api["rows"] if r["institution_id"] == home.pk)
    assert (found["care_staff"], found["required_care_staff"], float(found["staffing_rate"])) == (2, 4, 50.0)
