from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "careforce.staffing"
    label = "staffing"
    verbose_name = _("Staffing")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, register_nav
        from careforce.core.scope import Level
        from careforce.staffing import sheets

        def officials(user, scope) -> bool:
            return scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION)

        register_nav(NavItem("staffing", _("Staffing"), "staffing:home", "staffing", officials, order=45))

        # The counting facts follow every change in its own transaction (tally.py).
        from careforce.core import audit
        from careforce.staffing import tally

        audit.observe(tally.observe)
        sheets.register()
