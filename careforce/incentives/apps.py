from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "careforce.incentives"
    label = "incentives"
    verbose_name = _("Contracts and subsidies")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, Section, register_nav, register_worker_section
        from careforce.core.scope import Level

        def officials(user, scope) -> bool:
            return scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION)

        def worker_section(request, worker):
            from careforce.incentives import views

            return views.worker_section(request, worker)

        register_nav(
            NavItem(
                "incentives",
                _("Contracts and subsidies"),
                "incentives:home",
                "incentives",
                officials,
                order=65,
            )
        )
        register_worker_section(
            Section(
                "incentives",
                _("Labour contracts and insurance"),
                "incentives/_worker_section.html",
                worker_section,
                order=45,
            )
        )
