"""Record completeness: one definition, read per worker, per institution and per district."""

import datetime

import pytest
from django.utils import timezone

from careforce.core.models import Verification
from careforce.registry import completeness
from careforce.registry.models import Employment
from careforce.registry.verification import worker_verify
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_unconfirmed_record_lacks_only_the_confirmation():
    w = f.worker()
    assert completeness.missing(w) == [str(completeness.CRITERIA[-1].label)]
    assert completeness.share(completeness.current_staff().filter(pk=w.pk)).complete == 0


def test_confirmed_record_with_contract_is_complete_and_a_year_later_is_not():
    admin = f.city_admin()
    w = f.worker(actor=admin)
    worker_verify(actor=admin, worker=w, status=Verification.INSTITUTION_CONFIRMED)
    assert completeness.missing(w) == []
    later = timezone.localdate() + datetime.timedelta(days=completeness.CONFIRMATION_VALID_DAYS + 1)
    assert completeness.missing(w, later) != []


def test_no_labour_contract_or_no_phone_is_named():
    admin = f.city_admin()
    w = f.worker(actor=admin, phone="")
    worker_verify(actor=admin, worker=w, status=Verification.INSTITUTION_CONFIRMED)
    Employment.objects.filter(worker=w).update(has_labour_contract=False)
    lacks = completeness.missing(w)
    assert str(completeness.CRITERIA[0].label) in lacks
    assert any("contract" in s or "合同" in s for s in lacks)


def test_shares_by_institution_and_threshold():
    admin = f.city_admin()
    home = f.institution(actor=admin)
    done = [f.worker(actor=admin, at=home) for _ in range(9)]
    for w in done:
        worker_verify(actor=admin, worker=w, status=Verification.INSTITUTION_CONFIRMED)
    f.worker(actor=admin, at=home)
    s = completeness.shares_by_institution([home.pk])[home.pk]
    assert (s.complete, s.total, s.percent) == (9, 10, 90.0)
    assert s.meets(90) and not s.meets(95)
    assert completeness.incomplete(completeness.current_staff().filter(institution=home)).count() == 1
    district = completeness.shares_by_district()[home.district_id]
    assert district.total >= 10
