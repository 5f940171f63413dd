from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "careforce.institutions"
    label = "institutions"
    verbose_name = _("Institutions")
