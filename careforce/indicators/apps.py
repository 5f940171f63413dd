from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Apps whose records feed indicators, watched with post_save / post_delete (marks.touch).
WATCHED_APPS = ("training", "skills", "conduct")


class IndicatorsConfig(AppConfig):
    name = "careforce.indicators"
    label = "indicators"
    verbose_name = _("Targets and supervision")

    def ready(self) -> None:
        from careforce.core.extensions import NavItem, QueueItem, register_home_queue, register_nav
        from careforce.core.scope import Level
        from careforce.indicators import selectors

        register_nav(
            NavItem(
                key="indicators",
                label=_("Data dashboard"),
                url_name="indicators:home",
                namespace="indicators",
                visible=lambda user, scope: scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION),
                order=80,
            )
        )
        register_home_queue(
            QueueItem(
                "targets_short",
                _("Targets projected to fall short"),
                lambda request, scope: selectors.targets_short(request.user, selectors.home_context(request)),
                order=50,
            )
        )
        self._watch()
        from careforce.indicators import tasks  # noqa: F401  (registers the monthly snapshot)

    def _watch(self) -> None:
        """Keep the dashboard current from the write side: audit events announced by every service
        (core/audit.py), and saves and deletes of training, certificate and complaint records — some of
        which (tallies, derived rows) write no audit event — are noted in the change's transaction and
        applied just before it commits (marks.py). Receivers only read ids already on the instance."""
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from careforce.core import audit
        from careforce.indicators import marks

        audit.observe(marks.observe)

        def receiver(sender, instance, **kwargs):
            workers = [getattr(instance, "worker_id", None)]
            institutions = [getattr(instance, "institution_id", None)]
            districts = [getattr(instance, "district_id", None)]
            if not any(workers + institutions + districts):
                return  # sessions, courses, bases: their services' audit events name nobody: every district
            marks.touch(worker_ids=workers, institution_ids=institutions, district_ids=districts)

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
