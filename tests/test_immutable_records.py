"""Published rankings, frozen reports and their rows refuse UPDATE and DELETE in the database itself: raw
SQL and bulk QuerySet updates (which go under the models' save/delete guards) are refused by triggers on
SQLite and PostgreSQL (run this file with DATABASE_URL=postgres://… as well)."""

import datetime

import pytest
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction

from careforce.core.db.immutable import REFUSE_PREFIX
from careforce.indicators import services as indicator_services
from careforce.indicators.models import PeriodReport
from careforce.rankings import services
from careforce.rankings.models import Ranking, RankingRow, RankingSnapshot, SnapshotRow
from tests import factories
from tests.factories_indicators import district

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
THIS_MONTH = {"period_kind": "month", "year": TODAY.year, "number": TODAY.month}


@pytest.fixture
def published(city):
    for name in ("甲养老院", "乙养老院"):
        factories.worker(at=factories.institution(actor=city, district_code="500103", name=name), actor=city)
    ranking = services.ranking_compute(actor=city, data=THIS_MONTH)
    return services.ranking_publish(actor=city, ranking=ranking)


def refused(sql: str, params=()) -> None:
    with pytest.raises(IntegrityError) as exc, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert REFUSE_PREFIX in str(exc.value)


def test_it_refuses_raw_updates_and_deletes_of_published_rows(published):
    row = SnapshotRow.objects.filter(snapshot=published).first()
    refused("UPDATE rankings_snapshotrow SET score = 0 WHERE id = %s", [row.pk])
    refused("DELETE FROM rankings_snapshotrow WHERE id = %s", [row.pk])
    refused("UPDATE rankings_rankingsnapshot SET title = 'x' WHERE id = %s", [published.pk])
    refused("DELETE FROM rankings_rankingsnapshot WHERE id = %s", [published.pk])
    refused("UPDATE rankings_rankingrow SET score = 0 WHERE ranking_id = %s", [published.ranking_id])
    refused("DELETE FROM rankings_rankingrow WHERE ranking_id = %s", [published.ranking_id])
    refused("UPDATE rankings_ranking SET institutions = 0 WHERE id = %s", [published.ranking_id])
    assert SnapshotRow.objects.get(pk=row.pk).score == row.score


def test_it_refuses_a_bulk_queryset_update_and_delete(published):
    before = list(SnapshotRow.objects.order_by("pk").values_list("pk", "score", "rank_city"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotRow.objects.filter(snapshot=published).update(score=100, rank_city=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RankingRow.objects.filter(ranking_id=published.ranking_id).update(score=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotRow.objects.filter(snapshot=published)._raw_delete(connection.alias)
    with pytest.raises(IntegrityError), transaction.atomic():
        RankingSnapshot.objects.filter(pk=published.pk).update(title="改过的")
    assert list(SnapshotRow.objects.order_by("pk").values_list("pk", "score", "rank_city")) == before


def test_a_draft_ranking_can_still_be_changed(published, city):
    draft = services.ranking_compute(actor=city, data=THIS_MONTH)
    assert RankingRow.objects.filter(ranking=draft).update(score=1) == 2
    assert Ranking.objects.filter(pk=draft.pk).update(institutions=7) == 1
    RankingRow.objects.filter(ranking=draft)._raw_delete(connection.alias)
    assert not RankingRow.objects.filter(ranking=draft).exists()


def test_it_refuses_changes_to_a_frozen_report(city):
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    report = indicator_services.report_generate(actor=city, district=district("500103"))
    refused("UPDATE indicators_periodreport SET content_sha256 = 'x' WHERE id = %s", [report.pk])
    refused("DELETE FROM indicators_periodreport WHERE id = %s", [report.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodReport.objects.filter(pk=report.pk).update(period="2000-01")
    assert PeriodReport.objects.get(pk=report.pk).period == report.period


def test_a_flush_still_empties_the_guarded_tables_and_keeps_the_guards(published, city):
    """The test runner's reset and `flush` are the owner's operation (TRUNCATE on PostgreSQL; on SQLite the
    guards are lifted around the DELETEs and put back)."""
    tables = [m._meta.db_table for m in (SnapshotRow, RankingSnapshot, RankingRow, Ranking)]
    if connection.vendor == "postgresql":  # TRUNCATE inside the test's transaction: checks done first
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    assert not SnapshotRow.objects.exists() and not RankingSnapshot.objects.exists()
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    again = services.ranking_publish(
        actor=city, ranking=services.ranking_compute(actor=city, data=THIS_MONTH)
    )
    refused("DELETE FROM rankings_snapshotrow WHERE snapshot_id = %s", [again.pk])
