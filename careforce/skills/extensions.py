"""Where skills plugs into shared pages (called from SkillsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from careforce.core.extensions import NavItem, Section, register_nav, register_worker_section
from careforce.core.scope import Level


def _staff(user, scope) -> bool:
    return scope.level not in (Level.NONE, Level.SELF)


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
