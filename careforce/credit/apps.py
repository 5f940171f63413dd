from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _staff(user, scope) -> bool:
    return scope.is_area


class CreditConfig(AppConfig):
    name = "careforce.credit"
    label = "credit"
    verbose_name = _("Credit evaluation and dishonesty list")

    def ready(self) -> None:
        from careforce.core.extensions import (
            NavItem,
            QueueItem,
            Section,
            register_home_queue,
            register_home_section,
            register_nav,
            register_worker_section,
        )
        from careforce.credit import services, views
        from careforce.registry.services import register_pre_employment_check

        register_nav(
            NavItem(
                "credit", _("Credit and dishonesty list"), "credit:listing_list", "credit", _staff, order=40
            )
        )
        register_worker_section(
            Section(
                "credit", _("Credit score"), "credit/_worker_section.html", views.worker_section, order=10
            )
        )
        register_home_section(
            Section(
                "notifications",
                _("Notifications"),
                "credit/_home_notifications.html",
                views.home_notifications,
                order=10,
            )
        )
        register_home_queue(
            QueueItem("unread_notifications", _("Unread notifications"), views.queue_unread, order=60)
        )
        # The registry calls this before writing a current employment or a transfer (see its services).
        register_pre_employment_check(services.hire_check)
