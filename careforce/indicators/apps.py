from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Apps whose records feed indicators, watched with post_save / post_delete for cache invalidation only.
WATCHED_APPS = ("training", "skills", "conduct")


class IndicatorsConfig(AppConfig):
    name = "careforce.indicators"
    label = "indicators"
    verbose_name = _("Targets and supervision")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, register_nav
        from careforce.core.scope import Level

        register_nav(
            NavItem(
                key="indicators",
                label=_("Dashboard and supervision"),
                url_name="indicators:home",
                namespace="indicators",
                visible=lambda user, scope: scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION),
                order=80,
            )
        )
        self._watch()
        from careforce.indicators import tasks  # noqa: F401  (registers the monthly snapshot)

    def _watch(self) -> None:
        """Dirty the dashboard's blocks when a training, certificate or complaint record changes, in this
        process, after the change commits. Receivers only read ids already on the instance (no query, no
        write inside the other app's transaction)."""
        from django.apps import apps
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from careforce.indicators import engine

        def receiver(sender, instance, **kwargs):
            workers = [getattr(instance, "worker_id", None)]
            institutions = [getattr(instance, "institution_id", None)]
            districts = [getattr(instance, "district_id", None)]
            if not any(workers + institutions + districts):
                return  # sessions, courses, bases: counted live or by a record that names people
            transaction.on_commit(
                lambda: engine.mark_dirty(
                    worker_ids=workers, institution_ids=institutions, district_ids=districts
                )
            )

        for label in WATCHED_APPS:
            try:
                config = apps.get_app_config(label)
            except LookupError:
                continue
            for model in config.get_models():
                post_save.connect(
                    receiver, sender=model, weak=False, dispatch_uid=f"indicators-{model._meta.label}"
                )
                post_delete.connect(
                    receiver, sender=model, dispatch_uid=f"indicators-del-{model._meta.label}", weak=False
                )
