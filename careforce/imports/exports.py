"""Exports of filtered lists to xlsx, streamed from the database in chunks (1,000,000 rows in constant
memory), masked unless the exporter may unmask and asks to, with a reason.

Logging: every export writes one ExportLog row (who, which list, the filter, how many rows, masked or
not, why). An unmasked export also writes, through registry.services.pii_reveal_many, one PiiAccess row
per exported worker and field, so the access log answers "who has seen my ID number" for exports too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import IO, Any

from django.db import transaction
from django.utils import timezone, translation

from careforce.core.masking import mask_id_number, mask_phone
from careforce.core.models import User
from careforce.imports import roster_contracts
from careforce.imports.models import ExportLog
from careforce.imports.roster import COLUMNS
from careforce.imports.workbooks import SheetWriter, new_book
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution, InstitutionKind, Ownership
from careforce.institutions.selectors import institution_list
from careforce.registry import services as registry
from careforce.registry.models import Education, Employment, HukouType, SourceChannel, Team
from careforce.registry.selectors import WorkerFilters, worker_list, workers_visible_to

CHUNK = 2000
WORKER_EXPORT_HEADERS = [c.header for c in COLUMNS if c.in_template] + ["机构名称", "所属区县", "记录编号"]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _chunks(queryset, size: int = CHUNK) -> Iterator[list]:
    chunk: list = []
    for item in queryset.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# The worker columns an export reads: plain values, not model instances (building 100,000 Worker objects
# with their related records took as long as writing the workbook).
_WORKER_VALUES = (
    "pk",
    "name",
    "id_region",
    "id_last4",
    "phone_prefix",
    "phone_last4",
    "education",
    "hukou_type",
    "team",
    "occupation__name",
    "source_channel",
    "institution__name",
    "district__name",
)


def _placements(worker_ids: list[int]) -> dict[int, tuple]:
    """Each worker's placing employment (current full-time, else any current, else the last), as
    (institution credit code, post, start, end, labour contract)."""
    best: dict[int, tuple] = {}
    rows = Employment.objects.filter(worker_id__any_of=worker_ids).values_list(
        "worker_id",
        "institution__uscc",
        "post",
        "start_date",
        "end_date",
        "has_labour_contract",
        "is_part_time",
    )
    for worker_id, uscc, post, start, end, contract, part_time in rows:
        rank = (end is None, end is None and not part_time, end or start, start)
        current = best.get(worker_id)
        if current is None or rank > current[0]:
            best[worker_id] = (rank, (uscc, post, start, end, contract))
    return {worker_id: placed for worker_id, (_rank, placed) in best.items()}


def _contracts(worker_ids: list[int]) -> dict[int, list[str]]:
    """Each worker's contract cells: the contract in force today, else the latest recorded (one query)."""
    today = timezone.localdate()
    return {
        worker_id: roster_contracts.export_cells(roster_contracts.current(contracts, today))
        for worker_id, contracts in roster_contracts.contracts_of(worker_ids).items()
    }


def _choice_labels() -> dict[str, dict[str, str]]:
    """value -> label of each choice column, in the active language (looked up once, not per cell)."""
    return {
        "education": {value: str(label) for value, label in Education.choices},
        "hukou_type": {value: str(label) for value, label in HukouType.choices},
        "team": {value: str(label) for value, label in Team.choices},
        "source_channel": {value: str(label) for value, label in SourceChannel.choices},
    }


def _worker_row(
    values: tuple,
    placed: tuple | None,
    revealed: tuple[str, str] | None,
    labels: dict[str, dict[str, str]],
    contract: list[str] | None = None,
) -> list[Any]:
    (
        pk,
        name,
        id_region,
        _id_last4,  # read for matching only; never shown (careforce/core/masking.py)
        phone_prefix,
        phone_last4,
        education,
        hukou_type,
        team,
        occupation,
        source_channel,
        institution,
        district,
    ) = values
    if revealed:
        id_number, phone = revealed
    else:
        id_number, phone = mask_id_number(id_region), mask_phone(phone_prefix, phone_last4)
    uscc, post, start, end, has_contract = placed if placed else ("", "", None, None, None)
    return [
        name,
        id_number,
        phone,
        labels["education"].get(education, education),
        labels["hukou_type"].get(hukou_type, hukou_type),
        labels["team"].get(team, team),
        occupation,
        labels["source_channel"].get(source_channel, source_channel),
        uscc,
        post,
        start.isoformat() if start else "",
        end.isoformat() if end else "",
        ("是" if has_contract else "否") if placed else "",
        *(contract or ["", "", ""]),
        institution or "",
        district,
        str(pk),
    ]


