from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.core.forms import StyledForm, date_field
from careforce.pools.models import PoolKind, TaskKind
from careforce.registry.forms import person_field, person_key_field


class MemberForm(StyledForm):
    pool = forms.ChoiceField(label=_("Pool"), choices=PoolKind.choices)
    worker = person_field(_("Worker in the registry"), required=False)
    worker_key = person_key_field()
    evaluation_body = forms.CharField(
        label=_("Evaluation body (id or 备案编号)"), required=False, max_length=40
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), required=False, max_length=120)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=120)
    district = forms.CharField(label=_("District code"), required=False, max_length=12)
    qualifications = forms.CharField(label=_("Qualifications"), max_length=300)
    joined_on = date_field(_("Joined"))


class MemberEditForm(StyledForm):
    """A current member's qualifications; organisation and employer only for people outside the registry."""

    qualifications = forms.CharField(label=_("Qualifications"), max_length=300)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=120)
    employer = forms.CharField(
        label=_("Employing institution (credit code)"),
        required=False,
        max_length=40,
        help_text=_("For the conflict check of draws; empty if none."),
    )

    def __init__(self, *args, outsider: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not outsider:
            del self.fields["organisation"]
            del self.fields["employer"]


class LeaveForm(StyledForm):
    left_on = date_field(_("Left"))
    reason = forms.CharField(label=_("Reason for leaving"), max_length=200, required=False)


class DrawForm(StyledForm):
    pool = forms.ChoiceField(label=_("Pool"), choices=PoolKind.choices)
    task_kind = forms.ChoiceField(label=_("Task"), choices=TaskKind.choices)
    task_title = forms.CharField(label=_("Task title"), max_length=200)
    subject_institutions = forms.CharField(
        label=_("Subject institutions"),
        required=False,
        max_length=2000,
        help_text=_("Ids or credit codes, separated by commas."),
    )
    count = forms.CharField(label=_("Number to draw"), max_length=3)


class RedrawForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for the redraw"),
        max_length=300,
        help_text=_(
            "Recorded beside the first draw. A task can be redrawn once by its administrators; further "
            "redraws only by a city administrator."
        ),
    )
