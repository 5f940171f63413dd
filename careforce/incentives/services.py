"""Writes of contracts, insurance and subsidies, each in one transaction with its audit event.

Payments are inserted set-based and skip, inside the database, every row a partial unique index refuses (the
same worker, scheme and key — tranche, period or level — already paid and not reversed, or a scheme of the
same combination group already paid for that key). Two batches running at once therefore cannot pay anyone
twice: the second waits on the first's index entries and skips them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, User
from careforce.core.scope import Level, require_write
from careforce.core.validators import clean_free_text
from careforce.incentives import conditions
from careforce.incentives.models import (
    ContractType,
    Decision,
    Eligibility,
    EligibilityRun,
    InsuranceCover,
    InsuranceKind,
    LabourContract,
    Objection,
    Payment,
    PaymentBatch,
    RunStatus,
    Scheme,
)
from careforce.registry.models import Employment, Worker

CONTRACT_FIELDS = ("worker_id", "institution_id", "contract_type", "start_date", "end_date", "renewal_of_id")
COVER_FIELDS = ("worker_id", "institution_id", "kind", "insurer", "start_date", "end_date")


def _date(value: Any, field: str, label: str, *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError(
                {field: _("%(field)s is required: enter a date like 2026-01-31.") % {"field": label}}
            )
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            {field: _("%(field)s is not a date: enter it like 2026-01-31.") % {"field": label}}
        ) from None


def _months(start: datetime.date, end: datetime.date | None) -> int | None:
    if end is None:
        return None
    # The day after the end closes the term: 2024-01-01 … 2026-12-31 is 36 months.
    after = end + datetime.timedelta(days=1)
    return (after.year - start.year) * 12 + after.month - start.month


def _check_worker(actor: User, worker: Worker) -> None:
    scope = require_write(actor)
    if scope.level == Level.CITY:
        return
    if scope.level == Level.DISTRICT and worker.district_id == scope.district_id:
        return
    if scope.level == Level.INSTITUTION and worker.institution_id == scope.institution_id:
        return
    raise Http404


def _sync_contract_flag(worker: Worker) -> None:
    """Employment.has_labour_contract follows the contracts: a current contract ⇒ the current post has one."""
    today = timezone.localdate()
    current = LabourContract.objects.filter(worker=worker, start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    if current.exists():
        Employment.objects.filter(worker=worker, end_date__isnull=True, has_labour_contract=False).update(
            has_labour_contract=True
        )


@transaction.atomic
def contract_add(
    *, actor: User, worker: Worker, data: dict[str, Any], renewal_of: LabourContract | None = None
) -> LabourContract:
    _check_worker(actor, worker)
    if worker.institution_id is None:
        raise ValidationError(
            {"worker": _("The worker has no current institution: record the employment first.")}
        )
    # Every field's problem at once, not one stage at a time.
    errors: dict[str, Any] = {}
    kind = str(data.get("contract_type") or "").strip()
    if kind not in ContractType.values:
        errors["contract_type"] = _("Contract type: choose one of %(choices)s.") % {
            "choices": "、".join(str(label) for label in ContractType.labels)
        }
    start = end = None
    try:
        start = _date(data.get("start_date"), "start_date", _("Contract start date"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        # Open-ended contracts and public-institution posts have no agreed end.
        end = _date(
            data.get("end_date"),
            "end_date",
            _("Contract end date"),
            required=kind in ContractType.values
            and kind not in (ContractType.OPEN_ENDED, ContractType.PUBLIC_INSTITUTION),
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if kind == ContractType.OPEN_ENDED:
        end = None
    if end is not None and end < start:
        raise ValidationError({"end_date": _("End date is before the start date: correct one of them.")})
    contract = LabourContract.objects.create(
        worker=worker,
        institution_id=worker.institution_id,
        contract_type=kind,
        start_date=start,
        end_date=end,
        term_months=_months(start, end),
        renewal_of=renewal_of,
    )
    audit.record_create(
        actor=actor,
        instance=contract,
        fields=CONTRACT_FIELDS,
        worker_id=worker.pk,
        institution_id=worker.institution_id,
    )
    _sync_contract_flag(worker)
    return contract


def contract_renew(*, actor: User, contract: LabourContract, data: dict[str, Any]) -> LabourContract:
    """A renewal is a new contract that names the one it renews; the old one keeps its dates."""
    merged = {
        "contract_type": contract.contract_type,
        "start_date": (contract.end_date or timezone.localdate()) + datetime.timedelta(days=1),
    }
    merged.update({k: v for k, v in data.items() if v not in (None, "")})
    return contract_add(actor=actor, worker=contract.worker, data=merged, renewal_of=contract)


@transaction.atomic
def cover_add(*, actor: User, worker: Worker, data: dict[str, Any]) -> InsuranceCover:
    _check_worker(actor, worker)
    if worker.institution_id is None:
        raise ValidationError(
            {"worker": _("The worker has no current institution: record the employment first.")}
        )
    kind = str(data.get("kind") or "").strip()
    if kind not in InsuranceKind.values:
        raise ValidationError(
            {
                "kind": _("Insurance: choose one of %(choices)s.")
                % {"choices": "、".join(str(label) for label in InsuranceKind.labels)}
            }
        )
    insurer = clean_free_text(str(data.get("insurer") or ""))
    if not insurer:
        raise ValidationError({"insurer": _("Insurer is required: enter the insurance company's name.")})
    start = _date(data.get("start_date"), "start_date", _("Cover start date"))
    end = _date(data.get("end_date"), "end_date", _("Cover end date"))
    if end < start:
        raise ValidationError({"end_date": _("End date is before the start date: correct one of them.")})
    cover = InsuranceCover.objects.create(
        worker=worker,
        institution_id=worker.institution_id,
        kind=kind,
        insurer=insurer,
        start_date=start,
        end_date=end,
    )
    audit.record_create(
        actor=actor,
        instance=cover,
        fields=COVER_FIELDS,
        worker_id=worker.pk,
        institution_id=worker.institution_id,
    )
    return cover


# ------------------------------------------------------------------------------------------ subsidies


def _bureau(actor: User, district_id: int | None = None):
    """The city, or a district officer; given the district of the row acted on, only that district's."""
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    if scope.level == Level.DISTRICT and district_id is not None and district_id != scope.district_id:
        raise Http404
    return scope