def export_workers(
    *,
    actor: User,
    filters: WorkerFilters,
    out: IO[bytes],
    unmask_reason: str | None = None,
    ip_address: str | None = None,
) -> int:
    """Write the filtered worker list to `out`; returns the number of rows. Unmasked only with a reason
    and the permission (pii_reveal_many refuses otherwise, before anything is written)."""
    queryset = worker_list(actor, filters)
    if unmask_reason is not None:
        # Refuse early (no permission, no reason) rather than after a half-written file.
        registry.pii_reveal_many(actor=actor, workers=[], reason=unmask_reason, ip_address=ip_address)
    book = new_book(out)
    with translation.override("zh-hans"):
        labels = _choice_labels()
        sheet = SheetWriter(
            book,
            "从业人员",
            WORKER_EXPORT_HEADERS,
            [10, 22, 14, 12, 10, 14, 14, 14, 22, 12, 12, 12, 10, 12, 12, 12, 28, 12, 10],
        )
        count = 0
        with transaction.atomic():  # one consistent snapshot on PostgreSQL (a server-side cursor)
            for chunk in _chunks(queryset.values_list(*_WORKER_VALUES)):
                ids = [values[0] for values in chunk]
                placements = _placements(ids)
                contracts = _contracts(ids)
                revealed = (
                    _revealed(actor, ids, unmask_reason, ip_address) if unmask_reason is not None else {}
                )
                for values in chunk:
                    sheet.write(
                        _worker_row(
                            values,
                            placements.get(values[0]),
                            revealed.get(values[0]),
                            labels,
                            contracts.get(values[0]),
                        )
                    )
                count += len(chunk)
            ExportLog.objects.create(
                actor=actor,
                list_name="workers",
                filters={k: v for k, v in asdict(filters).items() if v not in (None, "")},
                row_count=count,
                unmasked=unmask_reason is not None,
                reason=(unmask_reason or "")[:300],
                ip_address=ip_address,
            )
    book.close()
    return count


def _revealed(actor: User, ids: list[int], reason: str, ip_address: str | None) -> dict[int, tuple[str, str]]:
    workers = list(
        workers_visible_to(actor).filter(pk__any_of=ids).only("id", "id_number_encrypted", "phone_encrypted")
    )
    return registry.pii_reveal_many(actor=actor, workers=workers, reason=reason, ip_address=ip_address)


INSTITUTION_EXPORT_HEADERS = [
    "机构名称",
    "统一社会信用代码",
    "所属区县",
    "机构类型",
    "性质",
    "是否事业单位",
    "星级",
    "床位数",
    "能力完好",
    "轻度失能",
    "中度失能",
    "重度失能",
    "完全失能",
    "地址",
    "联系人",
    "联系电话",
    "记录编号",
]


def _institution_row(inst: Institution) -> list[Any]:
    return [
        inst.name,
        inst.uscc,
        inst.district.name,
        _label(InstitutionKind, inst.kind),
        _label(Ownership, inst.ownership),
        "是" if inst.is_public_service_unit else "否",
        inst.star_grade,
        inst.beds,
        *(getattr(inst, name) for name, _label_ in RESIDENT_LEVEL_FIELDS),
        inst.address,
        inst.contact_name,
        inst.contact_phone,
        str(inst.pk),
    ]


def export_institutions(
    *, actor: User, filters: dict[str, Any], out: IO[bytes], ip_address: str | None = None
) -> int:
    queryset = institution_list(actor, **filters).order_by("district__sort_order", "name", "id")
    book = new_book(out)
    with translation.override("zh-hans"):
        sheet = SheetWriter(book, "养老服务机构", INSTITUTION_EXPORT_HEADERS, [30, 22, 12, 16, 14, 10])
        count = 0
        with transaction.atomic():
            for chunk in _chunks(queryset):
                for inst in chunk:
                    sheet.write(_institution_row(inst))
                count += len(chunk)
            ExportLog.objects.create(
                actor=actor,
                list_name="institutions",
                filters={k: v for k, v in filters.items() if v not in (None, "")},
                row_count=count,
                ip_address=ip_address,
            )
    book.close()
    return count
