from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm
from careforce.incentives.models import InsuranceKind


class SettingsForm(StyledForm):
    completeness_threshold = forms.CharField(label=_("Record completeness threshold (%)"), max_length=6)
    part_time_weight = forms.CharField(label=_("A part-time person counts as"), max_length=5)
    public_unit_professional_share = forms.CharField(
        label=_("事业单位: professional-technical staff more than (%)"), max_length=6
    )
    insurance_required = forms.BooleanField(
        label=_("Count only staff insured by the institution"), required=False
    )
    insurance_kind = forms.ChoiceField(label=_("Insurance that counts"), choices=InsuranceKind.choices)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class ScenarioForm(StyledForm):
    older_growth_per_year = forms.CharField(
        label=_("Yearly growth of the older population (%)"), max_length=8
    )
    community_workers_per_1000 = forms.CharField(
        label=_("Community care workers per 1,000 older people"), max_length=8
    )
    home_workers_per_1000 = forms.CharField(label=_("Home care workers per 1,000 older people"), max_length=8)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)
    # Per 1,000 older people at each ability level (districts whose older population is known by level).
    able_workers_per_1000 = forms.CharField(label=_("Fully able, per 1,000"), max_length=8)
    mild_workers_per_1000 = forms.CharField(label=_("Mildly disabled, per 1,000"), max_length=8)
    moderate_workers_per_1000 = forms.CharField(label=_("Moderately disabled, per 1,000"), max_length=8)
    severe_workers_per_1000 = forms.CharField(label=_("Severely disabled, per 1,000"), max_length=8)
    totally_disabled_workers_per_1000 = forms.CharField(label=_("Totally disabled, per 1,000"), max_length=8)
    level_rates_source = forms.CharField(
        label=_("Source of the rates by ability level"), max_length=200, required=False
    )


class PopulationLevelsForm(StyledForm):
    """People aged 60+ by ability level; an empty field (or 暂无数据) is no data."""

    able = forms.CharField(label=_("Fully able (能力完好)"), max_length=20, required=False)
    mild = forms.CharField(label=_("Mildly disabled (轻度失能)"), max_length=20, required=False)
    moderate = forms.CharField(label=_("Moderately disabled (中度失能)"), max_length=20, required=False)
    severe = forms.CharField(label=_("Severely disabled (重度失能)"), max_length=20, required=False)
    totally_disabled = forms.CharField(label=_("Totally disabled (完全失能)"), max_length=20, required=False)
    source = forms.CharField(label=_("Source of the levels"), max_length=300, required=False)
