"""The audit trail's keyed digest chain, its checkpoints outside the database, and `careforce verify-audit`."""

import json

import pytest
from django.core.management import CommandError, call_command

from careforce.core import audit_chain, periodic, tasks
from careforce.core.crypto_provider import SM4
from careforce.core.models import AuditEvent, ChainHead
from careforce.indicators.models import PeriodReport
from tests import factories
from tests.test_crypto_suites import use_sm4

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(settings, tmp_path, city, home):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path
    for _ in range(3):
        factories.worker(at=home, actor=city)
    audit_chain.seal_and_checkpoint()
    return list(AuditEvent.objects.order_by("seal_seq"))


def problems():
    return audit_chain.verify().problems


def test_it_seals_every_row_and_verifies(trail):
    assert len(trail) >= 6 and [e.seal_seq for e in trail] == list(range(1, len(trail) + 1))
    assert all(e.seal_digest.startswith("sha256:") for e in trail)
    assert problems() == []
    call_command("verify_audit")


def test_it_detects_an_edited_row(trail):
    AuditEvent.objects.filter(pk=trail[2].pk).update(note="nothing happened")
    assert problems() == [f"audit: row {trail[2].pk} (link #3) was changed after it was sealed"]
    with pytest.raises(CommandError, match="fails verification"):
        call_command("verify_audit")


def test_it_detects_a_row_deleted_in_the_middle(trail):
    AuditEvent.objects.filter(pk=trail[1].pk).delete()
    assert problems() == [f"audit: links #2–#2 are missing (rows deleted before row {trail[2].pk})"]


def test_it_detects_a_deleted_last_row_against_the_checkpoint_even_with_the_head_rewound(trail):
    last = trail[-1]
    AuditEvent.objects.filter(pk=last.pk).delete()
    ChainHead.objects.filter(chain="audit").update(seq=last.seal_seq - 1, digest=trail[-2].seal_digest)
    found = problems()
    assert len(found) == 1 and f"link #{last.seal_seq} named by audit-checkpoint-" in found[0]


def test_it_refuses_a_forged_checkpoint(trail, tmp_path):
    path = next(tmp_path.glob("audit-checkpoint-*.json"))
    data = json.loads(path.read_text())
    data["chains"]["audit"]["seq"] -= 1
    path.write_text(json.dumps(data))
    assert problems() == [f"{path.name}: the checkpoint's signature does not verify"]


def test_a_late_commit_is_sealed_next_with_the_following_link(trail, tmp_path):
    # A row with a lower id that commits after later rows were sealed: the next sealing takes it.
    for path in tmp_path.glob("audit-checkpoint-*.json"):
        path.unlink()
    ChainHead.objects.all().delete()
    AuditEvent.objects.update(seal_seq=None, seal_digest="")
    early = AuditEvent.objects.get(pk=trail[0].pk)
    AuditEvent.objects.filter(pk=early.pk).delete()
    audit_chain.seal()
    early.save(force_insert=True)
    audit_chain.seal_and_checkpoint()
    assert AuditEvent.objects.get(pk=early.pk).seal_seq == len(trail)
    assert problems() == []


def test_the_chain_continues_across_a_change_of_suite(settings, trail, city, home):
    use_sm4(settings)
    factories.worker(at=home, actor=city)
    audit_chain.seal_and_checkpoint()
    assert AuditEvent.objects.order_by("-seal_seq").first().seal_digest.startswith(f"{SM4.hash_name}:")
    assert problems() == []


def _lift_the_guard(table: str) -> None:
    """As the table's owner may: the test's transaction puts the triggers back when it rolls back."""
    from django.db import connection

    from careforce.core.db.immutable import trigger_name

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser's way round every trigger for this transaction (ALTER TABLE would wait for the
            # transaction's pending foreign-key checks).
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            for op in ("update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table)}_{op}")


def test_frozen_reports_carry_a_digest_too(trail, city):
    report = PeriodReport.objects.create(
        period="2026-11", generated_by=city, content={"a": 1}, content_sha256="x"
    )
    audit_chain.seal_and_checkpoint()
    assert problems() == []
    # The database refuses both changes (its triggers); the chain is for whoever lifts them, as the table's
    # owner can (docs/security.md, what a trigger does not stop).
    _lift_the_guard("indicators_periodreport")
    PeriodReport.objects.filter(pk=report.pk).update(content={"a": 2})
    assert problems() == [
        f"indicators.PeriodReport: row {report.pk} (link #1) was changed after it was sealed"
    ]
    PeriodReport.objects.filter(pk=report.pk).delete()
    assert problems() == [f"indicators.PeriodReport: row {report.pk} (link #1) was deleted"]


def test_the_sealing_is_a_periodic_task_writing_the_days_checkpoint(settings, tmp_path, city, home):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "cp"
    assert tasks.seal_audit_chain.module_path in {p.task.module_path for p in periodic.registered()}
    factories.worker(at=home, actor=city)
    tasks.seal_audit_chain.enqueue()
    assert not AuditEvent.objects.filter(seal_seq__isnull=True).exists()
    [path] = (tmp_path / "cp").glob("audit-checkpoint-*.json")
    assert json.loads(path.read_text())["chains"]["audit"]["seq"] == AuditEvent.objects.count()
