from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolsConfig(AppConfig):
    name = "careforce.pools"
    label = "pools"
    verbose_name = _("Specialist pools")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, register_nav
        from careforce.core.scope import Level

        def officials(user, scope) -> bool:
            return scope.level in (Level.CITY, Level.DISTRICT)

        register_nav(
            NavItem("pools", _("Specialist pools"), "pools:member_list", "pools", officials, order=50)
        )
