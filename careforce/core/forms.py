"""Form helpers shared by the pages: Bootstrap styling, service errors shown beside their fields."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from careforce.core.models import AccessKind, Role, User


def _picker_can_show(value: str) -> bool:
    try:
        return len(value) == 10 and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False


class DateInput(forms.DateInput):
    """A browser date picker; the value is passed to the service as text, which parses and validates it."""

    input_type = "date"

    def format_value(self, value):
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value or None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = context["widget"]["value"]
        if shown and not _picker_can_show(str(shown)):
            # A date picker shows nothing for a value it cannot read (2024/5/1, 2024-02-30): the form would
            # come back with the field silently emptied. A text box keeps what was typed next to its error.
            context["widget"]["type"] = "text"
        return context


def date_field(label, **kwargs) -> forms.CharField:
    """A date typed or picked: 2024-05-01, 2024/5/1 and 2024年5月1日 all reach the service unchanged."""
    return forms.CharField(label=label, required=False, widget=DateInput(), **kwargs)


class FastSelect(forms.Select):
    """A select whose options are joined in Python instead of one template render per option.

    Django renders each <option> through a template (~60 µs each); a district's few hundred institutions
    then cost more than the list's SQL. Same markup, same attributes, optgroups included.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        parts = [f"<select{flatatt(final_attrs)}>"]
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                parts.append(f'<optgroup label="{escape(option_value)}">')
                parts.extend(self._option(v, label, selected) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))

    @staticmethod
    def _option(value, label, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        mark = " selected" if value in selected else ""
        return f'<option value="{escape(value)}"{mark}>{escape(label)}</option>'


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; `is-invalid` on those with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = FastSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._mark_invalid()


# Fields a service may name that a form does not show: their errors go above the form, labelled.
_HIDDEN_FIELD_LABELS = {"gender": _("Gender"), "birth_date": _("Birth date"), "district": _("District")}


def add_service_errors(
    form: forms.Form, exc: ValidationError, *, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service's ValidationError (keyed by field) beside the form's fields; others above the form."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = field_map.get(name, name)
        if target == NON_FIELD_ERRORS or target not in form.fields:
            label = _HIDDEN_FIELD_LABELS.get(name)
            messages = [message for error in errors for message in error.messages]
            if label:
                messages = [
                    gettext("%(field)s: %(message)s") % {"field": label, "message": m} for m in messages
                ]
            form.add_error(None, messages)
        else:
            form.add_error(target, errors)


class AccessLogFilterForm(StyledForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    viewer = forms.ModelChoiceField(
        label=_("Viewer"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("All viewers"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["viewer"].queryset = User.objects.filter(
            role__in=[Role.CITY_ADMIN, Role.DISTRICT_ADMIN]
        ).order_by("username")


class ReadLogFilterForm(StyledForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    worker = forms.IntegerField(label=_("Record number"), required=False, min_value=1, max_value=2**62)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *AccessKind.choices]
    )


class SecondFactorCodeForm(StyledForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
        error_messages={"required": _("Enter the code from your authenticator app.")},
    )


class UnlockForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=255)
    ip_address = forms.GenericIPAddressField(label=_("IP address"), required=False)


class SecondFactorResetForm(StyledForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        error_messages={"required": _("Enter the user name whose second factor is to be reset.")},
    )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        account = User.objects.filter(username=username).first()
        if account is None:
            raise forms.ValidationError(_("There is no account %(user)s.") % {"user": username})
        return account
