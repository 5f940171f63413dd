"""Issue #16's finding "17000 without a separator": one number format for every page (the `num` filter)."""

from decimal import Decimal
from pathlib import Path

from django.template import Context, Template

from careforce.core.templatetags.careforce import num


def test_it_groups_thousands_and_keeps_only_the_decimals_a_value_has():
    assert num(17000) == "17,000" and num(15646) == "15,646"
    assert num(Decimal("29.10")) == "29.1" and num(Decimal("1234.5")) == "1,234.5"
    assert num(None) == "—" and num("") == "—"


def test_the_home_figure_is_written_through_it():
    rendered = Template("{% load careforce %}{{ value|num }}").render(Context({"value": 17000}))
    assert rendered == "17,000"
    home = Path(__file__).resolve().parents[1] / "careforce/templates/core/home.html"
    assert "registry_workers.value|num" in home.read_text(encoding="utf-8")
