from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimebankConfig(AppConfig):
    name = "careforce.timebank"
    label = "timebank"
    verbose_name = _("Time bank")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, register_nav
        from careforce.core.scope import Level
        from careforce.timebank import tasks  # noqa: F401  (registers the nightly expiry)

        def officials(user, scope) -> bool:
            return scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION)

        def volunteers(user, scope) -> bool:
            # Officials and the platform's administrators have no time account here: no query for them.
            if scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION) or scope.can_write:
                return False
            if scope.level == Level.NONE and user.role != "none":
                return False
            from careforce.timebank.selectors import own_volunteer

            return own_volunteer(user) is not None

        register_nav(NavItem("timebank", _("Time bank"), "timebank:home", "timebank", officials, order=60))
        register_nav(
            NavItem("timebank_me", _("My time account"), "timebank:me", "timebank", volunteers, order=61)
        )
