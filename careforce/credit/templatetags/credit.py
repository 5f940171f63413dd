"""{% credit_badge worker %}: the worker's current credit score where decisions about them are recorded
(transfer, promotion, title review, pay rise). The caller fetched the worker through a scoped selector."""

from django import template

from careforce.credit.selectors import credit_of

register = template.Library()


@register.inclusion_tag("credit/_badge.html")
def credit_badge(worker):
    return {"credit": credit_of(worker) if worker is not None else None, "worker": worker}
