from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.core.forms import StyledForm, date_field
from careforce.registry.forms import person_field, person_key_field
from careforce.timebank.models import Relationship, Reward, ServiceKind, SiteKind


def _kinds():
    return [(k.code, k.label) for k in ServiceKind.objects.filter(is_active=True)]


class VolunteerForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    district = forms.CharField(label=_("District code"), required=False, max_length=12)
    organisation = forms.CharField(label=_("Volunteer organisation"), required=False, max_length=120)
    worker = person_field(_("Worker in the registry (if the volunteer is one)"), required=False)
    worker_key = person_key_field()


class RelativeForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)


class OrderForm(StyledForm):
    relative = forms.ChoiceField(label=_("Who is served"), required=False)
    site = forms.CharField(label=_("Site code"), max_length=30)
    kind = forms.ChoiceField(label=_("Kind of service"))
    hours = forms.CharField(label=pgettext_lazy("time bank", "Hours"), max_length=10)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, volunteer=None, only_relative=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kinds()
        choices = [("", _("The volunteer"))]
        if only_relative is not None:
            choices = [(str(only_relative.pk), only_relative.name)]
        elif volunteer is not None:
            choices += [
                (str(r.pk), f"{r.name}（{r.get_relationship_display()}）") for r in volunteer.relatives.all()
            ]
        self.fields["relative"].choices = choices


class HoursForm(StyledForm):
    relative = forms.ChoiceField(label=_("Relative"), required=False)
    hours = forms.CharField(label=pgettext_lazy("time bank", "Hours"), max_length=10)

    def __init__(self, *args, volunteer=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")]
        if volunteer is not None:
            choices += [(str(r.pk), r.name) for r in volunteer.relatives.all() if r.as_volunteer_id]
        self.fields["relative"].choices = choices


class RecordForm(StyledForm):
    source_key = forms.CharField(label=_("Record key"), max_length=100)
    volunteer_id_number = forms.CharField(label=_("Volunteer's ID number"), max_length=40)
    site = forms.CharField(label=_("Site code"), max_length=30)
    kind = forms.ChoiceField(label=_("Kind of service"))
    recipient = forms.CharField(label=_("Served person"), max_length=120)
    served_on = date_field(_("Served on"))
    hours = forms.CharField(label=pgettext_lazy("time bank", "Hours"), max_length=10)
    verify = forms.BooleanField(label=_("Verified by this site now"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kinds()


class RewardForm(StyledForm):
    """Points spent on an item of the catalogue (the reward's points shown beside its name)."""

    reward = forms.ChoiceField(label=_("Reward"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].choices = [
            (r.pk, f"{r.name} · {r.points}") for r in Reward.objects.filter(is_active=True)
        ]


class RejectForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class SiteForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    district = forms.CharField(label=_("District code"), required=False, max_length=12)
    institution = forms.CharField(label=_("Institution (id or credit code)"), required=False, max_length=40)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Sheet of verified service records (.xlsx)"))
