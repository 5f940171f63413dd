"""The plug-in interface of the bulk importer: one generic mechanism, one SheetSpec per kind of roster.

A capability that wants its records loaded from spreadsheets writes a SheetSpec subclass and registers it
in its AppConfig.ready():

    from careforce.imports.sheets import Column, SheetSpec, register_sheet

    class CertificateSheet(SheetSpec):
        key = "certificates"
        title = _("Skill certificates")
        columns = (
            Column("id_number", "身份证号码", _("Resident ID number"), required=True),
            Column("level", "等级", _("Skill level"), required=True, help=_("初级工 … 高级技师")),
            ...
        )

        def identify(self, row, ctx): ...       # the row's identity, for duplicates inside the file
        def classify(self, rows, ctx): ...      # NEW / UPDATE / NO CHANGE / ERROR per row, in bulk
        def commit(self, rows, ctx): ...        # write clean rows through the capability's own services

    register_sheet(CertificateSheet())

The engine (careforce/imports/engine.py) does everything else the same way for every sheet: reading
xlsx / xls / csv safely, matching headers (spaces, full-width brackets, aliases), the template download
with an instructions sheet, batching, duplicate rows inside a file, the preview, the error report, the
one-transaction all-or-nothing commit, the per-scope lock, progress, and the background task.

Contract for a sheet:
- `classify` and `commit` receive batches (`batch_size` rows) and must not query per row when a bulk
  query will do. They see raw cell values (`row.values[column.key]`, str / int / float / date / bool or
  None) and must validate them with the SAME code as the capability's form (its services or the
  cleaning functions its services use) — there is no import-only validation.
- `classify` never writes. It sets `row.status`, per-cell `row.errors`, `row.warnings`, `row.changes`
  (for UPDATE) and may keep anything it needs for the commit in `row.plan`.
- `commit` is called inside the import's single transaction, only for rows classified NEW or UPDATE,
  only when no row of the whole file has an error. It calls the capability's services with
  `actor=ctx.actor`; when a service refuses a row it raises RowErrors, which rolls everything back.
- Messages are English wrapped in gettext (the catalogue gives the Chinese) and name the fix; the
  engine prefixes them with the row number and the column's header, so they need not repeat where.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from careforce.core.models import User
from careforce.core.scope import Scope


class RowStatus(models.TextChoices):
    NEW = "new", _("New")
    UPDATE = "update", _("Update")
    UNCHANGED = "unchanged", _("No change")
    ERROR = "error", _("Error")


@dataclass(frozen=True)
class Column:
    """One column of a sheet, in template order.

    `header` is the Chinese header of the template (data, the same whatever the page language: it is
    what officials' files carry); `label` is the translatable name shown on pages.
    """

    key: str
    header: str
    label: Any
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: Any = ""
    example: str = ""
    width: int = 14
    in_template: bool = True  # False for columns only exports carry (e.g. the record number)


# A column with this header in a file is the engine's own (the error report's), silently ignored.
REPORT_HEADER = "错误说明"
_BRACKETS = re.compile(r"[(\[【<{].*?[)\]】>}]")


def header_key(text: object) -> str:
    """How headers are compared: NFKC (full-width → half-width), no spaces, no bracketed notes such as
    （必填） or (YYYY-MM-DD), no required-marker asterisks, case-folded."""
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text))
    folded = re.sub(r"\s+", "", folded)
    folded = _BRACKETS.sub("", folded).strip("*＊:：")
    return folded.casefold()


@dataclass
class Row:
    """One data row of a file as the sheet sees it."""

    number: int  # the spreadsheet's row number (the header is row 1)
    values: dict[str, Any]
    status: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)  # by column key; "" for the whole row
    warnings: list[str] = field(default_factory=list)
    changes: dict[str, list[Any]] = field(default_factory=dict)  # {column key: [before, after]}
    key: str = ""  # identity inside the file (duplicates), set from SheetSpec.identify
    label: str = ""  # how the preview names the row, e.g. "张三 500103************" (never unmasked)
    plan: Any = None  # the sheet's own working data for commit; never stored

    def __reduce__(self):
        # An import's helper process pickles every row to its parent: as its fields in order this costs
        # about a third less, both ways, than the default's state dictionary.
        return (
            Row,
            (
                self.number, self.values, self.status, self.errors, self.warnings, self.changes, self.key,
                self.label, self.plan,
            ),
        )  # fmt: skip

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(str(message))
        self.status = RowStatus.ERROR

    @property
    def ok(self) -> bool:
        return not self.errors


class RowErrors(Exception):
    """A service refused rows during the commit: {row number: {column key: [messages]}}."""

    def __init__(self, by_row: dict[int, dict[str, list[str]]]):
        self.by_row = by_row
        super().__init__(f"{len(by_row)} rows refused")


@dataclass
class ImportContext:
    """What a sheet knows about the import it is part of. `memo` is the sheet's per-import cache
    (reference tables, resolvers) kept across batches."""

    actor: User
    scope: Scope
    committing: bool = False
    memo: dict[str, Any] = field(default_factory=dict)


def withhold_guessed_numbers(ctx: ImportContext, rows: Sequence[Row], found: set[str]) -> bool:
    """A sheet matched by full ID number answers, row by row, whether each number is a person in the
    importer's area: a sheet of candidates for one masked number would be a search by other means. Each
    number that finds nobody counts against the account's lookup limit (CAREFORCE_LOOKUP_RATE, shared with
    the search) and is written to the access log, when the sheet is checked (not again when it is saved).
    Beyond the limit the sheet answers nothing about any of its numbers: every row with one is refused with
    the limit's message. Returns whether the answers were withheld."""
    from careforce.core import access
    from careforce.core.models import AccessChannel, AccessKind

    if ctx.committing:
        return False
    hashes = [row.plan["hash"] for row in rows if row.plan and row.plan.get("hash")]
    misses = [h for h in dict.fromkeys(hashes) if h not in found]
    try:
        for _miss in misses:
            access.lookup_admit(ctx.actor)
            access.lookup_record(
                actor=ctx.actor,
                kind=AccessKind.LOOKUP_ID,
                channel=AccessChannel.WEB,
                result_count=0,
                worker_id=None,
            )
    except access.LookupRefused as refused:
        for row in rows:
            if row.plan and row.plan.get("hash"):
                row.error("id_number", refused.message)
        return True
    return False