SCHEME_FIELDS = (
    "code",
    "name",
    "kind",
    "level",
    "district_id",
    "amounts",
    "tranches",
    "min_years_in_care",
    "min_continuous_years",
    "min_contract_years",
    "min_skill_rank",
    "exclude_dishonest",
    "exclude_public_institution",
    "min_completeness_percent",
    "combination_group",
    "notice_days",
    "starts_on",
    "ends_on",
    "budget",
)


@transaction.atomic
def scheme_create(*, actor: User, data: dict[str, Any]) -> Scheme:
    """City schemes by the city; a district defines schemes for its own district only."""
    scope = _bureau(actor)
    scheme = Scheme(
        **{k: v for k, v in data.items() if k in {f.name for f in Scheme._meta.fields} | {"district_id"}}
    )
    if scope.level == Level.DISTRICT:
        scheme.level, scheme.district_id = "district", scope.district_id
    scheme.name = clean_free_text(scheme.name or "")
    scheme.full_clean()
    if scheme.kind == "entry" and (
        not scheme.tranches or sum(Decimal(str(p)) for _y, p in scheme.tranches) != 100
    ):
        raise ValidationError({"tranches": _("Tranches must add up to 100 %: e.g. 30, 30 and 40.")})
    scheme.save()
    audit.record_create(actor=actor, instance=scheme, fields=SCHEME_FIELDS)
    return scheme


def run_eligibility(
    *, actor: User, scheme: Scheme, period: str, as_of: datetime.date | None = None
) -> EligibilityRun:
    """Assess every current worker in the scheme's area for `period`: `run_eligibility_many` of one scheme."""
    return run_eligibility_many(actor=actor, schemes=[scheme], period=period, as_of=as_of)[0]


