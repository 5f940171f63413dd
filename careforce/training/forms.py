"""Page forms for training. They only collect text; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from careforce.core.forms import StyledForm, date_field
from careforce.core.scope import Level, scope_of
from careforce.institutions.selectors import districts_visible_to, institutions_visible_to
from careforce.registry.forms import person_field, person_key_field
from careforce.registry.models import Occupation
from careforce.training.models import BaseKind, ContentModule, CourseKind, Tier, TrainingBase
from careforce.training.services import class_hour_minutes


def lesson_minimum_help() -> str:
    # The class hour's minutes are data (TrainingSettings): the help says the figure in force.
    return gettext(
        "Online courses: how long a lesson must stay open before it counts. Empty: the course's hours spread "
        "evenly over its lessons, %(n)d minutes of study a class hour. 0: no minimum, only for a course whose "
        "completion should not depend on time studied."
    ) % {"n": class_hour_minutes()}


class ScheduleForm(StyledForm):
    """A course and its first session, in one go (the usual way an official schedules training)."""

    title = forms.CharField(label=_("Course title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    tier = forms.ChoiceField(label=_("Organiser tier"), choices=Tier.choices)
    organiser_district = forms.ChoiceField(label=_("Organising district"), required=False)
    organiser_institution = forms.ChoiceField(label=_("Organising institution"), required=False)
    modules = forms.MultipleChoiceField(label=_("Content modules"), required=False)
    hours = forms.CharField(label=_("Hours"), max_length=10)
    lesson_min_minutes = forms.CharField(label=_("Minimum minutes per lesson"), required=False, max_length=3)
    start_date = date_field(pgettext_lazy("session", "Start date"))
    end_date = date_field(pgettext_lazy("session", "End date"))
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    base = forms.ChoiceField(label=_("Training base"), required=False)
    capacity = forms.CharField(label=_("Capacity"), max_length=7)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        tiers = {
            Level.CITY: Tier.choices,
            Level.DISTRICT: Tier.choices[1:],
            Level.INSTITUTION: Tier.choices[2:],
        }
        self.fields["tier"].choices = tiers.get(scope.level, [])
        self.fields["organiser_district"].choices = [("", "—")] + [
            (str(d.pk), d.label) for d in districts_visible_to(user)
        ]
        self.fields["organiser_institution"].choices = [("", "—")] + [
            (str(i.pk), i.name) for i in institutions_visible_to(user).order_by("name")[:500]
        ]
        self.fields["modules"].choices = [(m.code, m.label) for m in ContentModule.objects.all()]
        self.fields["base"].choices = [("", "—")] + [
            (str(b.pk), b.name) for b in TrainingBase.objects.filter(is_active=True).order_by("name")[:200]
        ]
        self.fields["modules"].widget.attrs["size"] = 5
        self.fields["lesson_min_minutes"].help_text = lesson_minimum_help()


class SessionForm(StyledForm):
    """Change one session: dates, venue or base, capacity, cancelled."""

    start_date = date_field(pgettext_lazy("session", "Start date"))
    end_date = date_field(pgettext_lazy("session", "End date"))
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    base = forms.ChoiceField(label=_("Training base"), required=False)
    capacity = forms.CharField(label=_("Capacity"), max_length=7)
    is_cancelled = forms.BooleanField(label=_("Cancelled"), required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        bases = TrainingBase.objects.filter(Q(is_active=True) | Q(pk=session.base_id)).order_by("name")
        self.fields["base"].choices = [("", "—")] + [(str(b.pk), b.name) for b in bases[:200]]


class CourseForm(StyledForm):
    """Correct a course: title, hours, description, content modules."""

    title = forms.CharField(label=_("Course title"), max_length=120)
    hours = forms.CharField(label=_("Hours"), max_length=10)
    modules = forms.MultipleChoiceField(label=_("Content modules"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lesson_min_minutes = forms.CharField(label=_("Minimum minutes per lesson"), required=False, max_length=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modules"].choices = [(m.code, m.label) for m in ContentModule.objects.all()]
        self.fields["modules"].widget.attrs["size"] = 5
        self.fields["lesson_min_minutes"].help_text = lesson_minimum_help()


class BaseForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=BaseKind.choices)
    host = forms.CharField(label=_("Host organisation"), max_length=120)
    district = forms.ChoiceField(label=_("District"))
    accredited_on = date_field(_("Accreditation date"))
    capacity = forms.CharField(label=_("Capacity (trainees)"), max_length=7)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [(str(d.pk), d.label) for d in districts_visible_to(user)]


class BaseEditForm(BaseForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)


class EnrolForm(StyledForm):
    """Enrol many at once: everyone of an institution (optionally one occupation), or a pasted list."""

    person = person_field(_("One person"), required=False)
    person_key = person_key_field()
    institution = forms.ChoiceField(label=_("All staff of institution"), required=False)
    occupation = forms.ChoiceField(label=_("Only occupation"), required=False)
    listing = forms.CharField(
        label=_("Or a list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the full resident ID number."),
    )

    def __init__(self, *args, user, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "—")] + [(str(i.pk), i.name) for i in institutions]
        self.fields["occupation"].choices = [("", "—")] + [
            (o.code, o.label) for o in Occupation.objects.all()
        ]


class CompleteForm(StyledForm):
    completed_on = date_field(_("Completion date"))
    hours = forms.CharField(
        label=_("Hours credited"), max_length=10, required=False, help_text=_("Empty: the course's hours.")
    )
    exam_score = forms.CharField(label=_("Exam score"), max_length=10, required=False)
    exam_passed = forms.ChoiceField(
        label=_("Exam result"),
        required=False,
        choices=[
            ("", _("No exam")),
            ("true", pgettext_lazy("exam result", "Passed")),
            ("false", pgettext_lazy("exam result", "Failed")),
        ],
    )


class ResultsForm(StyledForm):
    """The register's results: one completion date for the rows ticked (each row has its own hours,
    score and result)."""

    completed_on = date_field(_("Completion date"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The box sits below the register's table; the rows' inputs and it belong to the same form.
        self.fields["completed_on"].widget.attrs["form"] = "results-form"


class SessionFilterForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *CourseKind.choices]
    )
    q = forms.CharField(label=_("Course title"), required=False, max_length=60)
    awaiting = forms.BooleanField(label=_("Awaiting results"), required=False)


class LessonForm(StyledForm):
    title = forms.CharField(label=_("Lesson title"), max_length=120)
    minutes = forms.CharField(label=_("Minutes"), max_length=4)
    content = forms.CharField(label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ValidityChangeForm(StyledForm):
    """Suspend, revoke or lift the suspension of a completed training's validity."""

    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("suspend", _("Suspend")),
            ("revoke", _("Revoke")),
            ("reinstate", _("Lift the suspension")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    day = date_field(_("Date"))
