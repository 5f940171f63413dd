"""Forms of the institution pages. The institution services validate; these only collect the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm
from careforce.core.models import User
from careforce.core.scope import scope_of
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution, InstitutionKind, Ownership
from careforce.institutions.selectors import districts_visible_to
from careforce.institutions.services import EDITABLE_FIELDS

_BLANK = [("", "---------")]


def _districts(user: User) -> list[tuple[str, str]]:
    return [(str(d.pk), d.label) for d in districts_visible_to(user).only("pk", "name", "name_en")]


class InstitutionFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or unified social credit code")}
        ),
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstitutionKind.choices]
    )
    ownership = forms.ChoiceField(
        label=_("Ownership"), required=False, choices=[("", _("All")), *Ownership.choices]
    )
    head = forms.ChoiceField(
        label=_("Head (负责人)"),
        required=False,
        choices=[("", _("All")), ("untrained", _("Not trained this year (领雁), or not recorded"))],
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if scope_of(user).is_city:
            self.fields["district"].choices = [("", _("All districts")), *_districts(user)]
        else:
            del self.fields["district"]

    def filters(self) -> dict[str, object]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        district = data.get("district")
        filters: dict[str, object] = {
            "district": int(district) if district and str(district).isdigit() else None,
            "kind": data.get("kind") or None,
            "ownership": data.get("ownership") or None,
            "q": data.get("q") or None,
        }
        if data.get("head") == "untrained":  # the home work queue's link
            filters["head_untrained"] = True
        return filters


def _count(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )


def _current_staff(institution: Institution | None) -> list[tuple[str, str]]:
    """The people holding a current post at the institution (a new one has none yet)."""
    if institution is None:
        return []
    from careforce.registry.models import Worker

    staff = Worker.objects.filter(
        employments__institution=institution, employments__end_date__isnull=True
    ).distinct()
    return [
        (str(pk), f"{name}（{occupation}）")
        for pk, name, occupation in staff.order_by("name", "pk").values_list("pk", "name", "occupation__name")
    ]


class InstitutionForm(StyledForm):
    """The fields of `institutions.services.EDITABLE_FIELDS`, passed to the services as typed."""

    uscc = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=40,
        help_text=_("18 characters, as printed on the business licence or registration certificate."),
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=120)
    district = forms.ChoiceField(label=_("District"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_BLANK + InstitutionKind.choices)
    ownership = forms.ChoiceField(label=_("Ownership"), required=False, choices=_BLANK + Ownership.choices)
    is_public_service_unit = forms.BooleanField(label=_("Public-service unit (事业单位)"), required=False)
    star_grade = forms.ChoiceField(
        label=_("Star grade"),
        required=False,
        choices=[("0", _("Not rated")), *((str(n), "★" * n) for n in range(1, 6))],
    )
    beds = _count(_("Beds"))
    residents_able = _count(RESIDENT_LEVEL_FIELDS[0][1])
    residents_mild = _count(RESIDENT_LEVEL_FIELDS[1][1])
    residents_moderate = _count(RESIDENT_LEVEL_FIELDS[2][1])
    residents_severe = _count(RESIDENT_LEVEL_FIELDS[3][1])
    residents_total = _count(RESIDENT_LEVEL_FIELDS[4][1])
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=30)
    head = forms.ChoiceField(
        label=_("Head (负责人)"),
        required=False,
        help_text=_("One of the institution's current staff."),
    )
    head_pending_name = forms.CharField(
        label=_("Head not yet registered: name"),
        required=False,
        max_length=50,
        help_text=_("Until the head is registered as a worker here; cleared once a head is chosen above."),
    )

    resident_fields = tuple(field for field, _label in RESIDENT_LEVEL_FIELDS)

    def __init__(self, *args, user: User, instance: Institution | None = None, **kwargs):
        if instance is not None:
            initial = {name: getattr(instance, name) for name in EDITABLE_FIELDS}
            initial["district"] = str(instance.district_id)
            initial["star_grade"] = str(instance.star_grade)
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        districts = _districts(user)
        self.fields["district"].choices = districts if len(districts) == 1 else _BLANK + districts
        if instance is not None:
            self.initial["head"] = str(instance.head_id or "")
        self.fields["head"].choices = [("", _("Not recorded")), *_current_staff(instance)]

    def service_data(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}
