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
from django.utils import translation

from careforce.core.models import User
from careforce.imports.models import ExportLog
from careforce.imports.roster import COLUMNS
from careforce.imports.workbooks import SheetWriter, new_book
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution, InstitutionKind, Ownership
from careforce.institutions.selectors import institution_list
from careforce.registry import services as registry
from careforce.registry.models import Education, Employment, HukouType, SourceChannel, Team, Worker
from careforce.registry.selectors import WorkerFilters, worker_list

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


def _placements(workers: list[Worker]) -> dict[int, Employment]:
    """The employment each worker is placed by (current full-time, else any current, else the last)."""
    best: dict[int, Employment] = {}

    def rank(e: Employment):
        return (
            e.end_date is None,
            e.end_date is None and not e.is_part_time,
            e.end_date or e.start_date,
            e.start_date,
        )

    for emp in Employment.objects.filter(worker_id__in=[w.pk for w in workers]).select_related("institution"):
        current = best.get(emp.worker_id)
        if current is None or rank(emp) > rank(current):
            best[emp.worker_id] = emp
    return best


def _worker_row(worker: Worker, emp: Employment | None, revealed: tuple[str, str] | None) -> list[Any]:
    id_number, phone = revealed if revealed else (worker.id_number_masked, worker.phone_masked)
    return [
        worker.name,
        id_number,
        phone,
        _label(Education, worker.education),
        _label(HukouType, worker.hukou_type),
        _label(Team, worker.team),
        worker.occupation.name,
        _label(SourceChannel, worker.source_channel),
        emp.institution.uscc if emp else "",
        emp.post if emp else "",
        emp.start_date.isoformat() if emp else "",
        emp.end_date.isoformat() if emp and emp.end_date else "",
        ("是" if emp.has_labour_contract else "否") if emp else "",
        worker.institution.name if worker.institution_id else "",
        worker.district.name,
        str(worker.pk),
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
        sheet = SheetWriter(
            book,
            "从业人员",
            WORKER_EXPORT_HEADERS,
            [10, 22, 14, 12, 10, 14, 14, 14, 22, 12, 12, 12, 10, 28, 12, 10],
        )
        count = 0
        with transaction.atomic():  # one consistent snapshot on PostgreSQL (a server-side cursor)
            for chunk in _chunks(queryset):
                placements = _placements(chunk)
                revealed = (
                    registry.pii_reveal_many(
                        actor=actor, workers=chunk, reason=unmask_reason, ip_address=ip_address
                    )
                    if unmask_reason is not None
                    else {}
                )
                for worker in chunk:
                    sheet.write(_worker_row(worker, placements.get(worker.pk), revealed.get(worker.pk)))
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
