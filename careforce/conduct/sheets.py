"""Import sheets for evaluations (服务对象评价) and complaints (投诉), plugged into careforce.imports.

Rows are validated with the services' own readers (conduct.inputs and the services' helpers) and written
through evaluation_create / complaint_receive, so an imported row is refused exactly like a form.
Workers are named by resident ID number (matched through the blind index, in the importer's scope),
institutions by credit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from careforce.conduct import inputs, services
from careforce.conduct.models import EvaluationDimension, EvaluationSource, EvaluatorKind
from careforce.core import crypto
from careforce.core.validators import normalize_code, normalize_text, parse_id_number
from careforce.imports.sheets import (
    Column,
    ImportContext,
    Row,
    RowErrors,
    RowStatus,
    SheetSpec,
    withhold_guessed_numbers,
)
from careforce.institutions.selectors import institutions_visible_to
from careforce.registry.selectors import workers_visible_to


def _hash(row: Row, column: str = "id_number", *, required: bool = True) -> str | None:
    raw = row.values.get(column)
    if raw in (None, "") or not normalize_text(raw):
        if required:
            row.error(column, _("This field is required."))
        return None
    try:
        parsed = parse_id_number(normalize_code(raw))
    except ValidationError as exc:
        for message in exc.messages:
            row.error(column, message)
        return None
    return crypto.blind_index(parsed.value, purpose="id_number")


def _workers(rows: Sequence[Row], ctx: ImportContext) -> dict[str, int]:
    """{blind index: worker id} for the batch's ID numbers, in the importer's scope (one query)."""
    hashes = [row.plan["hash"] for row in rows if row.plan and row.plan.get("hash")]
    qs = workers_visible_to(ctx.actor).filter(id_number_hash__any_of=hashes)
    workers = dict(qs.values_list("id_number_hash", "pk"))
    return {} if withhold_guessed_numbers(ctx, rows, set(workers)) else workers


def _institutions(rows: Sequence[Row], ctx: ImportContext) -> dict[str, int]:
    codes = {normalize_code(row.values.get("institution")) for row in rows if row.values.get("institution")}
    return dict(institutions_visible_to(ctx.actor).filter(uscc__in=codes).values_list("uscc", "pk"))


class EvaluationSheet(SheetSpec):
    key = "evaluations"
    title = _("Service-recipient evaluations")
    instructions = (_("One row per evaluation; every dimension in use is scored 1–5."),)
    # False while the importer registers the sheet at start-up (no database yet); then the dimension
    # columns (data) are read on use.
    with_dimensions = False

    @property
    def columns(self) -> tuple[Column, ...]:  # the dimensions are data
        base = (
            Column(
                "id_number",
                "身份证号码",
                _("Resident ID number"),
                required=True,
                example="500103199001011234",
            ),
            Column(
                "institution",
                "机构统一社会信用代码",
                _("Institution credit code"),
                help=_("Empty: the worker's current institution"),
            ),
            Column(
                "evaluator_kind",
                "评价人",
                _("Evaluated by"),
                required=True,
                help=_("老人 or 家属"),
                example="家属",
            ),
            Column("evaluated_on", "评价日期", _("Date"), example="2026-05-01"),
            Column("comment", "评价内容", _("Comment"), width=30),
        )
        if not self.with_dimensions:
            return base
        dims = tuple(
            Column(f"score_{d.code}", d.name, d.name, required=True, help=_("1–5"), example="5")
            for d in EvaluationDimension.objects.filter(is_active=True)
        )
        return base + dims

    def identify(self, row: Row, ctx: ImportContext) -> str:
        row.plan = {"hash": _hash(row), "columns": self.columns}
        return f"row-{row.number}"  # the same family may evaluate twice: no duplicate rule

    def _data(self, row: Row, worker_pk: int | None, institution_pk: int | None) -> dict[str, Any]:
        return {
            "worker": worker_pk,
            "institution": institution_pk,
            "evaluator_kind": row.values.get("evaluator_kind"),
            "evaluated_on": row.values.get("evaluated_on"),
            "comment": row.values.get("comment"),
            "scores": {
                c.key.removeprefix("score_"): row.values.get(c.key)
                for c in row.plan["columns"]
                if c.key.startswith("score_")
            },
        }

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        workers, institutions = _workers(rows, ctx), _institutions(rows, ctx)
        for row in rows:
            if row.plan is None:
                row.plan = {"hash": _hash(row), "columns": self.columns}
            worker = workers.get(row.plan.get("hash") or "")
            if row.plan.get("hash") and worker is None:
                row.error("id_number", _("No worker with this ID number in your area."))
            code = normalize_code(row.values.get("institution"))
            institution = institutions.get(code) if code else None
            if code and institution is None:
                row.error("institution", _("No institution with this credit code in your area."))
            data = self._data(row, worker, institution)
            errors: inputs.Errors = {}
            services._choice(data, "evaluator_kind", EvaluatorKind, errors)
            inputs.day(data, "evaluated_on", errors, required=False)
            inputs.text(data, "comment", errors, max_length=1000, required=False)
            services._scores(data, errors)
            for name, messages in errors.items():
                for message in messages:
                    row.error(name if name in {c.key for c in row.plan["columns"]} else "", message)
            row.plan["data"] = data
            row.label = f"{row.values.get('id_number', '')[:6]}…"
            if row.ok:
                row.status = RowStatus.NEW

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        refused: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            try:
                services.evaluation_create(
                    actor=ctx.actor, data=row.plan["data"], source=EvaluationSource.IMPORT
                )
            except ValidationError as exc:
                refused[row.number] = exc.message_dict
        if refused:
            raise RowErrors(refused)


class ComplaintSheet(SheetSpec):
    key = "complaints"
    title = _("Complaints")
    columns = (
        Column("channel", "投诉渠道", _("Channel"), required=True, example="12345热线 / 投诉电话"),
        Column("id_number", "被投诉人身份证号码", _("Worker's resident ID number"), aliases=("身份证号码",)),
        Column(
            "institution",
            "被投诉机构统一社会信用代码",
            _("Institution credit code"),
            aliases=("机构统一社会信用代码",),
        ),
        Column("received_on", "收到日期", _("Received on"), required=True, example="2026-05-01"),
        Column("content", "投诉内容", _("Content"), required=True, width=40),
    )

    def identify(self, row: Row, ctx: ImportContext) -> str:
        row.plan = {"hash": _hash(row, required=False), "columns": self.columns}
        return "|".join(
            normalize_text(row.values.get(k))
            for k in ("channel", "id_number", "institution", "received_on", "content")
        )

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        workers, institutions = _workers(rows, ctx), _institutions(rows, ctx)
        for row in rows:
            if row.plan is None:
                row.plan = {"hash": _hash(row, required=False), "columns": self.columns}
            worker = workers.get(row.plan.get("hash") or "")
            if row.plan.get("hash") and worker is None:
                row.error("id_number", _("No worker with this ID number in your area."))
            code = normalize_code(row.values.get("institution"))
            institution = institutions.get(code) if code else None
            if code and institution is None:
                row.error("institution", _("No institution with this credit code in your area."))
            if not row.plan.get("hash") and not code and not row.errors:
                row.error("", _("Name the worker, the institution, or both."))
            data = {
                "channel": row.values.get("channel"),
                "worker": worker,
                "institution": institution,
                "received_on": row.values.get("received_on"),
                "content": row.values.get("content"),
            }
            errors: inputs.Errors = {}
            services._channel(data["channel"], errors)
            inputs.day(data, "received_on", errors)
            inputs.text(data, "content", errors, max_length=4000)
            for name, messages in errors.items():
                for message in messages:
                    row.error(name, message)
            row.plan["data"] = data
            if row.ok:
                row.status = RowStatus.NEW

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        refused: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            try:
                services.complaint_receive(actor=ctx.actor, data=row.plan["data"])
            except ValidationError as exc:
                refused[row.number] = exc.message_dict
        if refused:
            raise RowErrors(refused)


def register() -> None:
    from careforce.imports.sheets import register_sheet

    evaluations = EvaluationSheet()
    register_sheet(evaluations)
    evaluations.with_dimensions = True
    register_sheet(ComplaintSheet())
