"""The worker roster (从业人员花名册): the first sheet, built only on the registry's services.

- A person not in the registry (by ID number) is NEW: registered with workers_register, the bulk path of
  the registration form (same validation, same audit).
- A person already there is NO CHANGE or UPDATE: changed own fields go through worker_update, the
  employment through employment_update / employment_end, a new institution through worker_transfer (when
  a current full-time post is elsewhere) or employment_start.
- A masked ID number (as in an export) means "unchanged"; the row is then found by its 记录编号 (the
  worker's record number, which exports carry), so an export uploaded again is all NO CHANGE.
- In an existing person's row an empty cell means "keep what is there" (a roster is not a deletion list).
- The same ID number with another name is an error naming the registry's record: names are corrected on
  the worker's page, deliberately, not by a spreadsheet.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from careforce.core import crypto
from careforce.core.masking import is_masked, mask_id_number, mask_phone
from careforce.core.scope import Level, scope_of
from careforce.core.validators import normalize_code, normalize_text
from careforce.imports import roster_contracts
from careforce.imports.sheets import Column, ImportContext, Row, RowErrors, RowStatus, SheetSpec
from careforce.registry import services
from careforce.registry.choices import choice_labels
from careforce.registry.dates import parse_date
from careforce.registry.models import Education, Employment, HukouType, SourceChannel, Team, Worker
from careforce.registry.selectors import workers_visible_to

WORKER_KEYS = (
    "name",
    "id_number",
    "phone",
    "education",
    "hukou_type",
    "source_channel",
    "team",
    "occupation",
)
EMPLOYMENT_KEYS = ("post", "start_date", "end_date", "has_labour_contract")
# Where a registry error about a field is shown when the field has no column of its own.
FIELD_COLUMN = {"gender": "id_number", "birth_date": "id_number", "district": "institution", "__all__": ""}


class _Help:
    """Lazy help text listing a choice's labels in the active language."""

    def __init__(self, choices):
        self.choices = choices

    def __str__(self) -> str:
        return _("One of: %(choices)s.") % {"choices": choice_labels(self.choices)}


COLUMNS = (
    Column("name", "姓名", pgettext_lazy("person", "Name"), required=True, aliases=("名字",), example="张三"),
    Column(
        "id_number",
        "身份证号码",
        gettext_lazy("Resident ID number"),
        required=True,
        aliases=("身份证号", "身份证", "公民身份号码", "证件号码"),
        help=gettext_lazy("18 characters. A masked number from an export means unchanged."),
        example="360426199101010071",
        width=22,
    ),
    Column(
        "phone",
        "手机号码",
        gettext_lazy("Mobile phone"),
        aliases=("手机", "手机号", "联系电话"),
        example="13812345678",
    ),
    Column(
        "education", "学历", gettext_lazy("Education"), required=True, help=_Help(Education), example="高中"
    ),
    Column(
        "hukou_type",
        "户籍类型",
        gettext_lazy("Hukou type"),
        required=True,
        aliases=("户口类型", "户籍性质"),
        help=_Help(HukouType),
        example="农村",
    ),
    Column(
        "team",
        "人员类别",
        gettext_lazy("Team"),
        aliases=("人才类别", "类别"),
        help=gettext_lazy("Empty: the occupation's team."),
        example="",
    ),
    Column(
        "occupation",
        "职业",
        gettext_lazy("Occupation"),
        required=True,
        aliases=("工种",),
        example="养老护理员",
    ),
    Column(
        "source_channel",
        "来源渠道",
        gettext_lazy("Source channel"),
        required=True,
        aliases=("来源",),
        help=_Help(SourceChannel),
        example="其他",
    ),
    Column(
        "institution",
        "机构统一社会信用代码",
        gettext_lazy("Institution credit code"),
        aliases=("统一社会信用代码", "信用代码", "机构信用代码"),
        help=gettext_lazy("The institution where the person works; it must be in your area."),
        width=24,
    ),
    Column("post", "岗位", gettext_lazy("Post"), example="护理员"),
    Column(
        "start_date",
        "入职日期",
        gettext_lazy("Start date"),
        aliases=("入职时间",),
        help=gettext_lazy("2024-05-01, 2024/5/1, 2024.5.1 or 2024年5月1日."),
        example="2024-05-01",
    ),
    Column(
        "end_date",
        "离职日期",
        gettext_lazy("End date"),
        aliases=("离职时间",),
        help=gettext_lazy("Empty while employed."),
    ),
    Column(
        "has_labour_contract",
        "是否签订劳动合同",
        gettext_lazy("Labour contract signed"),
        aliases=("劳动合同", "签订劳动合同"),
        help=gettext_lazy("是 or 否."),
        example="是",
    ),
    *roster_contracts.COLUMNS,
    Column(
        "record",
        "记录编号",
        gettext_lazy("Record number"),
        in_template=False,
        help=gettext_lazy("Set by exports; leave it as it is."),
    ),
)


