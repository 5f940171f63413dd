"""Import sheets for training records and skill certificates (careforce.imports' plug-in interface).

Both validate with the services' own cleaning and write through the services (enrolments_create +
enrolment_complete; certificate_issue); nothing is import-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from careforce.core import crypto
from careforce.core.scope import Level, Scope, scope_of
from careforce.core.validators import normalize_code, normalize_text
from careforce.imports.sheets import (
    Column,
    ImportContext,
    Row,
    RowErrors,
    RowStatus,
    SheetSpec,
    withhold_guessed_numbers,
)
from careforce.registry.models import Worker
from careforce.registry.selectors import workers_visible_to
from careforce.skills import services as skills_services
from careforce.skills.models import certificate_number_key
from careforce.training import selectors, services
from careforce.training.models import Enrolment, EnrolmentStatus


def _add(row: Row, exc: ValidationError, mapping: dict[str, str]) -> None:
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    for field, messages in items:
        for message in messages:
            row.error(mapping.get(field, field if field != "__all__" else ""), message)


def _workers_by_id_number(ctx: ImportContext, rows: Sequence[Row], *, pool=None) -> dict[str, Worker]:
    """The workers of a batch in the actor's scope (or `pool`), by blind index: one query per batch."""
    hashes = {row.plan["hash"] for row in rows if row.plan and row.plan.get("hash")}
    pool = workers_visible_to(ctx.actor) if pool is None else pool
    found = pool.filter(id_number_hash__any_of=hashes).select_related("institution")
    workers = {w.id_number_hash: w for w in found}
    return {} if withhold_guessed_numbers(ctx, rows, set(workers)) else workers


def _identify_id_number(row: Row) -> str | None:
    code = normalize_code(row.values.get("id_number"))
    if len(code) != 18:
        row.error("id_number", _("Enter the 18-character resident ID number."))
        return None
    return crypto.blind_index(code, purpose="id_number")


class TrainingRecordSheet(SheetSpec):
    key = "training_records"
    title = gettext_lazy("Training records")
    duplicate_column = "id_number"
    columns = (
        Column("id_number", "身份证号码", gettext_lazy("Resident ID number"), required=True, width=22),
        Column(
            "name",
            "姓名",
            pgettext_lazy("person", "Name"),
            help=gettext_lazy("Checked against the registry."),
        ),
        Column(
            "session",
            "培训班编号",
            gettext_lazy("Session number"),
            required=True,
            help=gettext_lazy("The number shown on the session's page."),
            example="1",
        ),
        Column("completed_on", "结业日期", gettext_lazy("Completion date"), example="2025-05-01"),
        Column(
            "hours", "学时", gettext_lazy("Hours credited"), help=gettext_lazy("Empty: the course's hours.")
        ),
        Column("exam_score", "考试成绩", gettext_lazy("Exam score")),
        Column("exam_passed", "考核结果", gettext_lazy("Exam result"), help=gettext_lazy("合格 or 不合格")),
    )

    def allowed(self, user, scope: Scope) -> bool:
        # Officials of an area, and a training base for the sessions held at it (as on its pages).
        return scope.can_write and (scope.is_area or scope.level == Level.BASE)

    def identify(self, row: Row, ctx: ImportContext) -> str:
        digest = _identify_id_number(row)
        row.plan = {"hash": digest}
        return f"{digest}:{normalize_text(row.values.get('session'))}" if digest else ""

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        session_ids = {normalize_text(r.values.get("session")) for r in rows}
        sessions = {
            str(s.pk): s
            for s in selectors.sessions_visible_to(ctx.actor).filter(
                pk__in=[int(v) for v in session_ids if v.isdigit() and len(v) < 12]
            )
        }
        scope = scope_of(ctx.actor)
        # A training base has no area of its own: the workers it may record are those of the areas of the
        # courses of its sessions that the file names (services.eligible_workers), found in one query.
        pool = None
        if scope.level == Level.BASE:
            pool = Worker.objects.none()
            for session in sessions.values():
                pool = pool | services.eligible_workers(ctx.actor, session)
        workers = _workers_by_id_number(ctx, rows, pool=pool)
        eligible: dict[int, set[int]] = {}
        if scope.level == Level.BASE:  # who may be on which of them: one query per session of the batch
            found = [w.pk for w in workers.values()]
            for session in sessions.values():
                eligible[session.pk] = set(
                    services.eligible_workers(ctx.actor, session)
                    .filter(pk__in=found)
                    .values_list("pk", flat=True)
                )
        existing = {
            (e.session_id, e.worker_id): e
            for e in Enrolment.objects.filter(
                session__in=list(sessions.values()), worker__in=list(workers.values())
            )
        }
        for row in rows:
            if not row.ok:
                continue
            session = sessions.get(normalize_text(row.values.get("session")))
            if session is None and scope.level == Level.BASE:
                # A base's workers follow from the session, so a session not held at the base is the answer.
                row.error("session", _("No session with this number that you organise."))
                continue
            worker = workers.get(row.plan["hash"])
            if worker is None:
                row.error(
                    "id_number", _("No worker with this ID number in your area; register the worker first.")
                )
                continue
            name = normalize_text(row.values.get("name")).replace(" ", "")
            if name and name != worker.name:
                row.error("name", _("The registry has another name for this ID number."))
            if session is None or not services.may_organise(scope, session.course, session):
                row.error("session", _("No session with this number that you organise."))
                continue
            if scope.level == Level.BASE and worker.pk not in eligible[session.pk]:
                # Another session's area: the same answer as a worker that does not exist.
                row.error(
                    "id_number", _("No worker with this ID number in your area; register the worker first.")
                )
                continue
            probe = Enrolment(session=session, worker=worker)
            try:
                result = services.clean_result(probe, row.values)
            except ValidationError as exc:
                _add(row, exc, {})
                continue
            row.label = f"{worker.name} {worker.id_number_masked}"
            row.plan.update(worker=worker, session=session, result=result)
            current = existing.get((session.pk, worker.pk))
            if current is None:
                row.status = RowStatus.NEW
            elif (
                current.status == EnrolmentStatus.COMPLETED
                and current.completed_on == result["completed_on"]
                and (current.hours == result["hours"])
            ):
                row.status = RowStatus.UNCHANGED
            else:
                row.status = RowStatus.UPDATE
                row.changes = {"completed_on": [current.completed_on, result["completed_on"]]}

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        failures: dict[int, dict[str, list[str]]] = {}
        by_session: dict[int, list[Row]] = {}
        for row in rows:
            by_session.setdefault(row.plan["session"].pk, []).append(row)
        for group in by_session.values():
            session = group[0].plan["session"]
            try:
                services.enrolments_create(
                    actor=ctx.actor, session=session, workers=[r.plan["worker"] for r in group]
                )
            except ValidationError as exc:
                for row in group:
                    failures[row.number] = {"session": exc.messages}
                continue
            enrolments = {
                e.worker_id: e
                for e in Enrolment.objects.filter(
                    session=session, worker__in=[r.plan["worker"] for r in group]
                )
            }
            for row in group:
                try:
                    services.enrolment_complete(
                        actor=ctx.actor, enrolment=enrolments[row.plan["worker"].pk], data=row.values
                    )
                except ValidationError as exc:
                    failures[row.number] = {
                        k if k != "__all__" else "": v for k, v in exc.message_dict.items()
                    }
        if failures:
            raise RowErrors(failures)


