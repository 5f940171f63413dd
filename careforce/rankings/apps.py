from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RankingsConfig(AppConfig):
    name = "careforce.rankings"
    label = "rankings"
    verbose_name = _("Service-quality rankings")
