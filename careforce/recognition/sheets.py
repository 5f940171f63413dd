"""Import sheets for awards (表彰) and competition results (竞赛成绩), plugged into careforce.imports.

Workers are named by resident ID number (matched through the blind index, in the importer's scope, each
miss counted as a lookup); rows are validated by the services' own cleaning and written through
award_grant / entrant_add + scores_enter, so an imported row is refused exactly like a form."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from careforce.conduct.sheets import _hash, _workers
from careforce.core.validators import normalize_text
from careforce.imports.sheets import Column, ImportContext, Row, RowErrors, RowStatus, SheetSpec
from careforce.recognition import selectors, services
from careforce.recognition.models import Award, CompetitionStatus, Entrant


def _row_errors(row: Row, exc: ValidationError, known: set[str]) -> None:
    for name, messages in exc.message_dict.items():
        for message in messages:
            row.error(name if name in known else "", message)


class AwardSheet(SheetSpec):
    key = "awards"
    title = _("Awards")
    columns = (
        Column(
            "id_number", "身份证号码", _("Resident ID number"), required=True, example="500103199001011234"
        ),
        Column(
            "kind",
            "奖项",
            _("Award"),
            required=True,
            help=_("The award's name, e.g. 最美护理员"),
            example="最美护理员",
        ),
        Column("year", "年度", _("Year"), required=True, example="2026"),
        Column("awarded_on", "表彰日期", _("Awarded on"), example="2026-05-12"),
        Column("citation", "事迹", _("Citation"), width=40),
    )
    duplicate_column = "id_number"

    def identify(self, row: Row, ctx: ImportContext) -> str:
        row.plan = {"hash": _hash(row)}
        return f"{row.plan['hash']}|{normalize_text(row.values.get('kind'))}|{normalize_text(row.values.get('year'))}"

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        workers = _workers(rows, ctx)
        known = {c.key for c in self.columns}
        # Awards already recorded for the batch's workers, in one query.
        recorded = set(
            Award.objects.filter(worker_id__in=set(workers.values())).values_list(
                "worker_id", "kind_id", "year"
            )
        )
        for row in rows:
            if row.plan is None:
                row.plan = {"hash": _hash(row)}
            worker = workers.get(row.plan.get("hash") or "")
            if row.plan.get("hash") and worker is None:
                row.error("id_number", _("No worker with this ID number in your area."))
                continue
            if worker is None:
                continue
            data = {
                "worker": worker,
                "kind": row.values.get("kind"),
                "year": row.values.get("year"),
                "awarded_on": row.values.get("awarded_on"),
                "citation": row.values.get("citation") or "",
            }
            try:
                values = services.clean_award(ctx.actor, data)
            except ValidationError as exc:
                _row_errors(row, exc, known | {"worker"})
                continue
            if (values["worker"].pk, values["kind"].pk, values["year"]) in recorded:
                row.status = RowStatus.UNCHANGED
                continue
            row.plan["data"] = data
            row.label = f"{values['worker'].name} {values['kind'].name}"
            row.status = RowStatus.NEW

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        refused: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            try:
                services.award_grant(actor=ctx.actor, data=row.plan["data"])
            except ValidationError as exc:
                refused[row.number] = exc.message_dict
        if refused:
            raise RowErrors(refused)


class ResultSheet(SheetSpec):
    """Scores of one competition's entrants (the competition open, or with its judges drawn). Workers not
    yet entered are entered while entries are open; scores are entered once the judges are drawn."""

    key = "competition_results"
    title = _("Competition results")
    columns = (
        Column("competition", "竞赛编号", _("Competition number"), required=True, example="1"),
        Column(
            "id_number", "身份证号码", _("Resident ID number"), required=True, example="500103199001011234"
        ),
        Column("score", "成绩", _("Score"), help=_("0–100, one decimal"), example="92.5"),
    )
    duplicate_column = "id_number"

    def identify(self, row: Row, ctx: ImportContext) -> str:
        row.plan = {"hash": _hash(row)}
        return f"{normalize_text(row.values.get('competition'))}|{row.plan['hash']}"

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        workers = _workers(rows, ctx)
        competitions = ctx.memo.setdefault("competitions", {})
        entered_by: dict[int, dict[int, Entrant]] = {}

        def entries(competition) -> dict[int, Entrant]:
            # One query per competition in the batch, not one per row.
            if competition.pk not in entered_by:
                entered_by[competition.pk] = {e.worker_id: e for e in competition.entrants.all()}
            return entered_by[competition.pk]

        for row in rows:
            if row.plan is None:
                row.plan = {"hash": _hash(row)}
            key = normalize_text(row.values.get("competition"))
            if key not in competitions:
                competitions[key] = (
                    selectors.competitions_visible_to(ctx.actor)
                    .filter(pk=int(key) if key.isdigit() and len(key) < 12 else 0)
                    .first()
                )
            competition = competitions[key]
            if competition is None:
                row.error("competition", _("No competition with this number in your area."))
            elif competition.status == CompetitionStatus.PUBLISHED:
                row.error(
                    "competition", _("The results of this competition are published; they cannot change.")
                )
            worker = workers.get(row.plan.get("hash") or "")
            if row.plan.get("hash") and worker is None:
                row.error("id_number", _("No worker with this ID number in your area."))
            score = row.values.get("score")
            if (
                competition is not None
                and competition.status == CompetitionStatus.OPEN
                and score not in (None, "")
            ):
                row.error(
                    "score",
                    _(
                        "Scores are entered after the judges are drawn; leave the score empty to enter the worker."
                    ),
                )
            if (
                competition is not None
                and competition.status == CompetitionStatus.JUDGED
                and score in (None, "")
            ):
                row.error("score", _("This field is required."))
            if not row.ok:
                continue
            entered = entries(competition).get(worker)
            if competition.status == CompetitionStatus.JUDGED and entered is None:
                row.error(
                    "id_number", _("Entries closed when the judges were drawn; this worker is not entered.")
                )
                continue
            row.plan["data"] = {"competition": competition, "worker": worker, "score": score}
            if entered is None:
                row.status = RowStatus.NEW
            elif score in (None, "") or str(entered.score) == normalize_text(score):
                row.status = RowStatus.UNCHANGED
            else:
                row.status = RowStatus.UPDATE
                row.changes = {
                    "score": [str(entered.score) if entered.score is not None else "", normalize_text(score)]
                }

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        refused: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            data = row.plan["data"]
            try:
                if data["competition"].status == CompetitionStatus.OPEN:
                    services.entrant_add(
                        actor=ctx.actor, competition=data["competition"], data={"worker": data["worker"]}
                    )
                else:
                    services.scores_enter(
                        actor=ctx.actor,
                        competition=data["competition"],
                        scores={str(data["worker"]): data["score"]},
                        by="worker",
                    )
            except ValidationError as exc:
                refused[row.number] = exc.message_dict
        if refused:
            raise RowErrors(refused)
