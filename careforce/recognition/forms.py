from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.core.forms import StyledForm, date_field
from careforce.recognition.models import Level, StudioRole
from careforce.registry.forms import person_field, person_key_field


class AwardForm(StyledForm):
    kind = forms.CharField(label=_("Award"), max_length=60, help_text=_("The award's name, e.g. 最美护理员"))
    worker = person_field(_("Worker"))
    worker_key = person_key_field()
    year = forms.CharField(label=_("Year"), max_length=4)
    awarded_on = date_field(_("Awarded on"))
    citation = forms.CharField(
        label=_("Citation"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CompetitionForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    district = forms.CharField(label=_("District code"), required=False, max_length=12)
    held_on = date_field(_("Held on"))


class EntrantForm(StyledForm):
    worker = person_field(_("Worker"))
    worker_key = person_key_field()


class DrawForm(StyledForm):
    count = forms.CharField(label=_("Number of judges"), max_length=3)


class StudioForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("studio", "Name"), max_length=120)
    leader = person_field(_("Master (the studio's leader)"))
    leader_key = person_key_field()
    founded_on = date_field(_("Founded on"))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StudioMemberForm(StyledForm):
    worker = person_field(_("Worker"))
    worker_key = person_key_field()
    role = forms.ChoiceField(label=_("Role"), choices=StudioRole.choices, initial=StudioRole.APPRENTICE)
    started_on = date_field(_("From"))


class SettlementForm(StyledForm):
    worker = person_field(_("Worker"))
    worker_key = person_key_field()
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)
