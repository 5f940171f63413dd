"""Writes of the staffing app: its settings (completeness threshold, part-time weight) and the projection's
current scenario. City administrators only; each change audited in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, User
from careforce.core.scope import Level, require_write
from careforce.core.validators import clean_free_text, normalize_text
from careforce.staffing.models import Scenario, StaffingSettings

SETTINGS_FIELDS = (
    "completeness_threshold",
    "part_time_weight",
    "insurance_required",
    "insurance_kind",
    "public_unit_professional_share",
    "source",
)
TRUE_WORDS = ("1", "true", "yes", "on", "是")
SCENARIO_FIELDS = (
    "older_growth_per_year",
    "community_workers_per_1000",
    "home_workers_per_1000",
    "source",
)


def _require_city(actor: User) -> None:
    if require_write(actor).level != Level.CITY:
        raise Http404


def _number(
    raw: Any, *, field: str, label: str, low: Decimal, high: Decimal, errors: dict[str, list[str]]
) -> Decimal | None:
    text = normalize_text(raw).replace("%", "").replace("％", "").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        errors[field] = [_("%(label)s: write a number, for example 90.") % {"label": label}]
        return None
    if not value.is_finite() or value < low or value > high:
        errors[field] = [
            _("%(label)s: write a number from %(low)s to %(high)s.")
            % {"label": label, "low": low, "high": high}
        ]
        return None
    return value


@transaction.atomic
def settings_update(*, actor: User, data: Mapping[str, Any]) -> StaffingSettings:
    """Change the completeness threshold (%), what a part-time person counts as (0 to 1), whether only staff
    insured by the institution count and with which insurance, and the share professional-technical staff
    must exceed at a 事业单位."""
    _require_city(actor)
    errors: dict[str, list[str]] = {}
    row = StaffingSettings.objects.select_for_update().filter(pk=1).first() or StaffingSettings(pk=1)
    before = audit.snapshot(row, SETTINGS_FIELDS) if row.pk and not row._state.adding else {}
    if "completeness_threshold" in data:
        value = _number(
            data["completeness_threshold"],
            field="completeness_threshold",
            label=_("Completeness threshold"),
            low=Decimal(0),
            high=Decimal(100),
            errors=errors,
        )
        if value is not None:
            row.completeness_threshold = value.quantize(Decimal("0.1"))
    if "part_time_weight" in data:
        value = _number(
            data["part_time_weight"],
            field="part_time_weight",
            label=_("Part-time weight"),
            low=Decimal(0),
            high=Decimal(1),
            errors=errors,
        )
        if value is not None:
            row.part_time_weight = value.quantize(Decimal("0.01"))
    if "public_unit_professional_share" in data:
        value = _number(
            data["public_unit_professional_share"],
            field="public_unit_professional_share",
            label=_("事业单位: professional-technical staff more than (%)"),
            low=Decimal(0),
            high=Decimal("99.9"),
            errors=errors,
        )
        if value is not None:
            row.public_unit_professional_share = value.quantize(Decimal("0.1"))
    if "insurance_required" in data:
        raw = data["insurance_required"]
        row.insurance_required = raw is True or normalize_text(raw).lower() in TRUE_WORDS
    if "insurance_kind" in data:
        from careforce.incentives.models import InsuranceKind

        kind = normalize_text(data["insurance_kind"])
        if kind not in InsuranceKind.values:
            errors["insurance_kind"] = [
                _("Insurance that counts: choose one of %(choices)s.")
                % {"choices": "、".join(str(label) for label in InsuranceKind.labels)}
            ]
        else:
            row.insurance_kind = kind
    if "source" in data:
        row.source = clean_free_text(data["source"])[:200]
    if errors:
        raise ValidationError(errors)
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=row,
        changes=audit.diff(before, audit.snapshot(row, SETTINGS_FIELDS)),
    )
    return row


@transaction.atomic
def scenario_update(*, actor: User, data: Mapping[str, Any]) -> Scenario:
    """Change the current projection scenario's assumptions (the growth of the older population, the care
    workers per 1,000 older people in community and home care)."""
    _require_city(actor)
    row = Scenario.objects.select_for_update().filter(is_current=True).first()
    if row is None:
        row = Scenario(name=_("Baseline"), is_current=True)
    before = audit.snapshot(row, SCENARIO_FIELDS) if row.pk else {}
    errors: dict[str, list[str]] = {}
    limits = {
        "older_growth_per_year": (_("Yearly growth of the older population"), Decimal(-20), Decimal(20)),
        "community_workers_per_1000": (_("Community care workers per 1,000"), Decimal(0), Decimal(1000)),
        "home_workers_per_1000": (_("Home care workers per 1,000"), Decimal(0), Decimal(1000)),
    }
    for name, (label, low, high) in limits.items():
        if name in data:
            value = _number(data[name], field=name, label=str(label), low=low, high=high, errors=errors)
            if value is not None:
                setattr(row, name, value.quantize(Decimal("0.01")))
    if "source" in data:
        row.source = clean_free_text(data["source"])[:200]
    if errors:
        raise ValidationError(errors)
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=row,
        changes=audit.diff(before, audit.snapshot(row, SCENARIO_FIELDS)),
    )
    return row


# The sheet's column a service field comes from (careforce.staffing.sheets).
_COLUMNS = {
    "year": "年份",
    "count": "60岁及以上",
    "aged_65_plus": "65岁及以上",
    "basis": "口径",
    "source": "来源",
}


@transaction.atomic
def population_import(*, actor: User, rows: list[Mapping[str, Any]]) -> int:
    """Record older-population rows from a sheet, all or nothing: any bad row and nothing is written. Errors
    name the row (as numbered in the sheet, the header being row 1) and the column."""
    from careforce.core.models import District
    from careforce.indicators.services import older_population_set

    _require_city(actor)
    districts: dict[str, District] = {}
    for district in District.objects.all():
        districts[district.code] = district
        districts[district.name] = district
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        raw = normalize_text(row.get("district"))
        district = None
        if raw and raw not in ("全市", "重庆市"):
            district = districts.get(raw)
            if district is None:
                errors.append(
                    _(
                        "Row %(row)s, 区县: no district “%(value)s”; write its name or code (e.g. 渝北区 or 500112)."
                    )
                    % {"row": number, "value": raw}
                )
                continue
        try:
            with transaction.atomic():
                older_population_set(
                    actor=actor,
                    district=district,
                    year=row.get("year"),
                    count=row.get("aged_60_plus"),
                    aged_65_plus=row.get("aged_65_plus"),
                    basis=row.get("basis"),
                    source=row.get("source"),
                )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    errors.append(
                        _("Row %(row)s, %(field)s: %(message)s")
                        % {"row": number, "field": _COLUMNS.get(field, field), "message": message}
                    )
    if errors:
        raise ValidationError({"file": errors})
    return len(rows)
