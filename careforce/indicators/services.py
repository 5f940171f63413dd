"""Writes of the targets app: targets and their district shares, older population, monthly figures,
frozen period reports. Each validates by field, audits in the same transaction, and refuses read-only
actors (404) like every write path.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, District, User
from careforce.core.scope import Level, require_write
from careforce.core.validators import clean_free_text, normalize_text
from careforce.indicators import definitions, selectors
from careforce.indicators.models import (
    MonthlyFigure,
    OlderPopulation,
    PeriodReport,
    PopulationBasis,
    Recurrence,
    ShareBasis,
    Target,
    TargetShare,
)
from careforce.indicators.sources import month_start
from careforce.registry.dates import parse_date

TARGET_FIELDS = (
    "value",
    "due_date",
    "recurrence",
    "share_basis",
    "at_risk_ratio",
    "trend_months",
    "source",
    "is_active",
)


def _require_city(actor: User) -> None:
    """Targets and denominators are the city bureau's to set (requirements: the city sets targets)."""
    scope = require_write(actor)
    if scope.level != Level.CITY:
        raise Http404


def _decimal(raw: Any, *, field: str, errors: dict, low: Decimal, high: Decimal) -> Decimal | None:
    try:
        value = Decimal(normalize_text(raw).replace(",", "").replace("%", ""))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if not value.is_finite() or not low <= value <= high:
        errors.setdefault(field, []).append(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
        return None
    return value


def _clean_target(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "value" in data:
        values["value"] = _decimal(
            data["value"], field="value", errors=errors, low=Decimal(0), high=Decimal(10**9)
        )
    if "due_date" in data:
        day = parse_date(data["due_date"])
        if day is None or not 2000 <= day.year <= 2100:
            errors.setdefault("due_date", []).append(_("Enter a date such as 2027-12-31."))
        values["due_date"] = day
    if "recurrence" in data:
        if data["recurrence"] not in Recurrence.values:
            errors.setdefault("recurrence", []).append(_("Choose once or every year."))
        values["recurrence"] = data["recurrence"]
    if "share_basis" in data:
        if data["share_basis"] not in ShareBasis.values:
            errors.setdefault("share_basis", []).append(_("Choose how the city target is split."))
        values["share_basis"] = data["share_basis"]
    if "at_risk_ratio" in data:
        values["at_risk_ratio"] = _decimal(
            data["at_risk_ratio"], field="at_risk_ratio", errors=errors, low=Decimal("0.1"), high=Decimal(1)
        )
    if "trend_months" in data:
        months = _decimal(
            data["trend_months"], field="trend_months", errors=errors, low=Decimal(6), high=Decimal(24)
        )
        values["trend_months"] = int(months) if months is not None else None
    if "source" in data:
        values["source"] = clean_free_text(data["source"])[:200]
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    return values


AUDITED_TARGET_FIELDS = ("indicator", "value", "due_date", "recurrence", "district", *TARGET_FIELDS[3:])


@transaction.atomic
def target_update(*, actor: User, target: Target, data: Mapping[str, Any]) -> Target:
    _require_city(actor)
    target = Target.objects.select_for_update().get(pk=target.pk)
    values = _clean_target({k: v for k, v in data.items() if k in TARGET_FIELDS})
    before = audit.snapshot(target, AUDITED_TARGET_FIELDS)
    for name, value in values.items():
        setattr(target, name, value)
    target.updated_by = actor
    target.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=target,
        changes=audit.diff(before, audit.snapshot(target, AUDITED_TARGET_FIELDS)),
    )
    return target


@transaction.atomic
def target_create(*, actor: User, data: Mapping[str, Any]) -> Target:
    _require_city(actor)
    errors: dict[str, list[str]] = {}
    code = normalize_text(data.get("indicator"))
    if code not in definitions.REGISTRY:
        errors["indicator"] = [_("Choose one of the indicators.")]
    district = None
    if data.get("district") not in (None, ""):
        try:
            district = District.objects.get(pk=int(data["district"]))
        except (District.DoesNotExist, TypeError, ValueError, OverflowError):
            errors["district"] = [_("Choose a district, or leave it empty for a city-wide target.")]
    for required in ("value", "due_date"):
        if data.get(required) in (None, ""):
            errors.setdefault(required, []).append(_("This field is required."))
    try:
        values = _clean_target({k: v for k, v in data.items() if k in TARGET_FIELDS})
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
        values = {}
    if errors:
        raise ValidationError(errors)
    target = Target.objects.create(indicator=code, district=district, updated_by=actor, **values)
    audit.record_create(
        actor=actor,
        instance=target,
        fields=AUDITED_TARGET_FIELDS,
    )
    return target


@transaction.atomic
def target_shares_set(*, actor: User, target: Target, shares: Mapping[Any, Any]) -> list[TargetShare]:
    """Set the districts' shares of a city-wide target ({district id: percent}); an empty value removes a
    district's explicit share (its default applies again). Percent, since officials think in percent."""
    _require_city(actor)
    if target.district_id is not None:
        raise ValidationError({"shares": [_("Only a city-wide target is split among districts.")]})
    districts = {d.pk: d for d in District.objects.all()}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, Decimal | None] = {}
    for raw_id, raw in shares.items():
        try:
            district_id = int(raw_id)
        except (TypeError, ValueError):
            district_id = -1
        if district_id not in districts:
            errors.setdefault("shares", []).append(_("Unknown district %(id)s.") % {"id": raw_id})
            continue
        if normalize_text(raw) == "":
            cleaned[district_id] = None
            continue
        percent = _decimal(
            raw, field=f"share_{district_id}", errors=errors, low=Decimal(0), high=Decimal(100)
        )
        if percent is not None:
            cleaned[district_id] = (percent / 100).quantize(Decimal("0.000001"))
    if errors:
        raise ValidationError(errors)
    existing = {s.district_id: s for s in TargetShare.objects.select_for_update().filter(target=target)}
    before = {districts[d].name: str(s.share) for d, s in existing.items()}
    for district_id, share in cleaned.items():
        row = existing.get(district_id)
        if share is None:
            if row is not None:
                row.delete()
                existing.pop(district_id)
        elif row is None:
            existing[district_id] = TargetShare.objects.create(
                target=target, district_id=district_id, share=share
            )
        elif row.share != share:
            row.share = share
            row.save(update_fields=["share"])
    after = {districts[d].name: str(s.share) for d, s in existing.items()}
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=target,
        changes={"shares": [before, after]} if before != after else {},
        note="shares",
    )
    return list(existing.values())


