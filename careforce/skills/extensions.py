"""Where skills plugs into shared pages (called from SkillsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from careforce.core.extensions import (
    NavItem,
    QueueItem,
    Section,
    register_home_queue,
    register_nav,
    register_worker_section,
)
from careforce.core.scope import Level


def _staff(user, scope) -> bool:
    return scope.is_area or scope.level == Level.BODY


def register() -> None:
    from careforce.skills import views

    register_nav(
        NavItem("skills", _("Skills and certificates"), "skills:overview", "skills", _staff, order=40)
    )
    register_worker_section(
        Section(
            "skills",
            _("Skill level, certificates and titles"),
            "skills/_worker_section.html",
            views.worker_section,
            order=40,
        )
    )
    register_home_queue(
        QueueItem("certificates_expiring", _("Certificates expiring"), _queue_expiring, order=40)
    )
    register_home_queue(
        QueueItem(
            "body_certificates_expiring",
            _("Certificates your body issued that expire soon"),
            _queue_body_expiring,
            order=41,
        )
    )


def _queue_body_expiring(request, scope):
    """An evaluation body's item: the certificates it issued whose validity ends within the notice period
    (their holders come back to it for re-evaluation), linking to the expiring list."""
    if scope.level != Level.BODY:
        return None
    from django.urls import reverse

    from careforce.skills.selectors import expiring_certificates

    return expiring_certificates(request.user).count(), reverse("skills:expiring")


def _queue_expiring(request, scope):
    """The home work queue's item for certificates nearing the end of their validity. Certificates carry no
    validity dates yet, so nothing expires and the item is not shown; once they do, return (count, the
    certificate list filtered to those expiring) here."""
    return None
