from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "careforce.imports"
    label = "imports"
    verbose_name = _("Imports and exports")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, QueueItem, register_home_queue, register_nav
        from careforce.imports import tasks  # noqa: F401  (registers the housekeeping)
        from careforce.imports.roster import WorkerRosterSheet
        from careforce.imports.sheets import register_sheet, sheets_for

        register_sheet(WorkerRosterSheet())
        register_nav(
            NavItem(
                key="imports",
                label=_("Bulk import"),
                url_name="imports:job_list",
                namespace="imports",
                visible=lambda user, scope: scope.can_write and bool(sheets_for(user, scope)),
                order=30,
            )
        )
        register_home_queue(
            QueueItem("imports_waiting", _("Imports waiting to be saved"), _queue_waiting, order=20)
        )


def _queue_waiting(request, scope):
    """The home work queue's item: imports checked and not yet saved, for the roles that import."""
    from django.urls import reverse

    from careforce.imports.selectors import jobs_waiting_to_be_saved
    from careforce.imports.sheets import sheets_for

    if not scope.can_write or not sheets_for(request.user, scope):
        return None  # a role with no sheet to import

    return jobs_waiting_to_be_saved(request.user).count(), reverse("imports:job_list") + "?status=validated"
