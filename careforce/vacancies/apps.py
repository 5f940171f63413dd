from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VacanciesConfig(AppConfig):
    name = "careforce.vacancies"
    label = "vacancies"
    verbose_name = _("Vacancies")

    def ready(self) -> None:
        from careforce.core.extensions import (
            NavItem,
            Section,
            register_dashboard_section,
            register_home_section,
            register_nav,
        )
        from careforce.core.scope import Level
        from careforce.imports.sheets import register_sheet
        from careforce.vacancies import views
        from careforce.vacancies.sheets import VacancySheet

        def staff(user, scope) -> bool:
            return scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION)

        register_nav(NavItem("vacancies", _("Vacancies"), "vacancies:home", "vacancies", staff, order=55))
        register_home_section(
            Section(
                "vacancies",
                _("Vacancies and hires from the key groups"),
                "vacancies/_home_card.html",
                views.home_card,
                order=40,
            )
        )
        register_dashboard_section(
            Section(
                "vacancies",
                _("Vacancies and hires from the key groups"),
                "vacancies/_dashboard_card.html",
                views.dashboard_card,
                order=40,
            )
        )
        register_sheet(VacancySheet())
