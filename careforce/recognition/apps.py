from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "careforce.recognition"
    label = "recognition"
    verbose_name = _("Recognition")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, Section, register_nav, register_worker_section
        from careforce.core.scope import Level
        from careforce.imports.sheets import register_sheet
        from careforce.recognition import views
        from careforce.recognition.sheets import AwardSheet, ResultSheet

        def officials(user, scope) -> bool:
            return scope.level in (Level.CITY, Level.DISTRICT)

        register_nav(
            NavItem("recognition", _("Recognition"), "recognition:home", "recognition", officials, order=65)
        )
        register_sheet(AwardSheet())
        register_sheet(ResultSheet())
        register_worker_section(
            Section(
                "recognition",
                _("Awards, competitions and studios"),
                "recognition/_worker_section.html",
                views.worker_section,
                order=45,
            )
        )
