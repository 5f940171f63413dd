from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm
from careforce.rankings.models import PeriodKind


class ComputeForm(StyledForm):
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, required=False)
    year = forms.CharField(label=_("Year"), max_length=4, required=False)
    number = forms.CharField(label=_("Month (1–12) or quarter (1–4)"), max_length=2, required=False)