class CertificateSheet(SheetSpec):
    key = "certificates"
    title = gettext_lazy("Skill certificates")
    duplicate_column = "number"
    columns = (
        Column("number", "证书编号", gettext_lazy("Certificate number"), required=True, width=22),
        Column("id_number", "身份证号码", gettext_lazy("Resident ID number"), required=True, width=22),
        Column("name", "姓名", pgettext_lazy("person", "Name")),
        Column(
            "occupation",
            "职业",
            gettext_lazy("Occupation"),
            required=True,
            aliases=("职业（工种）", "工种"),
            example="养老护理员",
        ),
        Column(
            "level",
            "等级",
            gettext_lazy("Level"),
            required=True,
            help=gettext_lazy("初级工 … 高级技师"),
            example="初级工",
        ),
        Column(
            "issuer",
            "评价机构",
            gettext_lazy("Issuer"),
            help=gettext_lazy("Empty: your own body; else its registration number (备案编号) or name."),
        ),
        Column("issued_on", "发证日期", gettext_lazy("Issue date"), required=True, example="2025-05-01"),
    )

    def allowed(self, user, scope: Scope) -> bool:
        # Each evaluation body records the certificates it issued, through its own account.
        return scope.can_write and scope.level == Level.BODY

    def identify(self, row: Row, ctx: ImportContext) -> str:
        row.plan = {"hash": _identify_id_number(row)}
        return certificate_number_key(row.values.get("number"))

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        workers = _workers_by_id_number(ctx, rows, pool=skills_services.holders_pool(ctx.actor))
        # Every reference the batch names (issuers and their ranges, occupations, levels, numbers already
        # recorded) in a fixed number of queries; the rows are then checked without one.
        own = {r.number: skills_services.with_own_issuer(ctx.actor, r.values) for r in rows}
        lookups = skills_services.CertificateLookups.load(own.values())
        for row in rows:
            if not row.ok:
                continue
            worker = workers.get(row.plan["hash"])
            if worker is None:
                row.error(
                    "id_number", _("No worker with this ID number in your area; register the worker first.")
                )
                continue
            name = normalize_text(row.values.get("name")).replace(" ", "")
            if name and name != worker.name:
                row.error("name", _("The registry has another name for this ID number."))
                continue
            holder = lookups.holder(row.values.get("number"), lookups.issuer(own[row.number].get("issuer")))
            if holder is not None:
                if holder == worker.pk:
                    row.status = RowStatus.UNCHANGED
                else:
                    row.error("number", _("This certificate number is recorded for another person."))
                continue
            data: dict[str, Any] = {**own[row.number], "worker": worker}
            try:
                skills_services.clean_certificate(ctx.actor, data, lookups=lookups)
            except ValidationError as exc:
                _add(row, exc, {"worker": "id_number"})
                continue
            row.label = f"{worker.name} {worker.id_number_masked}"
            row.plan["data"] = data
            row.status = RowStatus.NEW

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        items = [row.plan["data"] for row in rows]
        try:
            skills_services.certificates_issue(actor=ctx.actor, items=items)
        except skills_services.CertificateErrors as exc:
            raise RowErrors(
                {
                    rows[index].number: {
                        k if k != "__all__" else "": v for k, v in error.message_dict.items()
                    }
                    for index, error in exc.by_index.items()
                }
            ) from None