class SheetSpec:
    """Base class of a kind of roster. Subclasses set the class attributes and implement the methods."""

    key: str = ""
    title: Any = ""
    columns: tuple[Column, ...] = ()
    # Lines of the template's instructions sheet after the per-column help.
    instructions: tuple[Any, ...] = ()
    # Headers a file may carry that the sheet knows and ignores (e.g. names an export adds for reading).
    ignored_headers: tuple[str, ...] = ()
    # The column under which "rows N and M are the same record" is shown.
    duplicate_column: str = ""
    batch_size: int = 5000

    # ---- who may use it

    def allowed(self, user: User, scope: Scope) -> bool:
        """Whether the user may import this sheet at all (writes are checked again by the services): the
        officials of an area; a training base or an evaluation body imports only its own sheets."""
        return scope.can_write and scope.is_area

    # ---- the three steps

    def identify(self, row: Row, ctx: ImportContext) -> str:
        """The row's identity for duplicate detection inside the file ("" when it has none, after
        recording an error on the row). Called once per row, in file order, before `classify`."""
        raise NotImplementedError

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        """Set status / errors / warnings / changes / plan on every row of the batch, without writing.

        When `ctx.committing` is true the engine is about to call `commit` with the same rows inside the
        transaction; a sheet whose write service validates anyway may skip that validation here."""
        raise NotImplementedError

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        """Write the batch's NEW and UPDATE rows through the capability's services (raise RowErrors)."""
        raise NotImplementedError

    # ---- optional: work ahead in a helper process (big files)

    # A sheet whose `identify` never queries and which implements `prepare` may have big files read,
    # identified and prepared in a helper process one batch ahead of `classify` / `commit`.
    prepares_ahead: bool = False

    def prime(self, ctx: ImportContext) -> None:
        """Load into ctx.memo everything `identify` and `prepare` need, before the helper starts."""

    def prepare(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        """Database-free work on a batch, kept in row.plan for `classify` / `commit`. Runs in the helper,
        so it may not query (the helper refuses) and must not record errors: `classify` and `commit`
        give the same outcome whether it ran or not."""

    def shared_objects(self, ctx: ImportContext) -> Sequence[Any]:
        """Records `prepare` may put in row.plan that the parent already holds (after `prime`)."""
        return ()

    # ---- template

    def example_rows(self, actor: Any = None) -> Iterable[Sequence[Any]]:
        """Rows shown in the template under the headers (in column order)."""
        return [[column.example for column in self.template_columns]]

    @property
    def template_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.in_template)

    # ---- derived

    def header_index(self) -> dict[str, Column]:
        index: dict[str, Column] = {}
        for column in self.columns:
            for text in (column.header, *column.aliases):
                index.setdefault(header_key(text), column)
        return index

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


SHEETS: dict[str, SheetSpec] = {}


def register_sheet(spec: SheetSpec) -> None:
    """Make a sheet available to the importer (call from AppConfig.ready(); a second call is a no-op)."""
    if not spec.key or not spec.columns:
        raise ValueError("A sheet needs a key and columns.")
    SHEETS.setdefault(spec.key, spec)


def get_sheet(key: str) -> SheetSpec | None:
    return SHEETS.get(key)


def sheets_for(user: User, scope: Scope) -> list[SheetSpec]:
    return [spec for spec in SHEETS.values() if spec.allowed(user, scope)]
