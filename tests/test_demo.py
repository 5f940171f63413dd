import base64
import datetime
import io
import statistics
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db.models import Count
from django_otp.plugins.otp_totp.models import TOTPDevice

from careforce.core.models import AuditEvent, District, Role, User
from careforce.core.scope import needs_second_factor
from careforce.core.validators import parse_id_number, parse_phone, parse_uscc, region_is_known
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.registry import demo
from careforce.registry.models import Employment, Worker
from careforce.skills.models import Certificate
from tests.second_factor import totp_code

pytestmark = pytest.mark.django_db


def run(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_it_loads_valid_workers_and_institutions_through_the_services():
    output = run(workers=300, institutions=20, seed=1, registry_only=True)

    assert Institution.objects.count() == 20
    assert Worker.objects.count() == 300
    # Written through the services: every worker and every period has its audit event.
    assert AuditEvent.objects.filter(object_type="registry.worker").count() == 300
    assert AuditEvent.objects.filter(object_type="registry.employment").count() == Employment.objects.count()
    assert AuditEvent.objects.filter(object_type="institutions.institution").count() == 20
    assert "300" in output and " s" in output

    for worker in Worker.objects.all():
        number = worker.reveal_id_number()
        parsed = parse_id_number(number)
        assert region_is_known(parsed.region_code), number
        assert (parsed.gender, parsed.birth_date) == (worker.gender, worker.birth_date)
        if worker.phone_encrypted:
            parse_phone(worker.reveal_phone())
        assert worker.name_pinyin and worker.name_initials
    for institution in Institution.objects.all():
        assert parse_uscc(institution.uscc) == institution.uscc
        assert institution.residents <= institution.beds or institution.beds == 0
        assert all(getattr(institution, field) >= 0 for field, _label in RESIDENT_LEVEL_FIELDS)
        assert 0 <= institution.star_grade <= 5


def test_the_workforce_looks_like_chongqings():
    run(workers=300, institutions=20, seed=1)
    workers = list(Worker.objects.select_related("occupation"))
    care = [w for w in workers if w.team == "care"]
    today = datetime.date.today()
    ages = [(today - w.birth_date).days / 365.25 for w in care]

    assert 0.65 < len(care) / len(workers) < 0.85
    assert 40 <= statistics.median(ages) <= 60
    assert sum(w.gender == "F" for w in care) / len(care) > 0.75
    assert sum(w.occupation.code == "care_worker" for w in care) / len(care) > 0.75
    assert sum(w.education in ("junior_high", "senior_high") for w in care) / len(care) > 0.75
    assert {w.team for w in workers} == {"care", "professional", "management", "support"}
    assert len({w.source_channel for w in workers}) >= 6
    assert any(w.id_region[:2] in ("51", "52", "42") for w in workers)  # migrants from nearby provinces
    assert sum(w.id_region.startswith("500") for w in workers) / len(workers) > 0.6


def test_it_records_transfers_leavers_and_placements_consistently():
    run(workers=300, institutions=20, seed=1)

    per_worker = Worker.objects.annotate(n=Count("employments"))
    assert set(per_worker.values_list("n", flat=True)) <= {1, 2, 3, 4}
    transferred = Worker.objects.filter(
        employments__end_date__isnull=False, is_active=True, employments__end_reason="调动"
    ).distinct()
    assert transferred.count() >= 15  # about 20 % move between institutions
    leavers = Worker.objects.filter(is_active=False)
    assert 5 <= leavers.count() <= 45  # about 8 % not currently employed
    assert not Employment.objects.filter(worker__in=leavers, end_date__isnull=True).exists()
    for worker in transferred[:20]:
        current = worker.employments.get(end_date__isnull=True, is_part_time=False)
        assert worker.institution_id == current.institution_id
        assert worker.district_id == current.institution.district_id
        assert worker.employments.exclude(institution=current.institution).exists()
    contracts = Employment.objects.filter(end_date__isnull=True)
    assert 0.65 < contracts.filter(has_labour_contract=True).count() / contracts.count() < 0.95


def test_every_district_gets_institutions_when_there_are_enough():
    run(workers=100, institutions=45, seed=2)

    assert not District.objects.annotate(n=Count("institutions")).filter(n=0).exists()
    big = Institution.objects.filter(district__code="500112").count()  # 渝北区
    small = Institution.objects.filter(district__code="500229").count()  # 城口县
    assert big >= small


def test_it_creates_one_demo_account_per_role_with_its_binding():
    output = run(workers=300, institutions=20, seed=1)

    accounts = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    # Every role but "no role yet" (an account between its creation and its role).
    assert {u.role for u in accounts.values()} == set(Role.values) - {Role.NONE}
    assert accounts["demo-district"].district.code == "500103"
    institution = accounts["demo-institution"].institution
    assert Worker.objects.filter(institution=institution, is_active=True).exists()
    assert accounts["demo-worker"].worker is not None
    assert accounts["demo-auditor"].district is None
    assert all(u.check_password(demo.DEMO_PASSWORD) for u in accounts.values())
    system = User.objects.get(username="system")
    assert system.role == Role.CITY_ADMIN and not system.has_usable_password()
    assert "DEMO CREDENTIALS" in output and demo.DEMO_PASSWORD in output
    for username in accounts:
        assert username in output
    assert "渝中区" in output


def test_if_empty_is_idempotent_and_still_prints_the_accounts():
    run(workers=300, institutions=20, seed=1)
    counts = (Worker.objects.count(), Institution.objects.count(), User.objects.count())

    output = run(workers=300, institutions=20, seed=1, if_empty=True)

    assert (Worker.objects.count(), Institution.objects.count(), User.objects.count()) == counts
    assert "--if-empty" in output
    assert "demo-city" in output and demo.DEMO_PASSWORD in output


def test_a_second_load_adds_to_the_registry_without_clashes():
    run(workers=100, institutions=10, seed=3)
    run(workers=100, institutions=5, seed=3)  # same seed: the same ID numbers come up and are skipped
    from careforce.vacancies.models import Hire

    # The demo's hire from the vacancies (first load only) registers a job seeker as a new worker.
    assert Worker.objects.count() == 200 + Hire.objects.count()
    assert Institution.objects.count() == 15


def test_demo_accounts_that_need_a_second_factor_come_with_an_authenticator():
    output = run(workers=60, institutions=5, seed=1)

    for user in User.objects.filter(username__startswith="demo-"):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if not needs_second_factor(user):
            assert device is None, user.username
            continue
        secret = base64.b32encode(device.bin_key).decode()
        line = next(line for line in output.splitlines() if line.startswith(user.username + " "))
        assert demo.DEMO_PASSWORD in line and secret in line
        # The development-only command prints what an authenticator app shows.
        out = io.StringIO()
        call_command("otp_code", user.username, stdout=out)
        assert out.getvalue().strip() in {totp_code(secret, at=time.time() + d) for d in (-1, 0, 1)}
    assert {"demo-sysadmin", "demo-secadmin", "demo-auditadmin"} <= set(
        User.objects.values_list("username", flat=True)
    )
    # Demo passwords pass the password policy (it is checked when the accounts are made).
    validate_password(demo.DEMO_PASSWORD, User.objects.get(username="demo-city"))


def test_otp_code_is_refused_outside_development(settings):
    run(workers=0, institutions=0)
    settings.DEVELOPMENT = False
    with pytest.raises(CommandError, match="development"):
        call_command("otp_code", "demo-city", stdout=io.StringIO())


def test_the_demo_fills_every_module_through_the_services_with_two_years_of_history():
    from careforce.conduct.models import Complaint, Evaluation, Penalty
    from careforce.credit.models import DishonestyListing
    from careforce.indicators import selectors as indicators
    from careforce.rankings.models import RankingSnapshot
    from careforce.skills.models import Certificate
    from careforce.training.models import Attendance, Enrolment

    output = run(workers=600, institutions=40, seed=1)

    assert "Activity:" in output
    today = datetime.date.today()
    assert Enrolment.objects.filter(status="completed").count() > 50
    assert Attendance.objects.filter(present=True).count() > 50
    assert Certificate.objects.count() > 50
    assert Evaluation.objects.exists() and Penalty.objects.exists() and DishonestyListing.objects.exists()
    assert RankingSnapshot.objects.exists()
    from careforce.timebank.models import OrderStatus, ServiceOrder, ServiceRecord
    from careforce.timebank.services import reconcile

    assert ServiceRecord.objects.filter(status="credited").count() >= 100
    assert {OrderStatus.REQUESTED, OrderStatus.DELIVERED, OrderStatus.CONFIRMED} <= set(
        ServiceOrder.objects.values_list("status", flat=True)
    )
    assert reconcile() == []
    from careforce.vacancies.models import Hire, JobSeeker, Vacancy

    assert Vacancy.objects.count() == 4 and JobSeeker.objects.count() == 6
    hire = Hire.objects.get()
    assert hire.worker.source_channel == hire.seeker.source_channel == "lifted_from_poverty"
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"received", "investigating", "closed"} <= statuses
    assert Complaint.objects.filter(status__in=("received", "investigating"), deadline__lt=today).exists()
    # Through the services: every complaint has its audit trail.
    assert AuditEvent.objects.filter(object_type="conduct.complaint").count() >= Complaint.objects.count()
    # Dated over two years, not all today.
    received = Complaint.objects.values_list("received_on", flat=True)
    assert min(received) < today - datetime.timedelta(days=365)
    completions = Enrolment.objects.filter(status="completed").values_list("completed_on", flat=True)
    assert min(completions) < today - datetime.timedelta(days=365)
    # The online course sets no minimum: each lesson asks for its share of the hours (2 × 45 / 4 lessons).
    from careforce.training.models import Course
    from careforce.training.services import lesson_minimum

    online = Course.objects.get(kind="online")
    assert online.lesson_min_minutes is None and lesson_minimum(online) == 23

    city = User.objects.get(username="demo-city")
    readings = {r.code: r for r in indicators.overview(city)["readings"]}
    assert readings["training_person_times"].value > 0
    assert readings["certification_rate"].value > 0
    assert readings["overdue_complaints"].value > 0
    assert readings["heads_training_coverage"].value > 0
    trend = [v for _month, v in readings["registry_workers"].points if v is not None]
    assert len(trend) >= 12 and len(set(trend)) > 3  # a trend, not a flat line
    assert readings["registry_workers"].projection.status != "no_trend"
    # The services kept the dashboard's facts exact: a rebuild from the records changes no figure.
    call_command("indicators_rebuild", stdout=io.StringIO())
    again = {r.code: (r.value, r.points) for r in indicators.overview(city)["readings"]}
    assert again == {code: (r.value, r.points) for code, r in readings.items()}


def test_the_demo_accounts_find_work_waiting_on_their_home_pages(client):
    run(workers=600, institutions=40, seed=1)
    district = User.objects.get(username="demo-district")
    client.force_login(district)
    response = client.get("/")
    queue = {row["key"]: row["count"] for row in response.context["queue"]}
    assert queue["unread_notifications"] >= 1  # a listed worker taken on in the demo district
    assert queue["heads_untrained"] >= 1
    city = User.objects.get(username="demo-city")
    client.force_login(city)
    rows = {row["key"]: row["count"] for row in client.get("/").context["queue"]}
    assert rows["overdue_complaints"] >= 2
    # The training base runs sessions with results still to record; the body has certificates of its own.
    client.force_login(User.objects.get(username="demo-base"))
    rows = {row["key"]: row["count"] for row in client.get("/").context["queue"]}
    assert rows["sessions_awaiting_results"] >= 1
    body = User.objects.get(username="demo-evaluation").evaluation_body
    assert Certificate.objects.filter(issuer=body).exists()
