from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "careforce.imports"
    label = "imports"
    verbose_name = _("Imports and exports")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, register_nav
        from careforce.imports import tasks  # noqa: F401  (registers the housekeeping)
        from careforce.imports.roster import WorkerRosterSheet
        from careforce.imports.sheets import register_sheet

        register_sheet(WorkerRosterSheet())
        register_nav(
            NavItem(
                key="imports",
                label=_("Bulk import"),
                url_name="imports:job_list",
                namespace="imports",
                visible=lambda user, scope: scope.can_write,
                order=30,
            )
        )
