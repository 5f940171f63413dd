"""Frozen period reports as PDF (fpdf2, pure Python), with Chinese drawn from a font shipped in the app.

Why this way: a PDF renderer that handles Chinese must have a CJK font. WeasyPrint needs the system's
Pango and fonts, headless Chromium is installed only for the tests; `make run` installs Python packages
only. So the report is laid out with fpdf2 and the text set in `fonts/CareForceReportSansSC-Regular.ttf`,
a TrueType subset of Noto Sans CJK SC (SIL Open Font License 1.1, `fonts/OFL.txt`; built by
`fonts/build_font.py`): every CJK ideograph of the basic block, GB 2312's symbols, Latin. fpdf2 embeds only
the glyphs a report uses (a report of one district is ~30 KB) with a ToUnicode map, so the text can be
searched and copied.

The PDF is drawn from the stored content only (never from current figures), with the report's own
generation time as the document's dates, so the same report gives the same bytes every time.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.indicators.models import PeriodReport

FONT = Path(__file__).resolve().parent / "fonts" / "CareForceReportSansSC-Regular.ttf"
FAMILY = "cfsans"
MISSING = "□"
log = logging.getLogger(__name__)
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)  # fpdf2's subsetting reports every table


@cache
def covered() -> frozenset[int]:
    """The code points the report font draws."""
    from fontTools.ttLib import TTFont

    with TTFont(FONT, lazy=True) as font:
        return frozenset(font.getBestCmap())


def drawable(text: Any) -> str:
    """The text with any character the font lacks replaced by a white square (logged), never dropped."""
    text = "" if text is None else str(text)
    have = covered()
    if all(ord(c) in have or c in "\n\t" for c in text):
        return text
    log.warning("report PDF: characters outside the report font in %r", text)
    return "".join(c if ord(c) in have or c in "\n\t" else MISSING for c in text)


def num(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.3f}".rstrip("0").rstrip(".")


def signed(value: Any) -> str:
    if value is None:
        return "—"
    return f"+{num(value)}" if Decimal(str(value)) > 0 else num(value)


def report_pdf(report: PeriodReport) -> bytes:
    """The report as a PDF (A4 landscape): the city summary if any, each district's scorecard with the
    items needing action, the definitions in force when it was generated."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    content = report.content
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creation_date(report.generated_at)
    pdf.set_producer("CareForce")
    pdf.set_title(drawable(f"{_('Period report')} {report.period}"))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(12, 12, 12)
    pdf.add_font(FAMILY, "", str(FONT))
    heading = FontFace(emphasis="", fill_color=(233, 236, 239))
    place = report.district.name if report.district_id else _("The city (every district)")

    def text(size: float, value: str, height: float = 7) -> None:
        pdf.set_font(FAMILY, size=size)
        pdf.multi_cell(0, height, drawable(value), new_x="LMARGIN", new_y="NEXT")

    def table(headers: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        pdf.set_font(FAMILY, size=8.5)
        with pdf.table(
            col_widths=widths,
            headings_style=heading,
            line_height=5.5,
            text_align="LEFT",
            first_row_as_headings=True,
        ) as t:
            for values in [headers, *rows]:
                row = t.row()
                for value in values:
                    row.cell(drawable(value))

    pdf.add_page()
    text(16, f"{_('Period report')} {report.period} · {place}", 10)
    generated = timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")
    text(
        9,
        _("Generated at %(at)s by %(by)s; figures as of %(as_of)s.")
        % {"at": generated, "by": content.get("generated_by", ""), "as_of": content.get("as_of", "")}
        + f"  SHA-256 {report.content_sha256}",
        5,
    )
    pdf.ln(2)
    if content.get("city"):
        text(12, _("City-wide"), 8)
        table(
            [_("Indicator"), _("Value"), _("Target"), _("Due"), _("Status")],
            [
                [
                    r["label"],
                    f"{num(r['value'])} {r['unit']}",
                    num(r["target"]),
                    r["target_due"] or "—",
                    r["status_label"] or "—",
                ]
                for r in content["city"]
            ],
            (90, 40, 35, 30, 40),
        )
        pdf.ln(3)
    for card in content.get("scorecards", []):
        if pdf.get_y() > 120:
            pdf.add_page()
        text(12, card["district"]["name"], 8)
        table(
            [
                _("Indicator"),
                _("Value"),
                _("District target"),
                _("Due"),
                _("Gap"),
                _("Status"),
                _("Needed per month"),
                _("Rank"),
                _("Last month"),
                _("Change"),
            ],
            [
                [
                    f"{r['label']} ({r['unit']})",
                    num(r["value"]),
                    num(r["target"]),
                    r["target_due"] or "—",
                    num(r["gap"]),
                    r["status_label"] or "—",
                    num(r["needed_per_month"]),
                    f"{r['rank']} / {r['ranked']}" if r.get("rank") else "—",
                    num(r["previous"]),
                    signed(r["change"]),
                ]
                for r in card["rows"]
            ],
            (62, 24, 26, 24, 22, 26, 26, 20, 22, 21),
        )
        pdf.ln(2)
        text(10, _("Needing action"), 6)
        for item in card.get("actions", []):
            text(9, f"{item['label']}: {num(item['count'])}", 5)
            detail = item.get("detail") or []
            if detail:
                shown = "；".join(f"{d['name']} {num(d['value'])}" for d in detail[:50])
                if len(detail) > 50:
                    shown += "；… " + _("%(n)s institutions in all (see the xlsx)") % {"n": len(detail)}
                text(8, shown, 4.5)
        pdf.ln(3)
    definitions = content.get("definitions") or {}
    if definitions:
        pdf.add_page()
        text(12, _("Definitions"), 8)
        for code, definition in definitions.items():
            text(8, f"{code}: {definition}", 4.5)
    return bytes(pdf.output())