@transaction.atomic
def run_eligibility_many(
    *, actor: User, schemes: list[Scheme], period: str, as_of: datetime.date | None = None
) -> list[EligibilityRun]:
    """A run per scheme for `period` (YYYY-MM), each assessing every current worker in its scheme's area (a
    district officer: their district). The workers' facts are computed once for all the schemes, then each
    run's rows are one INSERT … SELECT; the results go on public notice for each scheme's notice days."""
    if not schemes:
        return []
    scope = _bureau(actor)
    if scope.level == Level.DISTRICT and any(s.district_id not in (None, scope.district_id) for s in schemes):
        raise Http404
    try:
        datetime.date.fromisoformat(f"{period}-01")
    except ValueError:
        raise ValidationError({"period": _("Period: enter a month like 2026-11.")}) from None
    today = timezone.localdate()
    as_of = as_of or today
    for scheme in schemes:
        if as_of < scheme.starts_on or (scheme.ends_on and as_of > scheme.ends_on):
            raise ValidationError(
                {"period": _("The scheme is not in force on that day: choose a day in its period.")}
            )
    runs = [
        EligibilityRun.objects.create(
            scheme=scheme,
            district_id=scope.district_id if scope.level == Level.DISTRICT else scheme.district_id,
            period=period,
            as_of=as_of,
            notice_until=today + datetime.timedelta(days=scheme.notice_days),
            status=RunStatus.NOTICE if scheme.notice_days else RunStatus.REVIEW,
            created_by=actor,
        )
        for scheme in schemes
    ]
    conditions.write_results(list(zip(schemes, runs, strict=True)))
    counted = {
        row["run_id"]: row
        for row in Eligibility.objects.filter(run__in=runs)
        .values("run_id")
        .annotate(n=Count("id"), q=Count("id", filter=Q(qualifies=True)))
    }
    for run in runs:
        row = counted.get(run.pk, {"n": 0, "q": 0})
        EligibilityRun.objects.filter(pk=run.pk).update(considered=row["n"], qualified=row["q"])
        run.considered, run.qualified = row["n"], row["q"]
        audit.record_create(
            actor=actor, instance=run, fields=("scheme_id", "period", "as_of", "considered", "qualified")
        )
    return runs


@transaction.atomic
def objection_raise(*, actor: User, eligibility: Eligibility, text: str) -> Objection:
    scope = require_write(actor)
    if scope.level == Level.SELF or (
        scope.level == Level.DISTRICT and eligibility.district_id != scope.district_id
    ):
        raise Http404
    text = clean_free_text(text or "")
    if not text:
        raise ValidationError({"text": _("Objection is required: write what is wrong with this entry.")})
    objection = Objection.objects.create(eligibility=eligibility, text=text, raised_by=actor)
    audit.record_create(
        actor=actor, instance=objection, fields=("eligibility_id", "text"), worker_id=eligibility.worker_id
    )
    return objection


@transaction.atomic
def objection_answer(*, actor: User, objection: Objection, answer: str) -> Objection:
    _bureau(actor, objection.eligibility.district_id)
    answer = clean_free_text(answer or "")
    if not answer:
        raise ValidationError({"answer": _("Answer is required: write how the objection was resolved.")})
    objection.answer, objection.answered_by, objection.answered_at = answer, actor, timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=objection,
        changes={"answer": ["", answer]},
        worker_id=objection.eligibility.worker_id,
    )
    return objection


def _review_open(run: EligibilityRun) -> None:
    if run.notice_until > timezone.localdate():
        raise ValidationError(
            {
                "decision": _("The public notice runs until %(day)s: review after it ends.")
                % {"day": run.notice_until}
            }
        )
    if run.status == RunStatus.CLOSED:
        raise ValidationError({"decision": _("This run has been paid: start a new run to change decisions.")})


@transaction.atomic
def decide(*, actor: User, eligibility: Eligibility, approve: bool, reason: str = "") -> Eligibility:
    _bureau(actor, eligibility.district_id)
    run = eligibility.run
    _review_open(run)
    reason = clean_free_text(reason or "")
    if not approve and not reason:
        raise ValidationError({"reason": _("Reason is required to reject: say which condition is not met.")})
    if approve and not eligibility.qualifies:
        raise ValidationError(
            {"decision": _("This worker does not meet every condition: reject with a reason.")}
        )
    if approve and eligibility.objections.filter(answered_at__isnull=True).exists():
        raise ValidationError({"decision": _("An objection is not answered yet: answer it first.")})
    before = eligibility.decision
    eligibility.decision = Decision.APPROVED if approve else Decision.REJECTED
    eligibility.reason, eligibility.decided_by, eligibility.decided_at = reason, actor, timezone.now()
    eligibility.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=eligibility,
        changes={"decision": [before, eligibility.decision], "reason": ["", reason]},
        worker_id=eligibility.worker_id,
    )
    return eligibility