def _text(value: Any) -> Any:
    """Numbers Excel stored for ID numbers and phones back to digits (13812345678.0 → 13812345678)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class WorkerRosterSheet(SheetSpec):
    key = "workers"
    title = gettext_lazy("Worker roster")
    columns = COLUMNS
    ignored_headers = ("机构名称", "所属区县", "区县", "性别", "出生日期", "年龄", "序号")
    duplicate_column = "id_number"
    instructions = (
        gettext_lazy("One row per person. Keep the header row; the order of columns does not matter."),
        gettext_lazy(
            "A person already in the registry is matched by ID number; empty cells keep what is there."
        ),
        gettext_lazy("Nothing is saved until every row is correct; then all rows are saved together."),
    )

    def example_rows(self, actor=None):
        # The example row must pass as it stands: it names an institution the downloader may record staff
        # at (an institution's administrator may leave the code empty: it is its own).
        institution = ""
        if actor is not None:
            scope = scope_of(actor)
            if scope.can_write and scope.level != Level.INSTITUTION:
                first = services.Resolver(actor)._writable_institutions().order_by("pk").first()
                institution = first.uscc if first else ""
        with translation.override("zh-hans"):
            return [
                [
                    "张三",
                    "360426199101010071",
                    "13812345678",
                    str(Education.SENIOR_HIGH.label),
                    str(HukouType.RURAL.label),
                    str(Team.CARE.label),
                    "养老护理员",
                    str(SourceChannel.RURAL_MIGRANT.label),
                    institution,
                    "护理员",
                    "2024-05-01",
                    "",
                    "是",
                    "固定期限",
                    "2024-05-01",
                    "2027-04-30",
                ]
            ]

    # ---- identity

    def identify(self, row: Row, ctx: ImportContext) -> str:
        values = row.values
        for key in ("id_number", "phone", "record", "institution"):
            if key in values:
                values[key] = _text(values[key])
        raw = values.get("id_number")
        name = normalize_text(values.get("name")).replace(" ", "")
        if raw is None:
            row.error("id_number", _("Enter the resident ID number."))
            return ""
        text = str(raw)
        if is_masked(text):
            record = normalize_code(values.get("record"))
            if not record.isdigit() or len(record) > 12:
                row.error(
                    "id_number",
                    _(
                        "This ID number is masked; keep the 记录编号 column of the export, or write the full number."
                    ),
                )
                return ""
            row.label = f"{name} {normalize_code(text)}"
            row.plan = {"record": int(record), "masked_id": normalize_code(text)}
            return f"record:{record}"
        code = normalize_code(text)
        row.label = f"{name} {mask_id_number(code[:6])}" if len(code) == 18 else name
        indexes = crypto.blind_indexes(code, purpose="id_number") if len(code) == 18 else (None,)
        row.plan = {"hash": indexes[0]}
        if len(indexes) > 1:  # a rotation of the blind index runs: the person may still carry the one before
            row.plan["previous"] = list(indexes[1:])
        return f"id:{row.plan['hash']}" if row.plan["hash"] else f"raw:{code}"

    # ---- work ahead (big files): every identified row cleaned as a registration, away from the database

    prepares_ahead = True
    batch_size = 2500

    def prime(self, ctx: ImportContext) -> None:
        self._resolver(ctx).prime_all()

    def shared_objects(self, ctx: ImportContext) -> list[Any]:
        return self._resolver(ctx).known_objects()

    def prepare(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        """Most rows of a big roster are new people: their registration is cleaned (and, when committing,
        encrypted into its worker row) here; a row that turns out to be in the registry ignores it."""
        resolver = self._resolver(ctx)
        today = timezone.localdate()
        for row in rows:
            if row.errors or not row.plan or not row.plan.get("hash"):
                continue
            registration = self._registration(row, resolver, ctx)
            if registration is not None:
                services.registration_prepare(
                    registration, resolver=resolver, today=today, for_writing=ctx.committing
                )
                # The raw cells stay in row.values; what is prepared is all the services read now, and
                # the batch travels back to the parent by pickle.
                registration.data, registration.employments = {}, ()
                row.plan["registration"] = registration

    # ---- classification

    def _resolver(self, ctx: ImportContext) -> services.Resolver:
        if "resolver" not in ctx.memo:
            ctx.memo["resolver"] = services.Resolver(ctx.actor)
        return ctx.memo["resolver"]

    def classify(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        resolver = self._resolver(ctx)
        live = [r for r in rows if not r.errors and r.plan]
        resolver.prime_institutions(
            [str(r.values["institution"]) for r in live if r.values.get("institution")]
        )
        hashes = [r.plan["hash"] for r in live if r.plan.get("hash")]
        current = {old: r.plan["hash"] for r in live for old in r.plan.get("previous", ())}
        records = [r.plan["record"] for r in live if "record" in r.plan]
        by_hash = {
            current.get(w.id_number_hash, w.id_number_hash): w
            for w in Worker.objects.filter(id_number_hash__any_of=hashes + list(current)).select_related(
                "occupation", "district"
            )
        }
        visible = workers_visible_to(ctx.actor)
        by_record = {w.pk: w for w in visible.filter(pk__in=records).select_related("occupation", "district")}
        found = [*by_hash.values(), *by_record.values()]
        visible_ids = set(
            visible.filter(pk__in=[w.pk for w in by_hash.values()]).values_list("pk", flat=True)
        )
        visible_ids.update(by_record)
        periods: dict[int, list[Employment]] = {}
        for emp in Employment.objects.filter(worker_id__in=[w.pk for w in found]).select_related(
            "institution"
        ):
            periods.setdefault(emp.worker_id, []).append(emp)

        # Numbers not in the importer's area (registered nowhere, or elsewhere) are guesses as far as the
        # answer goes: the importer cannot list them, so each answer counts as a full-number lookup.
        guesses: dict[str, Worker | None] = {}
        for row in live:
            if "record" not in row.plan and row.plan.get("hash"):
                worker = by_hash.get(row.plan["hash"])
                if worker is None or worker.pk not in visible_ids:
                    guesses.setdefault(row.plan["hash"], worker)
        withheld, refusal = _count_guesses(ctx, guesses)

        new_rows: list[Row] = []
        for row in live:
            worker = (
                by_record.get(row.plan["record"]) if "record" in row.plan else by_hash.get(row.plan["hash"])
            )
            if row.plan.get("hash") in withheld:
                if ctx.committing:
                    row.error("id_number", refusal)
                else:
                    # Past the limit the preview says the same of every such number: a new person, compared
                    # with the registry when the file is saved.
                    row.plan["unchecked"] = True
                    row.warnings.append(
                        _(
                            "Not compared with the registry yet: %(reason)s It is compared when the file is saved."
                        )
                        % {"reason": refusal}
                    )
                    new_rows.append(row)
            elif worker is None and "record" in row.plan:
                row.error(
                    "record",
                    _("No record %(number)s in your area; the 记录编号 must come from your own export.")
                    % {"number": row.plan["record"]},
                )
            elif worker is None:
                new_rows.append(row)
            elif worker.pk not in visible_ids:
                # Not "outside your area": the refusal says no more than a registration's would; it was
                # counted as a full-identifier lookup above (_count_guesses).
                row.error("id_number", services.registration_clash_text())
            else:
                self._classify_existing(row, worker, periods.get(worker.pk, []), resolver, ctx)
        self._classify_new(new_rows, resolver, ctx)
        self._classify_contracts(live, ctx)

    def _classify_contracts(self, rows: list[Row], ctx: ImportContext) -> None:
        """The contract columns (roster_contracts.py): checked on every row, planned on the clean ones."""
        wanted = {row.number: roster_contracts.clean(row) for row in rows}
        known = [r.plan["worker"].pk for r in rows if wanted[r.number] and r.plan.get("worker")]
        recorded = roster_contracts.contracts_of(known)
        for row in rows:
            contract = wanted[row.number]
            if contract is None or row.errors:
                continue
            if row.status == RowStatus.NEW:
                if row.values.get("institution") is None and ctx.scope.level != Level.INSTITUTION:
                    row.error(
                        "contract_type",
                        _("A contract needs the institution: give its credit code in this row."),
                    )
                    continue
                row.plan["contract"] = ("add", None, contract)
                continue
            worker = row.plan.get("worker")
            if worker is None:
                continue
            if worker.institution_id is None and not row.plan.get("employment"):
                row.error(
                    "contract_type",
                    _("The person has no current post: give the institution and start date of the post."),
                )
                continue
            change = roster_contracts.plan(row, contract, recorded.get(worker.pk, []))
            if row.errors:
                continue
            if change is not None:
                row.plan["contract"] = (*change, contract)
                row.status = RowStatus.UPDATE

    def _team_from_occupation(self, values: dict[str, Any], resolver: services.Resolver) -> None:
        if values.get("team") is None and values.get("occupation") is not None:
            occupation = resolver.occupation(values["occupation"])
            if occupation is not None:
                values["team"] = occupation.team

    def _employment_data(self, values: dict[str, Any], ctx: ImportContext) -> dict[str, Any] | None:
        if values.get("institution") is None and ctx.scope.level == Level.INSTITUTION:
            # An institution's administrator records its own staff: the code would be the same on every row.
            values["institution"] = str(ctx.scope.institution_id)
        if values.get("institution") is None:
            return None
        data = {"institution": values["institution"]}
        for key in EMPLOYMENT_KEYS:
            if values.get(key) is not None:
                data[key] = values[key]
        data.setdefault("post", "")
        return data

    def _registration(
        self, row: Row, resolver: services.Resolver, ctx: ImportContext
    ) -> services.Registration | None:
        """The row as a registration, or None when it names a post but no institution."""
        values = dict(row.values)
        self._team_from_occupation(values, resolver)
        employment = self._employment_data(values, ctx)
        if employment is None and any(values.get(k) is not None for k in ("post", "start_date")):
            return None
        data = {k: values.get(k) for k in WORKER_KEYS}
        data["team"] = data["team"] or ""
        return services.Registration(
            data=data,
            employments=[employment] if employment else [],
            district=ctx.scope.district_id if ctx.scope.level == Level.DISTRICT else None,
            label=_RowLabel(row.number),
        )

    def _classify_new(self, rows: list[Row], resolver: services.Resolver, ctx: ImportContext) -> None:
        registrations = []
        for row in rows:
            registration = row.plan.get("registration") or self._registration(row, resolver, ctx)
            if registration is None:
                row.error("institution", _("Give the credit code of the institution of this post."))
                continue
            row.status = RowStatus.NEW
            row.plan["registration"] = registration
            registrations.append((row, registration))
        if ctx.committing or not registrations:
            return  # workers_register validates them again anyway, in the commit's transaction
        failures = services.workers_check(
            actor=ctx.actor,
            registrations=[reg for _row, reg in registrations],
            unchecked={index for index, (row, _reg) in enumerate(registrations) if row.plan.get("unchecked")},
        )
        for index, (row, registration) in enumerate(registrations):
            row.warnings.extend(registration.warnings)
            if index in failures:
                _add_errors(row, failures[index])

    def _classify_existing(
        self,
        row: Row,
        worker: Worker,
        periods: list[Employment],
        resolver: services.Resolver,
        ctx: ImportContext,
    ) -> None:
        values = dict(row.values)
        row.plan["worker"] = worker
        if "masked_id" in row.plan and row.plan["masked_id"] != worker.id_number_masked:
            row.error(
                "id_number",
                _("The masked ID number does not match record %(number)s.") % {"number": worker.pk},
            )
            return
        name = normalize_text(values.get("name")).replace(" ", "")
        if name and name != worker.name:
            row.error(
                "name",
                _(
                    "The registry has %(name)s for this ID number (record %(number)s); correct the name here, "
                    "or on the worker's page if the registry is wrong."
                )
                % {"name": worker.name, "number": worker.pk},
            )
            return
        data = {
            k: values[k] for k in WORKER_KEYS if k not in ("id_number", "name") and values.get(k) is not None
        }
        if "phone" in data and is_masked(str(data["phone"])):
            del data["phone"]
        if "team" not in data and "occupation" in data:
            occupation = resolver.occupation(data["occupation"])
            if occupation is not None and occupation.team != worker.team:
                data["team"] = occupation.team
        try:
            cleaned, warnings = services.clean_worker_fields(data, resolver=resolver, instance=worker)
        except ValidationError as exc:
            _add_errors(row, exc)
            return
        row.warnings.extend(warnings)
        changed: dict[str, Any] = {}
        for key in ("education", "hukou_type", "source_channel", "team"):
            if key in cleaned and cleaned[key] != getattr(worker, key):
                changed[key] = data[key]
                choices = {
                    "education": Education,
                    "hukou_type": HukouType,
                    "source_channel": SourceChannel,
                    "team": Team,
                }[key]
                row.changes[key] = [
                    _choice_label(choices, getattr(worker, key)),
                    _choice_label(choices, cleaned[key]),
                ]
        if "occupation" in cleaned and cleaned["occupation"].pk != worker.occupation_id:
            changed["occupation"] = data["occupation"]
            row.changes["occupation"] = [worker.occupation.name, cleaned["occupation"].name]
        if (
            "phone_hash" in cleaned
            and cleaned["phone_hash"] != worker.phone_hash
            # during a rotation of the blind index the stored phone may still carry the index before
            and not (
                cleaned.get("phone")
                and worker.phone_hash in crypto.blind_indexes(cleaned["phone"], purpose="phone")
            )
        ):
            changed["phone"] = data["phone"]
            row.changes["phone"] = [worker.phone_masked, mask_phone_of(cleaned.get("phone", ""))]
        row.plan["worker_data"] = changed
        row.plan["employment"] = self._employment_change(row, values, periods, resolver, ctx)
        if row.errors:
            return
        row.status = RowStatus.UPDATE if (changed or row.plan["employment"]) else RowStatus.UNCHANGED

    def _employment_change(
        self,
        row: Row,
        values: dict[str, Any],
        periods: list[Employment],
        resolver: services.Resolver,
        ctx: ImportContext,
    ) -> tuple[str, Employment | None, dict[str, Any]] | None:
        if values.get("institution") is None and all(values.get(k) is None for k in EMPLOYMENT_KEYS):
            return None  # nothing said about a post: the person's periods stay as they are
        data = self._employment_data(values, ctx)
        if data is None:
            return None
        institution = resolver.institution(data["institution"])
        if institution is None:
            row.error(
                "institution",
                _("No institution with this credit code in your area; check the code or ask the district."),
            )
            return None
        at_institution = [e for e in periods if e.institution_id == institution.pk]
        start = parse_date(data.get("start_date")) if data.get("start_date") is not None else None
        match = next((e for e in at_institution if start and e.start_date == start), None) or next(
            (e for e in at_institution if e.end_date is None), None
        )
        try:
            cleaned = services.clean_employment_fields(
                data, resolver=resolver, instance=match, today=timezone.localdate()
            )
        except ValidationError as exc:
            _add_errors(row, exc)
            return None
        if match is not None:
            changes = {}
            for key in ("post", "start_date", "end_date", "has_labour_contract"):
                if key in data and key in cleaned and cleaned[key] != getattr(match, key):
                    if key == "post" and not cleaned[key]:
                        continue
                    changes[key] = data[key]
                    row.changes[key] = [_show(getattr(match, key)), _show(cleaned[key])]
            return ("update", match, changes) if changes else None
        if cleaned.get("start_date") is None:
            row.error("start_date", _("Give the start date of the post at this institution."))
            return None
        current = next((e for e in periods if e.end_date is None and not e.is_part_time), None)
        row.changes["institution"] = [current.institution.uscc if current else "", institution.uscc]
        if current is not None and cleaned.get("end_date") is None:
            return ("transfer", None, data)
        return ("start", None, data)

    # ---- commit

    def commit(self, rows: Sequence[Row], ctx: ImportContext) -> None:
        new_rows = [r for r in rows if r.status == RowStatus.NEW]
        if new_rows:
            registrations = [r.plan["registration"] for r in new_rows]
            try:
                ids = services.workers_register(actor=ctx.actor, registrations=registrations)
            except services.BulkValidationError as exc:
                raise RowErrors(
                    {new_rows[i].number: _errors_by_column(e) for i, e in exc.by_index.items()}
                ) from None
            for row, registration, worker_id in zip(new_rows, registrations, ids, strict=True):
                row.warnings.extend(w for w in registration.warnings if w not in row.warnings)
                if row.plan.get("contract"):
                    _commit_contract(row, worker_id, ctx)
        for row in rows:
            if row.status == RowStatus.UPDATE:
                self._commit_update(row, ctx)

    def _commit_update(self, row: Row, ctx: ImportContext) -> None:
        worker = row.plan["worker"]
        try:
            if row.plan.get("worker_data"):
                services.worker_update(actor=ctx.actor, worker=worker, data=row.plan["worker_data"])
            change = row.plan.get("employment")
            if change:
                kind, employment, data = change
                if kind == "update" and set(data) == {"end_date"} and employment.end_date is None:
                    services.employment_end(actor=ctx.actor, employment=employment, end_date=data["end_date"])
                elif kind == "update":
                    services.employment_update(actor=ctx.actor, employment=employment, data=data)
                elif kind == "transfer":
                    services.worker_transfer(actor=ctx.actor, worker=worker, data=data)
                else:
                    services.employment_start(actor=ctx.actor, worker=worker, data=data)
        except ValidationError as exc:
            raise RowErrors({row.number: _errors_by_column(exc)}) from None
        except Http404:
            raise RowErrors(
                {row.number: {"institution": [_("You may not change records at this institution.")]}}
            ) from None
        if row.plan.get("contract"):
            _commit_contract(row, worker.pk, ctx)


# Where an error of the contract services is shown.
CONTRACT_COLUMN = {"start_date": "contract_start", "end_date": "contract_end"}


def _commit_contract(row: Row, worker_id: int, ctx: ImportContext) -> None:
    """The row's contract through the incentives contract services, after the row's person and post are
    saved (the contract is made at the institution the person is placed at then)."""
    from careforce.incentives import services as incentives
    from careforce.incentives.models import LabourContract

    kind, renewed_id, data = row.plan["contract"]
    try:
        if kind == "renew":
            incentives.contract_renew(
                actor=ctx.actor, contract=LabourContract.objects.get(pk=renewed_id), data=data
            )
        else:
            incentives.contract_add(actor=ctx.actor, worker=Worker.objects.get(pk=worker_id), data=data)
    except ValidationError as exc:
        out: dict[str, list[str]] = {}
        for name, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
            out.setdefault(CONTRACT_COLUMN.get(name, "contract_type"), []).extend(messages)
        raise RowErrors({row.number: out}) from None
    except Http404:
        raise RowErrors(
            {row.number: {"contract_type": [_("You may not change records at this institution.")]}}
        ) from None


def _count_guesses(ctx: ImportContext, guesses: dict[str, Worker | None]) -> tuple[set[str], str]:
    """Count and log the roster's answers about numbers outside the importer's area; return the numbers
    whose answer is withheld, and the message that says why.

    The preview answers each such number ("new person" or "already in the registry"): each counts against
    the account's lookup limit and is an access-log row (whom: the person it belongs to, wherever they are),
    in file order. Past the limit the remaining numbers are all shown alike, as new people with the limit's
    message, so the preview tells nothing about them; a big roster of new people still goes through.

    Saving answers only when a number turns out to be registered elsewhere (the save is then refused): then
    every such number of the batch counts, since the refusal tells which of them are free too; past the limit
    every one of them is refused with the limit's message, whichever was registered. A save of new people
    only counts nothing: its numbers become records the importer registered, in the audit trail."""
    from careforce.core import access
    from careforce.core.models import AccessChannel, AccessKind

    if ctx.committing and all(worker is None for worker in guesses.values()):
        return set(), ""
    pending = list(guesses.items())
    for position, (_hash, worker) in enumerate(pending):
        try:
            access.lookup_admit(ctx.actor)
        except access.LookupRefused as refused:
            withheld = guesses if ctx.committing else dict(pending[position:])
            return set(withheld), refused.message
        access.lookup_record(
            actor=ctx.actor,
            kind=AccessKind.LOOKUP_ID,
            channel=AccessChannel.WEB,
            result_count=0,
            worker_id=worker.pk if worker is not None else None,
        )
    return set(), ""


class _RowLabel:
    """The label "row 12", translated only if a message needs it (most rows never do; gettext per row adds up)."""

    __slots__ = ("number",)

    def __init__(self, number: int):
        self.number = number

    def __reduce__(self):
        return (_RowLabel, (self.number,))

    def __str__(self) -> str:
        return _("row %(n)d") % {"n": self.number}


def mask_phone_of(phone: str) -> str:
    return mask_phone(phone[:3], phone[-4:]) if len(phone) == 11 else ""


def _show(value: Any) -> Any:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if value is not None else ""


def _errors_by_column(exc: ValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {"": list(exc.messages)}
    out: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        out.setdefault(FIELD_COLUMN.get(name, name), []).extend(messages)
    return out


def _add_errors(row: Row, exc: ValidationError) -> None:
    for column, messages in _errors_by_column(exc).items():
        for message in messages:
            row.error(column, message)
