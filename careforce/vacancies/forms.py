from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.core.forms import StyledForm, date_field
from careforce.registry.models import Education, HukouType, SourceChannel
from careforce.vacancies.models import VacancyKind


class VacancyForm(StyledForm):
    institution = forms.CharField(
        label=_("Institution (id or credit code)"),
        required=False,
        max_length=40,
        help_text=_("Empty for an institution's own vacancy."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=VacancyKind.choices)
    post = forms.CharField(label=_("Post"), max_length=60, help_text=_("For example 养老护理员."))
    number = forms.CharField(label=_("Number of posts"), max_length=6)
    min_education = forms.ChoiceField(
        label=_("Minimum education"), choices=[("", _("Any")), *Education.choices], required=False
    )
    pay_min = forms.CharField(label=_("Pay from (yuan a month)"), max_length=10)
    pay_max = forms.CharField(label=_("Pay up to (yuan a month)"), max_length=10)
    closing_date = date_field(_("Closing date"))
    requirements = forms.CharField(
        label=_("Requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SeekerForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    district = forms.CharField(label=_("District code"), required=False, max_length=12)
    source_channel = forms.ChoiceField(label=_("Key group"), choices=SourceChannel.choices)
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    hukou_type = forms.ChoiceField(label=_("Hukou type"), choices=HukouType.choices)
    wanted_post = forms.CharField(
        label=_("Post wanted"), max_length=60, help_text=_("For example 养老护理员.")
    )
    consent = forms.BooleanField(label=_("The job seeker consents to the text above"), required=False)


class HireForm(StyledForm):
    seeker = forms.IntegerField(widget=forms.HiddenInput)
    start_date = date_field(_("Start date"))
