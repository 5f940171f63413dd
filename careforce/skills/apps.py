from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SkillsConfig(AppConfig):
    name = "careforce.skills"
    label = "skills"
    verbose_name = _("Skill levels and certificates")

    def ready(self) -> None:
        from careforce.registry.models import Worker
        from careforce.registry.signals import placement_changed
        from careforce.skills import tally

        # Staff moving, joining or leaving changes the care-worker counts behind the certification rate.
        placement_changed.connect(tally.on_placement_changed, sender=Worker, dispatch_uid="skills_tally")
        from careforce.skills import extensions, tasks  # noqa: F401  (tasks registers the daily roll)

        extensions.register()
