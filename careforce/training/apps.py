from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "careforce.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from careforce.core.extensions import (
            NavItem,
            QueueItem,
            Section,
            register_home_queue,
            register_nav,
            register_worker_section,
        )
        from careforce.core.scope import Level
        from careforce.training import views

        def staff(user, scope) -> bool:
            return scope.is_area or scope.level == Level.BASE

        register_nav(NavItem("training", _("Training"), "training:overview", "training", staff, order=30))
        register_home_queue(
            QueueItem(
                "heads_untrained",
                _("Institution heads not trained this year"),
                views.queue_heads_untrained,
                order=30,
            )
        )
        register_home_queue(
            QueueItem(
                "sessions_awaiting_results",
                _("Sessions at your base awaiting results"),
                views.queue_awaiting_results,
                order=31,
            )
        )
        from careforce.imports.sheets import register_sheet
        from careforce.training.sheets import CertificateSheet, TrainingRecordSheet

        register_sheet(TrainingRecordSheet())
        register_sheet(CertificateSheet())
        register_worker_section(
            Section(
                "training",
                _("Training history"),
                "training/_worker_section.html",
                views.worker_section,
                order=30,
            )
        )
