"""Page forms for skill levels and certificates; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm, date_field
from careforce.core.models import District
from careforce.registry.forms import person_field, person_key_field
from careforce.registry.models import Occupation
from careforce.skills.models import SkillLevel, TitleGrade


def _levels(certified_only: bool = True):
    qs = SkillLevel.objects.filter(is_certified=True) if certified_only else SkillLevel.objects.all()
    return [(lvl.code, lvl.label) for lvl in qs]


class BodyForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=30)
    registration_number = forms.CharField(label=_("Registration number (备案编号)"), max_length=40)
    registered_on = date_field(_("Registration date"))
    district = forms.ChoiceField(label=_("District"))
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [(str(d.pk), d.label) for d in District.objects.all()]


class RangeForm(StyledForm):
    occupation = forms.ChoiceField(label=_("Occupation"))
    lowest = forms.ChoiceField(label=_("Lowest level"))
    highest = forms.ChoiceField(label=_("Highest level"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = [(o.code, o.label) for o in Occupation.objects.all()]
        self.fields["lowest"].choices = self.fields["highest"].choices = _levels()


class CertificateForm(StyledForm):
    number = forms.CharField(label=_("Certificate number"), max_length=40)
    worker = person_field(_("Holder"))
    worker_key = person_key_field()
    occupation = forms.ChoiceField(label=_("Occupation"))
    level = forms.ChoiceField(label=_("Level"))
    issued_on = date_field(_("Issue date"))
    valid_until = date_field(
        _("Valid until"), help_text=_("Only if the certificate states it; else from the validity table.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = [(o.code, o.label) for o in Occupation.objects.all()]
        self.fields["level"].choices = _levels()


class RevokeForm(StyledForm):
    reason = forms.CharField(label=_("Reason for revocation"), max_length=200)
    revoked_on = date_field(_("Revocation date"))


class SuspendForm(StyledForm):
    reason = forms.CharField(label=_("Reason for suspension"), max_length=200)
    suspended_on = date_field(_("Suspension date"))


class ReinstateForm(StyledForm):
    reason = forms.CharField(label=_("Why the suspension is lifted"), max_length=200)


class RenewForm(StyledForm):
    renewed_on = date_field(_("Renewal date"))
    valid_until = date_field(
        _("New end of validity"),
        help_text=_("Only if the certificate states it; else from the validity table."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TitleForm(StyledForm):
    grade = forms.ChoiceField(label=_("Grade"), choices=TitleGrade.choices)
    name = forms.CharField(label=_("Title"), max_length=60)
    awarded_on = date_field(_("Award date"))
    awarded_by = forms.CharField(label=_("Awarded by"), max_length=120)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=40)
    name = forms.CharField(label=_("Holder's name"), max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
