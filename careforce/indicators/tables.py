"""The tables behind every chart, as (key, Sheet): one source for the page's tables and the xlsx download."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from careforce.indicators.exports import Sheet
from careforce.indicators.selectors import STRUCTURE_TITLES, Reading


def indicators_sheet(readings: list[Reading], title: str) -> Sheet:
    rows = []
    for r in readings:
        target = r.target
        rows.append(
            [
                str(r.indicator.label),
                r.value,
                str(r.indicator.unit),
                r.indicator.round(target.value) if target else None,
                target.due_date.isoformat() if target else "",
                str(r.projection.label) if r.projection else "",
                r.indicator.round(r.projection.projected)
                if r.projection and r.projection.projected is not None
                else None,
                r.indicator.round(r.projection.needed_per_month)
                if r.projection and r.projection.needed_per_month is not None
                else None,
            ]
        )
    headers = [
        _("Indicator"),
        _("Value"),
        _("Unit"),
        _("Target"),
        _("Due"),
        _("Status"),
        _("Projected"),
        _("Needed per month"),
    ]
    return Sheet(title, headers, rows)


def trend_sheet(readings: list[Reading]) -> Sheet:
    months = sorted({m for r in readings for m in r.months})
    rows = []
    for r in readings:
        values = dict(r.points)
        rows.append([str(r.indicator.label), *[values.get(m) for m in months]])
    return Sheet(_("Trend by month"), [_("Indicator"), *months], rows)


def ranking_sheet(chosen, ranking: list[dict[str, Any]]) -> Sheet:
    rows = [
        [
            row["rank"],
            row["district"].code,
            row["district"].name,
            row["value"],
            row["numerator"],
            row["denominator"],
        ]
        for row in ranking
    ]
    headers = [_("Rank"), _("Code"), _("District"), str(chosen.label), _("Numerator"), _("Denominator")]
    return Sheet(_("By district"), headers, rows)


def structure_sheets(structure: dict[str, Any]) -> list[tuple[str, Sheet]]:
    sheets = []
    for key, title in STRUCTURE_TITLES.items():
        rows = [[label, n] for _value, label, n in structure[key]]
        sheets.append((key, Sheet(str(title), [_("Category"), _("Workers")], rows)))
    sheets.append(
        (
            "pyramid",
            Sheet(
                _("Age and gender"),
                [_("Age"), _("Male"), _("Female")],
                [[band, m, f] for band, m, f in structure["pyramid"]],
            ),
        )
    )
    sheets.append(
        (
            "flows",
            Sheet(
                _("Joins and leaves by month"),
                [_("Month"), _("Joins"), _("Leaves")],
                [[month, j, leave] for month, j, leave in structure["flows"]],
            ),
        )
    )
    return sheets


def institutions_sheet(rows: list[dict[str, Any]]) -> Sheet:
    headers = [
        _("Institution"),
        _("Kind"),
        _("Ownership"),
        _("Beds"),
        _("Residents"),
        _("Workers"),
        _("Care team"),
        _("Care staff required"),
        _("Short"),
        _("Social workers"),
        _("Heads"),
        _("Heads trained"),
        _("Care workers"),
        _("Certified"),
    ]
    body = [
        [
            r["name"],
            str(r["kind"]),
            str(r["ownership"]),
            r["beds"],
            r["residents"],
            r["workers"],
            r["care"],
            r["required_care"],
            r["short"],
            r["social_workers"],
            r["heads"],
            r["heads_trained"],
            r["care_workers"],
            r["certified"],
        ]
        for r in rows
    ]
    return Sheet(_("Institutions"), headers, body)


def scorecard_sheets(card: dict[str, Any]) -> list[Sheet]:
    """A stored or live scorecard (plain data) as sheets: the indicators, then the items needing action."""
    name = card["district"]["name"]
    headers = [
        _("Indicator"),
        _("Value"),
        _("Unit"),
        _("District target"),
        _("Due"),
        _("Gap"),
        _("Status"),
        _("Needed per month"),
        _("Rank"),
        _("Districts ranked"),
        _("Last month"),
        _("Change"),
    ]
    rows = [
        [
            r["label"],
            r["value"],
            r["unit"],
            r["target"],
            r["target_due"] or "",
            r["gap"],
            r["status_label"],
            r["needed_per_month"],
            r["rank"],
            r["ranked"],
            r["previous"],
            r["change"],
        ]
        for r in card["rows"]
    ]
    actions = []
    for item in card["actions"]:
        actions.append([item["label"], item["count"], ""])
        for detail in item["detail"]:
            actions.append(["", detail["value"], detail["name"]])
    return [
        Sheet(f"{name} {card['period']}", headers, rows),
        Sheet(_("Needing action"), [_("Item"), _("Count"), _("Institution")], actions),
    ]
