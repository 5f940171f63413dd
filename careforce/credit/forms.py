from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm, date_field
from careforce.credit.models import DishonestySituation


class ListingForm(StyledForm):
    worker = forms.CharField(widget=forms.HiddenInput, required=False)
    complaint = forms.CharField(widget=forms.HiddenInput, required=False)
    penalty = forms.CharField(widget=forms.HiddenInput, required=False)
    situation = forms.ChoiceField(label=_("Situation"), required=False)
    deciding_body = forms.CharField(label=_("Deciding body"), required=False, max_length=120)
    decision_number = forms.CharField(label=_("Decision number"), required=False, max_length=60)
    start_date = date_field(_("Listed from"))
    end_date = date_field(_("Listed until"), help_text=_("Leave empty until removed."))
    facts = forms.CharField(
        label=_("Facts"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["situation"].choices = [("", "---------")] + [
            (str(s.pk), s.name) for s in DishonestySituation.objects.all()
        ]

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class RemovalForm(StyledForm):
    removal_applied_on = date_field(_("Application received on"))
    removed_on = date_field(_("Removed on"))
    removal_reason = forms.CharField(
        label=_("Reason for removal"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CheckForm(StyledForm):
    id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("The answer is only: listed or not listed. Every check is logged."),
    )
