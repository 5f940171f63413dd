from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "careforce.credit"
    label = "credit"
    verbose_name = _("Credit evaluation and dishonesty list")