@transaction.atomic
def approve_all(*, actor: User, run: EligibilityRun) -> int:
    """Approve every qualifying, still pending entry without an open objection (one UPDATE); a district
    officer approves their district's entries of a city-wide run."""
    scope = _bureau(actor)
    _review_open(run)
    entries = Eligibility.objects.filter(run=run, qualifies=True, decision=Decision.PENDING)
    if scope.level == Level.DISTRICT:
        entries = entries.filter(district_id=scope.district_id)
    count = entries.exclude(
        pk__in=Objection.objects.filter(answered_at__isnull=True).values("eligibility_id")
    ).update(decision=Decision.APPROVED, decided_by=actor, decided_at=timezone.now())
    EligibilityRun.objects.filter(pk=run.pk, status=RunStatus.NOTICE).update(status=RunStatus.REVIEW)
    audit.record(actor=actor, action=AuditAction.UPDATE, instance=run, changes={"approved": [0, count]})
    return count


_PAY_SQL = """
INSERT {ignore} INTO "incentives_payment"
    (batch_id, scheme_id, worker_id, district_id, payment_key, group_key, amount, reversed, reason, created_at)
SELECT %s, %s, e.worker_id, e.district_id, e.payment_key, {group}, e.amount, %s, '', %s
FROM "incentives_eligibility" e
WHERE e.run_id = %s AND e.qualifies = %s AND e.decision = 'approved' AND e.amount > 0
ORDER BY e.worker_id
{conflict}
"""


