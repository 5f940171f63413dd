"""Template helpers: the header's role and scope, audit events in words, Bootstrap form fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from careforce.core.masking import remask
from careforce.core.models import AuditAction, AuditEvent
from careforce.core.scope import Level, scope_of

register = template.Library()

# Audited values that are not model fields (derived, masked) and what to call them.
_DERIVED_LABELS = {
    "id_number_masked": gettext_lazy("Resident ID number"),
    "phone_masked": gettext_lazy("Phone"),
}
# Labels that read better than the model's verbose_name for one kind of record: a person has 姓名, not 名称.
_LABELS_BY_TYPE = {("registry.worker", "name"): pgettext_lazy("person", "Name")}


@register.simple_tag(takes_context=True)
def scope_label(context) -> str:
    """ "区县管理员 · 渝中区": the user's role and where it applies. Cached on the request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    cached = getattr(request, "_careforce_scope_label", None)
    if cached is not None:
        return cached
    scope = scope_of(user)
    where = ""
    if scope.level == Level.CITY:
        where = _("Chongqing")
    elif scope.level == Level.DISTRICT and user.district_id:
        where = user.district.label
    elif scope.level == Level.INSTITUTION and user.institution_id:
        where = user.institution.name
    elif scope.level == Level.BASE:
        where = user.training_base.name
    elif scope.level == Level.BODY:
        where = user.evaluation_body.name
    label = f"{user.get_role_display()} · {where}" if where else str(user.get_role_display())
    request._careforce_scope_label = label
    return label


def _model_of(event: AuditEvent) -> type[models.Model] | None:
    try:
        return apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def audit_subject(event: AuditEvent) -> str:
    """What kind of record the event changed, in words ("从业经历")."""
    model = _model_of(event)
    return capfirst(model._meta.verbose_name) if model else event.object_type


def _format(field: models.Field | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


@register.filter
def audit_rows(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each change of an audit event, choice values as their labels."""
    model = _model_of(event)
    rows = []
    for name, pair in (event.changes or {}).items():
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = None
        if (event.object_type, name) in _LABELS_BY_TYPE:
            label = str(_LABELS_BY_TYPE[event.object_type, name])
        elif name in _DERIVED_LABELS:
            label = str(_DERIVED_LABELS[name])
        else:
            try:
                field = model._meta.get_field(name) if model else None
            except Exception:
                field = None
            label = capfirst(field.verbose_name) if field is not None else name
        if event.action == AuditAction.CREATE and after in (None, ""):
            continue  # a new record's empty fields say nothing
        # Masks stored by earlier versions showed more (the last four): shown in today's shape.
        rows.append((label, _format(field, remask(before)), _format(field, remask(after))))
    return rows


@register.inclusion_tag("includes/field.html")
def field(bound_field, **options):
    """One form field with its label, errors and help text, the Bootstrap way."""
    css = options.pop("css", "")
    wrapper = css if "mb-" in css else f"mb-3 {css}".strip()
    return {"field": bound_field, "wrapper": wrapper, **options}


@register.simple_tag(takes_context=True)
def nav_active(context, namespace: str, *url_names: str) -> str:
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or match.namespace != namespace:
        return ""
    if url_names and match.url_name not in url_names:
        return ""
    return "active"


@register.filter
def num(value) -> str:
    """The one number format of every page: thousands separators (17,000), decimals as the value has them
    (trailing zeros dropped), a dash for no data."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.3f}".rstrip("0").rstrip(".")


@register.filter
def age(birth_date) -> int | str:
    """Age in whole years today (Asia/Shanghai)."""
    if not birth_date:
        return ""
    today = timezone.localdate()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


@register.filter(name="remask")
def remask_filter(value):
    """A stored mask in today's shape (check logs kept the last four of an ID number before)."""
    return remask(value)


@register.filter
def stars(grade) -> str:
    return "★" * int(grade or 0)
