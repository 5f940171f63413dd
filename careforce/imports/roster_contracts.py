"""The labour-contract columns of the worker roster (劳动合同类型, 合同起始日期, 合同终止日期).

A row that fills them records the person's contract through the incentives contract services
(`contract_add`, `contract_renew`: one write path, audited), in the roster's all-or-nothing save:
- no contract recorded yet, or one starting before the first recorded: a contract is added;
- a start after the latest recorded contract's: a renewal of that contract;
- the same start, type and end as a recorded contract: no change (an export uploaded again);
- the same start with other terms: an error — a roster renews contracts, it does not rewrite one.
A row whose three cells are empty leaves the person's contracts as they are.

Work-injury insurance is not a roster column: a cover needs its insurer and its own period, and one
institution insures its staff together; it has its own sheet (incentives' insurance import).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careforce.imports.sheets import Column, Row
from careforce.incentives.models import ContractType, LabourContract
from careforce.registry.dates import parse_date

KEYS = ("contract_type", "contract_start", "contract_end")

# The words officials write for each type (the policy's terms and their usual shortenings); the export
# writes the first, so a downloaded roster reads back as it was.
WORDS: dict[str, tuple[str, ...]] = {
    ContractType.FIXED_TERM: ("固定期限", "固定期限劳动合同", "固定期限合同", "有固定期限", "固定期"),
    ContractType.OPEN_ENDED: (
        "无固定期限",
        "无固定期限劳动合同",
        "无固定期限合同",
        "无固定期",
    ),
    ContractType.PART_TIME: ("非全日制", "非全日制用工", "非全日制劳动合同", "非全日制合同", "小时工"),
    ContractType.AGENCY: ("劳务派遣", "派遣", "劳务派遣合同", "派遣用工", "劳务派遣用工"),
    ContractType.PUBLIC_INSTITUTION: ("事业编制", "事业编", "编制内", "在编", "事业单位编制", "编制"),
}
EXPORT_WORD = {kind: words[0] for kind, words in WORDS.items()}
NO_END = (ContractType.OPEN_ENDED, ContractType.PUBLIC_INSTITUTION)


def _key(text: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def _lookup() -> dict[str, str]:
    table = {_key(word): kind for kind, words in WORDS.items() for word in words}
    for value, label in ContractType.choices:
        table.setdefault(_key(value), value)
        table.setdefault(_key(label), value)
    return table


_TABLE = _lookup()


class _TypeHelp:
    def __str__(self) -> str:
        return _("One of: %(choices)s.") % {"choices": "、".join(words[0] for words in WORDS.values())}


COLUMNS = (
    Column(
        "contract_type",
        "劳动合同类型",
        gettext_lazy("Labour contract type"),
        aliases=("合同类型", "劳动合同种类", "用工形式", "合同性质"),
        help=_TypeHelp(),
        example="固定期限",
    ),
    Column(
        "contract_start",
        "合同起始日期",
        gettext_lazy("Contract start date"),
        aliases=("合同开始日期", "合同起始时间", "合同开始时间", "合同生效日期", "合同起始日"),
        help=gettext_lazy("The first day of the contract in force (or of its renewal)."),
        example="2024-05-01",
    ),
    Column(
        "contract_end",
        "合同终止日期",
        gettext_lazy("Contract end date"),
        aliases=(
            "合同结束日期",
            "合同到期日期",
            "合同截止日期",
            "合同终止时间",
            "合同到期时间",
            "合同到期日",
        ),
        help=gettext_lazy("Empty for 无固定期限 and 事业编制."),
        example="2027-04-30",
    ),
)


def contract_type(raw: Any) -> str | None:
    """The type a cell names (code, label or an official's word), or None."""
    return _TABLE.get(_key(raw)) if raw is not None else None


def clean(row: Row) -> dict[str, Any] | None:
    """The contract a row gives ({"contract_type", "start_date", "end_date"}), None when its contract cells
    are all empty; problems go to the row's errors under their column."""
    values = row.values
    if all(values.get(key) is None for key in KEYS):
        return None
    kind = contract_type(values.get("contract_type"))
    if values.get("contract_type") is None:
        row.error(
            "contract_type",
            _("Enter the contract type (%(choices)s), or leave the three contract columns empty.")
            % {"choices": "、".join(words[0] for words in WORDS.values())},
        )
    elif kind is None:
        row.error(
            "contract_type",
            _("Unknown contract type: write one of %(choices)s.")
            % {"choices": "、".join(words[0] for words in WORDS.values())},
        )
    start = _date(row, "contract_start", required=True)
    end = _date(row, "contract_end", required=kind is not None and kind not in NO_END)
    if kind == ContractType.OPEN_ENDED and end is not None:
        row.error(
            "contract_end",
            _("An open-ended contract has no end date: leave it empty, or choose 固定期限."),
        )
    if start is not None and end is not None and end < start:
        row.error("contract_end", _("The contract ends before it starts: correct one of the two dates."))
    if row.errors or kind is None or start is None:
        return None
    return {"contract_type": kind, "start_date": start, "end_date": end}


def _date(row: Row, key: str, *, required: bool) -> datetime.date | None:
    raw = row.values.get(key)
    if raw is None:
        if required:
            row.error(
                key,
                _("Give the contract's start date, e.g. 2024-05-01.")
                if key == "contract_start"
                else _(
                    "Give the contract's end date, e.g. 2027-04-30 (empty only for 无固定期限 and 事业编制)."
                ),
            )
        return None
    day = parse_date(raw)
    if day is None:
        row.error(key, _("Not a date: write it like 2024-05-01, 2024/5/1 or 2024年5月1日."))
    return day


def contracts_of(worker_ids: Iterable[int]) -> dict[int, list[LabourContract]]:
    """The recorded contracts of these workers, oldest first (one query)."""
    out: dict[int, list[LabourContract]] = {}
    ids = list(worker_ids)
    if not ids:
        return out
    for contract in LabourContract.objects.filter(worker_id__in=ids).order_by("start_date", "id"):
        out.setdefault(contract.worker_id, []).append(contract)
    return out


def label(kind: str) -> str:
    return EXPORT_WORD.get(kind, kind)


def _show(contract: dict[str, Any] | LabourContract) -> str:
    get = contract.get if isinstance(contract, dict) else lambda k: getattr(contract, k)
    end = get("end_date")
    return f"{label(get('contract_type'))} {get('start_date').isoformat()}—{end.isoformat() if end else ''}"


def plan(row: Row, wanted: dict[str, Any], recorded: list[LabourContract]) -> tuple[str, int | None] | None:
    """What saving the row does to the person's contracts: ("add", None), ("renew", contract id) or None
    (already recorded as it stands); a clash with a recorded contract is an error on the row."""
    same_start = next((c for c in recorded if c.start_date == wanted["start_date"]), None)
    if same_start is not None:
        if same_start.contract_type == wanted["contract_type"] and same_start.end_date == wanted["end_date"]:
            return None
        row.error(
            "contract_start",
            _(
                "A contract starting on this day is already recorded (%(recorded)s); a roster renews "
                "contracts but does not change one: give the renewal's own start date."
            )
            % {"recorded": _show(same_start)},
        )
        return None
    latest = recorded[-1] if recorded else None
    before = _show(latest) if latest is not None else ""
    row.changes["contract_type"] = [before, _show(wanted)]
    if latest is not None and wanted["start_date"] > latest.start_date:
        return ("renew", latest.pk)
    return ("add", None)


def current(contracts: list[LabourContract], today: datetime.date) -> LabourContract | None:
    """The contract in force today, else the latest recorded (what an export shows)."""
    in_force = [c for c in contracts if c.start_date <= today and (c.end_date is None or c.end_date >= today)]
    chosen = in_force or contracts
    return max(chosen, key=lambda c: (c.start_date, c.pk)) if chosen else None


def export_cells(contract: LabourContract | None) -> list[str]:
    if contract is None:
        return ["", "", ""]
    return [
        label(contract.contract_type),
        contract.start_date.isoformat(),
        contract.end_date.isoformat() if contract.end_date else "",
    ]