@transaction.atomic
def pay(*, actor: User, run: EligibilityRun) -> PaymentBatch:
    """A payment batch of the run's approved entries; what was already paid is skipped by the database.
    A city-wide run is paid by the city in one batch (district officers review their district's rows)."""
    scope = _bureau(actor)
    if scope.level == Level.DISTRICT and run.district_id != scope.district_id:
        raise ValidationError(
            {"run": _("A city-wide run is paid by the city: ask the city bureau to pay it.")}
        )
    if run.notice_until > timezone.localdate():
        raise ValidationError(
            {"run": _("The public notice runs until %(day)s: pay after it ends.") % {"day": run.notice_until}}
        )
    scheme = run.scheme
    batch = PaymentBatch.objects.create(run=run, created_by=actor)
    vendor = connection.vendor
    group = "%s || e.payment_key" if scheme.combination_group else "NULL"
    sql = _PAY_SQL.format(
        ignore="OR IGNORE" if vendor == "sqlite" else "",
        group=group,
        conflict="ON CONFLICT DO NOTHING" if vendor == "postgresql" else "",
    )
    params: list[Any] = [batch.pk, scheme.pk]
    if scheme.combination_group:
        params.append(f"{scheme.combination_group}:")
    params += [False, timezone.now(), run.pk, True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        paid = cursor.rowcount
    eligible = Eligibility.objects.filter(
        run=run, qualifies=True, decision=Decision.APPROVED, amount__gt=0
    ).count()
    total = Payment.objects.filter(batch=batch).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    PaymentBatch.objects.filter(pk=batch.pk).update(
        paid_count=paid, skipped_count=eligible - paid, total=total
    )
    batch.paid_count, batch.skipped_count, batch.total = paid, eligible - paid, total
    EligibilityRun.objects.filter(pk=run.pk).update(status=RunStatus.CLOSED)
    audit.record_create(
        actor=actor, instance=batch, fields=("run_id", "paid_count", "skipped_count", "total")
    )
    return batch


@transaction.atomic
def reverse(*, actor: User, payment: Payment, reason: str) -> Payment:
    """A correction or clawback: an entry with the opposite amount; the payment is marked reversed (the one
    change the database allows), so the worker can be paid again correctly."""
    _bureau(actor, payment.district_id)
    reason = clean_free_text(reason or "")
    if not reason:
        raise ValidationError({"reason": _("Reason is required: say why the payment is reversed.")})
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.reversed or locked.reverses_id:
        raise ValidationError(
            {"payment": _("This payment has already been reversed or is itself a reversal.")}
        )
    Payment.objects.filter(pk=locked.pk).update(reversed=True)
    entry = Payment.objects.create(
        batch=locked.batch,
        scheme=locked.scheme,
        worker=locked.worker,
        district=locked.district,
        payment_key=locked.payment_key,
        group_key=locked.group_key,
        amount=-locked.amount,
        reverses=locked,
        reason=reason,
    )
    audit.record_create(
        actor=actor, instance=entry, fields=("reverses_id", "amount", "reason"), worker_id=locked.worker_id
    )
    return entry


# ------------------------------------------------------------------------------------------ imports

# The words institutions' sheets use for each choice, besides the codes and the display labels.
CONTRACT_WORDS = {
    "固定期限": ContractType.FIXED_TERM,
    "固定期限劳动合同": ContractType.FIXED_TERM,
    "无固定期限": ContractType.OPEN_ENDED,
    "无固定期限劳动合同": ContractType.OPEN_ENDED,
    "非全日制": ContractType.PART_TIME,
    "非全日制用工": ContractType.PART_TIME,
    "劳务派遣": ContractType.AGENCY,
    "派遣": ContractType.AGENCY,
    "事业编制": ContractType.PUBLIC_INSTITUTION,
    "事业编": ContractType.PUBLIC_INSTITUTION,
}
INSURANCE_WORDS = {
    "工伤保险": InsuranceKind.WORK_INJURY,
    "工伤": InsuranceKind.WORK_INJURY,
    "意外伤害保险": InsuranceKind.ACCIDENT,
    "意外险": InsuranceKind.ACCIDENT,
    "补充医疗保险": InsuranceKind.SUPPLEMENTARY_MEDICAL,
    "补充医疗": InsuranceKind.SUPPLEMENTARY_MEDICAL,
    "企业年金": InsuranceKind.ENTERPRISE_ANNUITY,
}


def _choice(raw: Any, words: dict[str, str], choices) -> str:
    text = "".join(str(raw or "").split())
    for value, label in choices:
        words = {**words, str(label): value, value: value}
    return words.get(text, text)


def _worker_by_id_number(actor: User, raw: Any) -> Worker:
    from careforce.core import crypto
    from careforce.core.validators import parse_id_number
    from careforce.registry.selectors import workers_visible_to

    parsed = parse_id_number(raw)
    hashes = crypto.blind_indexes(parsed.value, purpose="id_number")
    worker = workers_visible_to(actor).filter(id_number_hash__in=hashes).first()
    if worker is None:
        # Out of scope answers like "not in the registry".
        raise ValidationError(
            {"id_number": _("No worker with this ID number in your records: check the number.")}
        )
    return worker


@transaction.atomic
def sheet_import(*, actor: User, kind: str, rows: list[dict[str, Any]], first_row: int = 2) -> int:
    """Contracts or insurance cover from an institution's sheet, all or nothing: every row is checked and
    written in one transaction; any bad row rolls the whole sheet back and each error names its row."""
    errors: list[str] = []
    written = 0
    for number, row in enumerate(rows, start=first_row):
        try:
            with transaction.atomic():
                worker = _worker_by_id_number(actor, row.get("id_number"))
                if kind == "contracts":
                    data = {
                        **row,
                        "contract_type": _choice(
                            row.get("contract_type"), CONTRACT_WORDS, ContractType.choices
                        ),
                    }
                    contract_add(actor=actor, worker=worker, data=data)
                else:
                    data = {**row, "kind": _choice(row.get("kind"), INSURANCE_WORDS, InsuranceKind.choices)}
                    cover_add(actor=actor, worker=worker, data=data)
                written += 1
        except ValidationError as exc:
            for message in exc.messages:
                errors.append(_("Row %(row)d: %(message)s") % {"row": number, "message": message})
    if errors:
        raise ValidationError({"file": errors})
    return written
