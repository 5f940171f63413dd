from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "careforce.registry"
    label = "registry"
    verbose_name = _("Talent registry")

    def ready(self) -> None:
        # The filter forms' option lists are remembered per version (careforce/registry/forms.py).
        from django.db.models.signals import post_delete, post_save

        from careforce.registry.forms import choices_changed

        for sender in ("core.District", "registry.Occupation", "institutions.Institution"):
            for signal in (post_save, post_delete):
                signal.connect(choices_changed, sender=sender, dispatch_uid=f"registry-choices:{sender}")
