"""Evaluations, complaints and penalties: the services, the public link, the metrics contract."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.signing import TimestampSigner
from django.http import Http404
from django.urls import reverse

from careforce.conduct import metrics, services
from careforce.conduct.models import Complaint, ComplaintStatus, Evaluation
from careforce.conduct.views import masked_name
from careforce.core.models import AuditEvent, District, Role
from careforce.core.workdays import add_working_days
from tests import factories
from tests import factories_conduct as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(city, home):
    return factories.worker(at=home, actor=city, name="张三丰")


def test_it_records_an_evaluation_with_the_mean_of_its_scores(city, worker):
    e = fc.evaluation(
        actor=city,
        worker=worker,
        scores={"attitude": 5, "skill": 4, "punctuality": 4, "communication": 3, "hygiene": 5},
    )
    assert float(e.average) == 4.2
    assert e.institution_id == worker.institution_id
    assert e.scores.count() == 5
    assert AuditEvent.objects.filter(
        object_type="conduct.evaluation", object_id=e.pk, worker_id=worker.pk
    ).exists()


def test_it_names_every_bad_score_and_writes_nothing(city, worker):
    with pytest.raises(ValidationError) as exc:
        fc.evaluation(
            actor=city, worker=worker, evaluator_kind="cousin", scores={"attitude": 6, "skill": "x"}
        )
    errors = exc.value.message_dict
    assert {"evaluator_kind", "score_attitude", "score_skill", "score_hygiene"} <= set(errors)
    assert not Evaluation.objects.exists()


def test_it_refuses_a_worker_outside_the_actors_scope(city, worker):
    jiangbei = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    with pytest.raises(ValidationError) as exc:
        fc.evaluation(actor=jiangbei, worker=worker)
    assert "worker" in exc.value.message_dict


def test_read_only_roles_cannot_record(city, worker):
    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(Http404):
        fc.evaluation(actor=auditor, worker=worker)


def test_the_public_link_shows_only_a_masked_name_and_accepts_an_evaluation(client, city, worker):
    token = services.evaluation_link_token(worker=worker, institution=worker.institution)
    url = reverse("conduct:public_evaluation", args=[token])
    page = client.get(url).content.decode()
    assert "张**" in page and "张三丰" not in page and worker.id_number_masked not in page
    data = {"evaluator_kind": "family", **{f"score_{code}": "4" for code in fc.ALL_FIVES}}
    response = client.post(url, data)
    assert response.status_code == 200 and Evaluation.objects.get().source == "public_link"


def test_a_tampered_or_expired_link_is_not_found(client, city, worker, settings):
    token = services.evaluation_link_token(worker=worker, institution=worker.institution)
    assert client.get(reverse("conduct:public_evaluation", args=[token[:-2] + "xx"])).status_code == 404
    from careforce.conduct.models import ConductSettings

    ConductSettings.objects.filter(pk=1).update(evaluation_link_days=0)
    import time

    time.sleep(1.1)
    assert client.get(reverse("conduct:public_evaluation", args=[token])).status_code == 404
    assert TimestampSigner  # the token is a django.core.signing timestamped value


def test_public_evaluations_are_rate_limited(client, city, worker):
    from careforce.conduct.models import ConductSettings

    ConductSettings.objects.filter(pk=1).update(public_evaluations_per_hour=2)
    token = services.evaluation_link_token(worker=worker, institution=worker.institution)
    url = reverse("conduct:public_evaluation", args=[token])
    data = {"evaluator_kind": "elder", **{f"score_{code}": "5" for code in fc.ALL_FIVES}}
    codes = [client.post(url, data, REMOTE_ADDR="10.9.8.7").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert Evaluation.objects.count() == 2


def test_masked_name():
    assert masked_name("张三丰") == "张**" and masked_name("李") == "李*"


def test_a_complaint_moves_through_its_workflow_with_audit(city, worker):
    c = fc.complaint(
        actor=city, worker=worker, received_on=datetime.date.today() - datetime.timedelta(days=3)
    )
    assert c.status == ComplaintStatus.RECEIVED and c.district_id == worker.district_id
    assert c.deadline == add_working_days(c.received_on, 15)  # the hotline's 15 working days
    with pytest.raises(ValidationError) as exc:
        services.complaint_transition(actor=city, complaint=c, to="closed")
    assert "to" in exc.value.message_dict
    services.complaint_transition(actor=city, complaint=c, to="investigating")
    with pytest.raises(ValidationError) as exc:
        services.complaint_transition(actor=city, complaint=c, to="substantiated", note="")
    assert "note" in exc.value.message_dict
    services.complaint_transition(actor=city, complaint=c, to="substantiated", note="属实")
    c = services.complaint_transition(actor=city, complaint=c, to="closed")
    assert (c.status, c.finding) == ("closed", "substantiated") and c.closed_on
    assert AuditEvent.objects.filter(object_type="conduct.complaint", object_id=c.pk).count() == 4


def test_only_the_bureaus_investigate(city, home, worker):
    c = fc.complaint(actor=city, worker=worker)
    head = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    with pytest.raises(Http404):
        services.complaint_transition(actor=head, complaint=c, to="investigating")
    with pytest.raises(Http404):
        fc.penalty(actor=head, worker=worker)


def test_a_complaint_needs_a_subject(city):
    with pytest.raises(ValidationError) as exc:
        services.complaint_receive(actor=city, data={"channel": "hotline", "content": "x"})
    assert "worker" in exc.value.message_dict


def test_overdue_complaints_are_listed_and_counted_by_district(city, worker, client):
    old = fc.complaint(
        actor=city, worker=worker, received_on=datetime.date.today() - datetime.timedelta(days=40)
    )
    fc.complaint(actor=city, worker=worker)
    assert metrics.overdue_complaints() == {worker.district_id: 1}
    assert metrics.overdue_complaints(district_ids=[999999]) == {}
    client.force_login(city)
    page = client.get(reverse("conduct:complaint_list") + "?overdue=on").content.decode()
    assert f"#{old.pk}" in page and page.count("badge text-bg-danger") >= 1


def test_complaint_counts_are_substantiated_only(city, home, worker):
    fc.substantiated_complaint(actor=city, worker=worker, institution=home)
    fc.complaint(actor=city, worker=worker, institution=home)
    assert metrics.complaint_counts(by="institution") == {home.pk: 1}
    assert metrics.complaint_counts(by="district", ids=[home.district_id]) == {home.district_id: 1}
    assert (
        metrics.complaint_counts(by="institution", since=datetime.date.today() + datetime.timedelta(days=1))
        == {}
    )
    with pytest.raises(ValueError):
        metrics.complaint_counts(by="worker")


def test_a_fine_needs_an_amount_and_other_kinds_none(city, worker):
    with pytest.raises(ValidationError) as exc:
        services.penalty_record(
            actor=city,
            data={
                "worker": worker.pk,
                "kind": "fine",
                "deciding_body": "区民政局",
                "legal_basis": "x",
                "decided_on": "2026-01-05",
                "fine_amount": "abc",
            },
        )
    assert "fine_amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        fc.penalty(actor=city, worker=worker, kind="warning", fine_amount="100")
    assert "fine_amount" in exc.value.message_dict
    p = fc.penalty(actor=city, worker=worker, kind="fine")
    assert p.fine_amount == 2000 and p.district_id == worker.district_id


def test_the_worker_and_institution_pages_show_the_timeline(client, city, home, worker):
    fc.evaluation(actor=city, worker=worker)
    c = fc.complaint(actor=city, worker=worker, institution=home)
    client.force_login(city)
    page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert 'id="conduct-timeline"' in page and f"#{c.pk}" in page
    page = client.get(reverse("institutions:institution_detail", args=[home.pk])).content.decode()
    timeline = reverse("conduct:institution_timeline", args=[home.pk])
    assert timeline in page  # loaded by htmx after the page
    fragment = client.get(timeline).content.decode()
    assert 'id="conduct-timeline"' in fragment and f"#{c.pk}" in fragment


def test_the_complaint_list_has_no_n_plus_one(client, city, worker, django_assert_max_num_queries):
    for _ in range(5):
        fc.complaint(actor=city, worker=worker)
    client.force_login(city)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("conduct:complaint_list")).status_code == 200
    assert Complaint.objects.count() == 5
