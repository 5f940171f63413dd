"""Forms of the targets and supervision pages. They collect input; the services validate it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm, date_field
from careforce.core.models import District, User
from careforce.core.scope import Level, scope_of
from careforce.indicators.models import PopulationBasis, Recurrence, ShareBasis, Target


class TargetForm(StyledForm):
    value = forms.CharField(label=_("Target value"), max_length=30)
    due_date = date_field(_("Due date"))
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices)
    share_basis = forms.ChoiceField(label=_("Default district shares"), choices=ShareBasis.choices)
    at_risk_ratio = forms.CharField(
        label=_("At-risk threshold"),
        max_length=10,
        help_text=_(
            "A projection below the target but at or above this share of it (e.g. 0.9) is 'at risk'."
        ),
    )
    trend_months = forms.CharField(label=_("Months of trend for the projection"), max_length=3)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False)

    def __init__(self, *args, instance: Target, **kwargs):
        initial = {
            "value": instance.value.normalize(),
            "due_date": instance.due_date,
            "recurrence": instance.recurrence,
            "share_basis": instance.share_basis,
            "at_risk_ratio": instance.at_risk_ratio.normalize(),
            "trend_months": instance.trend_months,
            "source": instance.source,
            "is_active": instance.is_active,
        }
        super().__init__(*args, initial=initial, **kwargs)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class SharesForm(StyledForm):
    """One percent field per district; empty means the default share applies."""

    def __init__(self, *args, target: Target, **kwargs):
        super().__init__(*args, **kwargs)
        explicit = {s.district_id: s.share for s in target.shares.all()}
        for district in District.objects.order_by("sort_order", "code"):
            share = explicit.get(district.pk)
            self.fields[f"d{district.pk}"] = forms.CharField(
                label=district.name,
                required=False,
                max_length=12,
                initial=(share * 100).normalize() if share is not None else "",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "%"}),
            )
        self.districts = True

    def service_data(self) -> dict[int, str]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class OlderPopulationForm(StyledForm):
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("sort_order", "code"),
        required=False,
        empty_label=_("City-wide"),
    )
    year = forms.CharField(label=_("Year"), max_length=4)
    count = forms.CharField(label=_("People aged 60+"), max_length=12)
    aged_65_plus = forms.CharField(label=_("People aged 65+"), max_length=12, required=False)
    basis = forms.ChoiceField(label=_("Basis"), choices=PopulationBasis.choices, required=False)
    source = forms.CharField(label=_("Source"), max_length=300)
    is_estimate = forms.BooleanField(label=_("Estimate"), required=False)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ReportForm(StyledForm):
    district = forms.ChoiceField(label=_("Report for"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        districts = District.objects.order_by("sort_order", "code")
        if scope.level == Level.CITY:
            choices = [("", _("The city (every district)"))] + [(str(d.pk), d.label) for d in districts]
        else:
            choices = [(str(d.pk), d.label) for d in districts.filter(pk=scope.district_id)]
        self.fields["district"].choices = choices

    def clean_district(self) -> District | None:
        value = self.cleaned_data.get("district")
        if not value:
            return None
        return District.objects.filter(pk=int(value)).first()