# The words officials write for the two bases (the statistical bureau's and the policy's).
_BASIS_WORDS = {
    "resident": PopulationBasis.RESIDENT,
    "常住": PopulationBasis.RESIDENT,
    "常住人口": PopulationBasis.RESIDENT,
    "registered": PopulationBasis.REGISTERED,
    "户籍": PopulationBasis.REGISTERED,
    "户籍人口": PopulationBasis.REGISTERED,
}


@transaction.atomic
def older_population_set(
    *,
    actor: User,
    district: District | None,
    year: Any,
    count: Any,
    source: Any,
    is_estimate: bool = False,
    aged_65_plus: Any = None,
    basis: Any = None,
) -> OlderPopulation:
    """Record the 60+ population (and 65+, when known) of a district (or the city, district None) for a year,
    on its basis (常住 or 户籍), with its source."""
    _require_city(actor)
    errors: dict[str, list[str]] = {}
    year_value = _decimal(year, field="year", errors=errors, low=Decimal(2000), high=Decimal(2100))
    count_value = _decimal(count, field="count", errors=errors, low=Decimal(1), high=Decimal(50_000_000))
    over_65 = None
    if aged_65_plus not in (None, ""):
        over_65 = _decimal(
            aged_65_plus, field="aged_65_plus", errors=errors, low=Decimal(0), high=Decimal(50_000_000)
        )
        if over_65 is not None and count_value is not None and over_65 > count_value:
            errors["aged_65_plus"] = [_("People aged 65+ cannot outnumber people aged 60+.")]
    basis_value = PopulationBasis.RESIDENT
    if basis not in (None, ""):
        basis_value = _BASIS_WORDS.get(normalize_text(basis).replace(" ", "").lower())
        if basis_value is None:
            errors["basis"] = [_("Write the basis as 常住 (resident) or 户籍 (registered residence).")]
    source_text = clean_free_text(source)[:300]
    if not source_text:
        errors["source"] = [_("Say where the figure comes from (publication, year, table).")]
    if errors:
        raise ValidationError(errors)
    row = OlderPopulation.objects.filter(district=district, year=int(year_value)).select_for_update().first()
    fields = ("count", "aged_65_plus", "basis", "source", "is_estimate")
    before = audit.snapshot(row, fields) if row else {}
    if row is None:
        row = OlderPopulation(district=district, year=int(year_value))
    row.count, row.source, row.is_estimate = int(count_value), source_text, bool(is_estimate)
    row.aged_65_plus = None if over_65 is None else int(over_65)
    row.basis = basis_value
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=row,
        changes=audit.diff(before, audit.snapshot(row, fields)),
    )
    return row  # older population is read on every request (selectors.older_population), not held


