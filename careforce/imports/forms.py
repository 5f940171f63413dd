"""Forms of the import pages: they collect input; the services validate it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm


class UploadForm(StyledForm):
    sheet = forms.ChoiceField(label=_("Kind of roster"))
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv)"))

    def __init__(self, *args, sheets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(spec.key, spec.title) for spec in sheets]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.csv"


class UnmaskedExportForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Every exported person's ID number and phone are logged as viewed, with this reason."),
    )
