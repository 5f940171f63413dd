from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _staff(user, scope) -> bool:
    return scope.is_area


class ConductConfig(AppConfig):
    name = "careforce.conduct"
    label = "conduct"
    verbose_name = _("Evaluations, complaints and penalties")

    def ready(self) -> None:
        from careforce.conduct import views
        from careforce.core.extensions import (
            NavItem,
            QueueItem,
            Section,
            register_home_queue,
            register_home_section,
            register_institution_section,
            register_nav,
            register_worker_section,
        )

        register_nav(
            NavItem(
                "conduct",
                _("Complaints and evaluations"),
                "conduct:complaint_list",
                "conduct",
                _staff,
                order=30,
            )
        )
        register_worker_section(
            Section(
                "conduct",
                _("Evaluations, complaints and penalties"),
                "conduct/_worker_section.html",
                views.worker_section,
                order=20,
            )
        )
        register_institution_section(
            Section(
                "conduct",
                _("Evaluations, complaints and penalties"),
                "conduct/_institution_section.html",
                views.institution_section,
                order=20,
            )
        )
        register_home_section(
            Section(
                "overdue_complaints",
                _("Overdue complaints"),
                "conduct/_home_overdue.html",
                views.home_overdue,
                order=20,
            )
        )
        register_home_queue(
            QueueItem("overdue_complaints", _("Overdue complaints"), views.queue_overdue, order=10)
        )
        from careforce.conduct import sheets

        sheets.register()