def _json(value: Any) -> Any:
    """Reports are stored as JSON: decimals as numbers, dates as ISO strings, lazy strings as text."""
    return json.loads(json.dumps(value, default=lambda o: float(o) if isinstance(o, Decimal) else str(o)))


@transaction.atomic
def report_generate(*, actor: User, district: District | None) -> PeriodReport:
    """Freeze the current period's scorecard(s): a district's, or (district None, city only) every
    district's with the city overview. The stored content never changes afterwards."""
    scope = require_write(actor)
    if district is None and scope.level != Level.CITY:
        raise Http404
    if district is not None and not selectors.sees_district(scope, district.pk):
        raise Http404
    ctx = selectors.load_context()
    if district is not None:
        content = {"kind": "district", "scorecards": [selectors.build_scorecard(district, scope, ctx)]}
    else:
        content = {
            "kind": "city",
            "city": city_summary(ctx, scope),
            "scorecards": [selectors.build_scorecard(d, scope, ctx) for d in ctx.districts.values()],
        }
    content.update(
        {
            "period": selectors.current_period(ctx.today),
            "as_of": ctx.today.isoformat(),
            "generated_at": timezone.now().isoformat(),
            "generated_by": str(actor),
            "definitions": {i.code: str(i.definition) for i in definitions.available()},
        }
    )
    content = _json(content)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    report = PeriodReport.objects.create(
        period=content["period"],
        district=district,
        generated_by=actor,
        content=content,
        content_sha256=digest,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=report,
        changes={"period": [None, report.period], "content_sha256": [None, digest]},
    )
    return report


def city_summary(ctx: selectors.Context, scope) -> list[dict[str, Any]]:
    stored = selectors.stored_series(None, ctx.today)
    rows = []
    for indicator in definitions.available():
        reading = selectors.read(indicator, None, ctx, scope, stored)
        rows.append(
            {
                "code": indicator.code,
                "label": str(indicator.label),
                "unit": str(indicator.unit),
                "value": float(reading.value) if reading.value is not None else None,
                "target": float(reading.target.value) if reading.target else None,
                "target_due": reading.target.due_date.isoformat() if reading.target else None,
                "status": reading.projection.status if reading.projection else None,
                "status_label": str(reading.projection.label) if reading.projection else "",
            }
        )
    return rows


def monthly_figures_record(*, month: datetime.date | None = None) -> int:
    """Store every available indicator's value per district and city-wide for a month (this month so far
    by default; run at each month's end by `careforce indicators_snapshot`). System task: derived data,
    no actor, no audit; re-running a month replaces its figures."""
    month = month_start(month or timezone.localdate())
    ctx = selectors.load_context()
    places: list[int | None] = [None, *ctx.districts]
    written = 0
    with transaction.atomic():
        for place in places:
            figures = ctx.figures(place)
            for indicator in definitions.available():
                result = indicator.compute(figures)
                MonthlyFigure.objects.update_or_create(
                    month=month,
                    district_id=place,
                    indicator=indicator.code,
                    defaults={
                        "numerator": result.numerator,
                        "denominator": result.denominator,
                        "value": result.value,
                    },
                )
                written += 1
    return written
