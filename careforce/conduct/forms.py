"""Forms of the conduct pages: they collect input; the services validate it and report by field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.conduct.models import (
    ComplaintChannel,
    ComplaintStatus,
    EvaluationDimension,
    EvaluatorKind,
    PenaltyKind,
)
from careforce.core.forms import StyledForm, date_field
from careforce.core.models import User
from careforce.registry.forms import institution_choices

SCORE_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(5, 0, -1)]


def _blank(choices) -> list:
    return [("", "---------"), *choices]


class EvaluationForm(StyledForm):
    """Scores 1–5 per dimension in use (one field per dimension: score_<code>), comment."""

    evaluator_kind = forms.ChoiceField(
        label=_("Evaluated by"), required=False, choices=_blank(EvaluatorKind.choices)
    )
    evaluated_on = date_field(_("Date"))
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = list(EvaluationDimension.objects.filter(is_active=True))
        for dim in self.dimensions:
            self.fields[f"score_{dim.code}"] = forms.ChoiceField(
                label=dim.name,
                required=False,
                choices=SCORE_CHOICES,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def score_fields(self):
        return [self[f"score_{dim.code}"] for dim in self.dimensions]

    def service_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) for k in ("evaluator_kind", "evaluated_on", "comment")}
        data["scores"] = {dim.code: self.cleaned_data.get(f"score_{dim.code}") for dim in self.dimensions}
        return data


class StaffEvaluationForm(EvaluationForm):
    worker = forms.CharField(widget=forms.HiddenInput, required=False)


class ComplaintForm(StyledForm):
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    worker = forms.CharField(widget=forms.HiddenInput, required=False)
    institution = forms.ChoiceField(label=_("Institution"), required=False)
    received_on = date_field(_("Received on"))
    content = forms.CharField(
        label=_("Content"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = _blank(
            (
                str(c.pk),
                _("%(channel)s (%(days)s working days)") % {"channel": c.name, "days": c.deadline_days},
            )
            for c in ComplaintChannel.objects.all()
        )
        self.fields["institution"].choices = _blank(institution_choices(user))

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class TransitionForm(StyledForm):
    to = forms.ChoiceField(
        label=_("New status"), required=False, choices=ComplaintStatus.choices, widget=forms.HiddenInput
    )
    on = date_field(_("Date"))
    note = forms.CharField(
        label=_("Outcome of the investigation / note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PenaltyForm(StyledForm):
    worker = forms.CharField(widget=forms.HiddenInput, required=False)
    complaint = forms.CharField(widget=forms.HiddenInput, required=False)
    institution = forms.ChoiceField(label=_("Institution"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(PenaltyKind.choices))
    deciding_body = forms.CharField(label=_("Deciding body"), required=False, max_length=120)
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)
    decision_number = forms.CharField(label=_("Decision number"), required=False, max_length=60)
    fine_amount = forms.CharField(label=_("Fine (yuan)"), required=False, max_length=20)
    decided_on = date_field(_("Decided on"))
    effective_from = date_field(_("Effective from"))
    effective_to = date_field(_("Effective to"), help_text=_("Leave empty if open-ended."))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = _blank(institution_choices(user))

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ComplaintFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ComplaintStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
