from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _staff(user, scope) -> bool:
    return scope.is_area


class RankingsConfig(AppConfig):
    name = "careforce.rankings"
    label = "rankings"
    verbose_name = _("Service-quality rankings")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, register_nav

        register_nav(
            NavItem("rankings", _("Quality ranking"), "rankings:ranking_list", "rankings", _staff, order=50)
        )
