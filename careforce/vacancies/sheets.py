"""The import sheet of vacancies and trainee posts (careforce.imports' plug-in interface).

Rows are cleaned by the services' own `clean_vacancy` and written by `vacancy_publish`: nothing is
import-only. Every row is a new vacancy; the same institution, post and closing date twice in a file is a
duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from careforce.core.validators import normalize_text
from careforce.imports.sheets import Column, ImportContext, Row, RowErrors, RowStatus, SheetSpec
from careforce.vacancies import services


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {(k if k != "__all__" else ""): v for k, v in exc.message_dict.items()}
    return {"": exc.messages}


class VacancySheet(SheetSpec):
    key = "vacancies"
    title = gettext_lazy("Vacancies and trainee posts")
    duplicate_column = "post"
    columns = (
        Column(
            "institution",
            "统一社会信用代码",
            gettext_lazy("Institution (id or credit code)"),
            aliases=("机构信用代码", "机构"),
            help=gettext_lazy("Empty for an institution's own vacancy."),
            width=22,
        ),
        Column(
            "kind",
            "岗位类型",
            gettext_lazy("Kind"),
            help=gettext_lazy("招聘岗位 or 就业见习岗位"),
            example="招聘岗位",
        ),
        Column(
            "post", "岗位", gettext_lazy("Post"), required=True, aliases=("岗位名称",), example="养老护理员"
        ),
        Column(
            "number",
            "招聘人数",
            gettext_lazy("Number of posts"),
            required=True,
            aliases=("人数",),
            example="2",
        ),
        Column(
            "min_education", "最低学历", gettext_lazy("Minimum education"), help=gettext_lazy("Empty: any.")
        ),
        Column("pay_min", "薪酬下限", gettext_lazy("Pay from (yuan a month)"), required=True, example="3500"),
        Column(
            "pay_max", "薪酬上限", gettext_lazy("Pay up to (yuan a month)"), required=True, example="5000"
        ),
        Column("closing_date", "截止日期", gettext_lazy("Closing date"), required=True, example="2027-03-31"),
        Column("requirements", "岗位要求", gettext_lazy("Requirements"), width=30),
    )

    def identify(self, row: Row, ctx: ImportContext) -> str:
        values = row.values
        return "|".join(normalize_text(values.get(key)) for key in ("institution", "post", "closing_date"))

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        for row in rows:
            if not row.ok:
                continue
            try:
                values = services.clean_vacancy(ctx.actor, row.values)
            except ValidationError as exc:
                for column, messages in _errors(exc).items():
                    for message in messages:
                        row.error(column, message)
                continue
            row.status = RowStatus.NEW
            row.label = f"{values['institution'].name} · {values['post_text']}"

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        failures: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            try:
                services.vacancy_publish(actor=ctx.actor, data=row.values)
            except ValidationError as exc:
                failures[row.number] = _errors(exc)
        if failures:
            raise RowErrors(failures)
