"""Forms of the registry pages. They collect input; the services validate it and report by field."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.cache import cache
from django.db import transaction
from django.forms.utils import flatatt
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.core.forms import FastSelect, StyledForm, date_field
from careforce.core.models import PiiField, User
from careforce.core.scope import Level, scope_of
from careforce.institutions.selectors import districts_visible_to, institution_list
from careforce.registry.models import Education, HukouType, Occupation, SourceChannel, Team, Worker
from careforce.registry.selectors import WorkerFilters

ACTIVE_CHOICES = [("", _("All")), ("yes", _("Currently employed")), ("no", _("Not employed"))]


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


# ------------------------------------------------------------------ option lists of the filter forms
# Districts, occupations and institutions change rarely and the lists are asked for on every list page: each
# process keeps them in memory under a version kept in the shared cache (Redis in production), which any
# saved or deleted district, occupation or institution bumps once its transaction has committed (bumped
# earlier, a page read in between could keep the old list under the new version). A page then costs one
# cache read instead of a query per list.
CHOICES_VERSION_KEY = "registry:choices-version"
_choices: dict[tuple, list] = {}


def choices_version() -> int:
    version = cache.get(CHOICES_VERSION_KEY)
    if version is None:
        # Never back to a number used before (an evicted key starts from the clock, not from 1).
        cache.add(CHOICES_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(CHOICES_VERSION_KEY, 0)
    return version


def choices_changed(*_args: Any, **_kwargs: Any) -> None:
    def bump() -> None:
        try:
            cache.incr(CHOICES_VERSION_KEY)
        except ValueError:
            cache.add(CHOICES_VERSION_KEY, time.time_ns(), timeout=None)

    transaction.on_commit(bump)


def _remember(key: tuple, build: Callable[[], Any], version: int | None = None) -> Any:
    key = (*key, choices_version() if version is None else version)
    found = _choices.get(key)
    if found is None:
        if len(_choices) > 1000:
            _choices.clear()
        found = _choices[key] = build()
    return found


def _remembered(key: tuple, build: Callable[[], list], version: int | None = None) -> list:
    return list(_remember(key, build, version))


class RememberedSelect(FastSelect):
    """A select whose markup is built once per option list (`key` names it, `version` is the choices
    version it was read under), language and attributes, then reused: a district's institution filter holds up to ~1,700
    options (渝北区 at 20,000 institutions), and joining and escaping them on every page cost more than the
    page's SQL. The chosen option is marked on a copy of the remembered markup. Without a key (a list not
    remembered) it renders like FastSelect."""

    key: tuple | None = None
    version: int | None = None  # the choices version the list was read under

    def render(self, name, value, attrs=None, renderer=None):
        if self.key is None:
            return super().render(name, value, attrs, renderer)
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        markup_key = ("markup", *self.key, translation.get_language(), tuple(sorted(final_attrs.items())))

        def build() -> str:
            return str(super(RememberedSelect, self).render(name, None, attrs, renderer))

        markup = _remember(markup_key, build, self.version)
        for chosen in {
            str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None
        }:
            option = f'<option value="{escape(chosen)}">'
            markup = markup.replace(option, f'<option value="{escape(chosen)}" selected>', 1)
        return mark_safe(markup)


def occupation_choices(version: int | None = None) -> list:
    """Occupations grouped by team, so the list itself shows which team each belongs to."""

    def build() -> list:
        groups: dict[str, list[tuple[str, str]]] = {value: [] for value in Team.values}
        for occupation in Occupation.objects.only("pk", "name", "name_en", "team"):
            groups.setdefault(occupation.team, []).append((str(occupation.pk), occupation.label))
        return [("", "---------")] + [
            (str(Team(team).label), items) for team, items in groups.items() if items
        ]

    return _remembered(("occupations", translation.get_language()), build, version)


def institution_choices(
    user: User, *, district: int | None = None, pk: int | None = None, version: int | None = None
) -> list[tuple[str, str]]:
    """Institutions in the user's scope, as "name（district）", in one query (none when remembered)."""

    def build() -> list:
        qs = institution_list(user, district=district)
        if pk is not None:
            qs = qs.filter(pk=pk)
        rows = qs.values_list("pk", "name", "district__name")
        return [(str(pk), f"{name}（{district_name}）") for pk, name, district_name in rows]

    scope = scope_of(user)
    key = ("institutions", scope.level, scope.district_id, scope.institution_id, district, pk)
    return _remembered(key, build, version)


def district_choices(user: User, version: int | None = None) -> list[tuple[str, str]]:
    def build() -> list:
        return [(str(d.pk), d.label) for d in districts_visible_to(user).only("pk", "name", "name_en")]

    scope = scope_of(user)
    key = ("districts", scope.level, scope.district_id, translation.get_language())
    return _remembered(key, build, version)


class FastSearchInput(forms.TextInput):
    """The search box written in Python: Django's nested widget templates (input, attrs) took ~1.5 ms of
    the most-visited page. The same attributes (flatatt writes them in sorted order)."""

    input_type = "search"

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        shown = "" if value is None else f' value="{escape(value)}"'
        return mark_safe(
            f'<input type="{self.input_type}" name="{escape(name)}"{shown}{flatatt(final_attrs)}>'
        )


class WorkerFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=FastSearchInput(attrs={"placeholder": _("Name, pinyin (zs), last 4 of ID, ID or phone")}),
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    institution = forms.ChoiceField(label=_("Institution"), required=False, widget=RememberedSelect)
    team = forms.ChoiceField(label=_("Team"), required=False, choices=_blank(_("All teams")) + Team.choices)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False)
    source_channel = forms.ChoiceField(
        label=_("Source channel"),
        required=False,
        choices=_blank(_("All channels")) + SourceChannel.choices,
    )
    active = forms.ChoiceField(label=_("Employment status"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        # One read of the shared version for the page's three lists (a cache round trip each otherwise).
        version = choices_version()
        if scope.is_city:
            self.fields["district"].choices = _blank(_("All districts")) + district_choices(user, version)
            # A new district brings its own institutions into the filter: reload the whole form.
            self.fields["district"].widget.attrs.update(
                {"class": "form-select full-reload", "data-autosubmit": ""}
            )
        else:
            del self.fields["district"]
        if scope.level in (Level.CITY, Level.DISTRICT):
            self._institution_field(user, scope, version)
        else:
            del self.fields["institution"]
        self.fields["occupation"].choices = [("", _("All occupations")), *occupation_choices(version)[1:]]

    def _institution_field(self, user: User, scope, version: int) -> None:
        """A city-wide list of thousands of institutions is no filter anyone can use (and costs more to
        render than the search): city administrators pick a district first, then its institutions. The
        list and its markup are remembered under the choices version (RememberedSelect), so a new or
        renamed institution shows on the next page."""
        district = self.data.get("district") if scope.is_city else scope.district_id
        chosen = self.data.get("institution")
        if district and str(district).isdigit():
            subset = {"district": int(district)}
            choices = _blank(_("All institutions")) + institution_choices(user, **subset, version=version)
        elif chosen and str(chosen).isdigit():
            subset = {"pk": int(chosen)}
            choices = _blank(_("All institutions")) + institution_choices(user, **subset, version=version)
        else:
            subset = {}
            choices = _blank(_("Choose a district first"))
        field = self.fields["institution"]
        # Already (value, label) pairs of strings: the field's and the widget's choices setters would walk
        # all of them again to normalise them, on every page (~10 ms for 渝北区's 1,759 institutions).
        field._choices = field.widget._choices = choices
        field.widget.key = (
            "institution-filter",
            scope.level,
            scope.district_id,
            scope.institution_id,
            *sorted(subset.items()),
        )
        field.widget.version = version

    def filters(self) -> WorkerFilters:
        """The valid filters; an invalid one is ignored rather than failing the whole list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})

        def number(name: str) -> int | None:
            value = data.get(name)
            return int(value) if value and str(value).isdigit() else None

        active = {"yes": True, "no": False}.get(data.get("active") or "")
        return WorkerFilters(
            district=number("district"),
            institution=number("institution"),
            team=data.get("team") or None,
            occupation=number("occupation"),
            source_channel=data.get("source_channel") or None,
            active=active,
            q=data.get("q") or "",
        )


class WorkerFieldsForm(StyledForm):
    """The worker's own fields, as the services take them (WORKER_FIELDS)."""

    # The browser's limit is the column's: a longer name typed would only be refused by the server.
    name = forms.CharField(
        label=pgettext_lazy("person", "Name"),
        required=False,
        max_length=Worker._meta.get_field("name").max_length,
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        max_length=40,
        help_text=_("18 characters; gender and birth date are read from it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    education = forms.ChoiceField(
        label=_("Education"), required=False, choices=_blank("---------") + Education.choices
    )
    hukou_type = forms.ChoiceField(
        label=_("Hukou type"), required=False, choices=_blank("---------") + HukouType.choices
    )
    source_channel = forms.ChoiceField(
        label=_("Source channel"), required=False, choices=_blank("---------") + SourceChannel.choices
    )
    team = forms.ChoiceField(label=_("Team"), required=False, choices=_blank("---------") + Team.choices)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False)

    worker_fields = (
        "name",
        "id_number",
        "phone",
        "education",
        "hukou_type",
        "source_channel",
        "team",
        "occupation",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = occupation_choices()

    def worker_data(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.worker_fields}


class WorkerCreateForm(WorkerFieldsForm):
    """A new worker and the current employment, or (for district and city staff) the district to file under."""

    no_employment = forms.BooleanField(
        label=_("Not currently employed at an institution"),
        required=False,
        help_text=_("File the record under a district instead of an institution."),
    )
    district = forms.ChoiceField(
        label=_("District"),
        required=False,
        help_text=_("Used only when the worker is not currently employed at an institution."),
    )
    institution = forms.ChoiceField(label=_("Institution"), required=False)
    post = forms.CharField(
        label=_("Post"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("for example 护理员")}),
    )
    start_date = date_field(_("Start date"))
    has_labour_contract = forms.BooleanField(label=_("Labour contract signed"), required=False)
    is_part_time = forms.BooleanField(label=_("Part-time"), required=False)

    employment_fields = ("institution", "post", "start_date", "has_labour_contract", "is_part_time")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        choices = institution_choices(user)
        if len(choices) == 1:
            self.fields["institution"].choices = choices
            self.fields["institution"].initial = choices[0][0]
        else:
            self.fields["institution"].choices = _blank("---------") + choices
        self.allows_no_employment = scope.level in (Level.CITY, Level.DISTRICT)
        if self.allows_no_employment:
            districts = district_choices(user)
            self.fields["district"].choices = (
                districts if len(districts) == 1 else _blank("---------") + districts
            )
        else:
            del self.fields["no_employment"]
            del self.fields["district"]

    @property
    def without_employment(self) -> bool:
        return self.allows_no_employment and bool(self.cleaned_data.get("no_employment"))

    def employment_data(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name in self.employment_fields}


class WorkerEditForm(WorkerFieldsForm):
    """Editing shows the ID number and phone masked; a masked value left as it is means "unchanged"."""

    def __init__(self, *args, worker: Worker, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": worker.name,
                "id_number": worker.id_number_masked,
                "phone": worker.phone_masked,
                "education": worker.education,
                "hukou_type": worker.hukou_type,
                "source_channel": worker.source_channel,
                "team": worker.team,
                "occupation": str(worker.occupation_id),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["id_number"].help_text = _(
            "Leave the masked value as it is to keep the number unchanged."
        )
        self.fields["phone"].help_text = _(
            "Leave the masked value as it is to keep the number unchanged; clear it to remove the phone."
        )


def override_reason_field() -> forms.CharField:
    """Shown when a pre-employment check (the dishonesty list) asks for a reason to go on."""
    return forms.CharField(
        label=_("Reason to employ the worker anyway"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded, and the district is notified."),
    )


class EmploymentForm(StyledForm):
    """One period of employment: added late, or corrected."""

    institution = forms.ChoiceField(label=_("Institution"), required=False)
    post = forms.CharField(
        label=_("Post"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("for example 护理员")}),
    )
    start_date = date_field(_("Start date"))
    end_date = date_field(_("End date"), help_text=_("Leave empty if the worker still works there."))
    has_labour_contract = forms.BooleanField(label=_("Labour contract signed"), required=False)
    is_part_time = forms.BooleanField(label=_("Part-time"), required=False)
    end_reason = forms.CharField(label=_("Reason for leaving"), required=False, max_length=100)
    override_reason = override_reason_field()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        choices = institution_choices(user)
        self.fields["institution"].choices = choices if len(choices) == 1 else _blank("---------") + choices

    def service_data(self) -> dict[str, object]:
        return dict(self.cleaned_data)


class TransferForm(StyledForm):
    """A move to another institution: the current full-time post ends the day before the new one starts."""

    institution = forms.ChoiceField(label=_("New institution"), required=False)
    post = forms.CharField(
        label=_("Post"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("for example 护理员")}),
    )
    start_date = date_field(
        _("First day at the new institution"),
        help_text=_("The current post ends the day before."),
    )
    has_labour_contract = forms.BooleanField(label=_("Labour contract signed"), required=False)
    end_reason = forms.CharField(
        label=_("Reason for leaving the current post"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Transferred")}),
    )
    override_reason = override_reason_field()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = _blank("---------") + institution_choices(user)

    def service_data(self) -> dict[str, object]:
        return dict(self.cleaned_data)


class EmploymentEndForm(StyledForm):
    end_date = date_field(_("Last day of work"))
    end_reason = forms.CharField(label=_("Reason for leaving"), required=False, max_length=100)


class UnmaskForm(StyledForm):
    field = forms.ChoiceField(choices=PiiField.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("for example 核对社保"), "autocomplete": "off"}),
        help_text=_("Viewing the full value is recorded in the access log with this reason."),
    )


# ---------------------------------------------------------------- person pickers


def person_field(label, *, required: bool = True) -> forms.CharField:
    """A person chosen by name, pinyin or ID number (never a record number). With JavaScript the box lists
    matching people (masked) from registry:person_search and a click fills the hidden `<name>_key` field;
    without it the typed text is resolved on the server (clean_person)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=60,
        help_text=_("Type a name, pinyin or the ID number, then choose the person from the list."),
        widget=forms.TextInput(
            attrs={"data-person-search": reverse_lazy("registry:person_search"), "autocomplete": "off"}
        ),
    )


def person_key_field() -> forms.CharField:
    return forms.CharField(
        required=False, max_length=20, widget=forms.HiddenInput(attrs={"data-person-key": ""})
    )


def clean_person(form: forms.Form, user: User, name: str, *, pool=None) -> Worker | None:
    """Replace the picker's text in form.cleaned_data[name] by the one person it names (within `pool`, by
    default whom the user may pick), or put the message under the field and return None."""
    from careforce.registry.selectors import person_resolve

    data = form.cleaned_data
    try:
        worker = person_resolve(user, data.get(name) or "", chosen=data.get(f"{name}_key") or "", pool=pool)
    except ValueError as exc:
        form.add_error(name, str(exc))
        return None
    data[name] = worker
    return worker
