from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "careforce.incentives"
    label = "incentives"
    verbose_name = _("Contracts and subsidies")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from careforce.core import audit
        from careforce.incentives import metrics
        from careforce.incentives.models import Payment, PaymentBatch

        # The dashboard's figures are kept in each change's transaction (metrics.py).
        post_save.connect(metrics.on_batch_saved, sender=PaymentBatch, dispatch_uid="incentives.batch")
        post_save.connect(metrics.on_payment_saved, sender=Payment, dispatch_uid="incentives.payment")
        audit.observe(metrics.observe)

        from careforce.core.extensions import NavItem, Section, register_nav, register_worker_section
        from careforce.core.scope import Level

        def officials(user, scope) -> bool:
            return scope.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION)

        def worker_section(request, worker):
            from careforce.incentives import views

            return views.worker_section(request, worker)

        register_nav(
            NavItem(
                "incentives",
                _("Contracts and subsidies"),
                "incentives:home",
                "incentives",
                officials,
                order=65,
            )
        )
        register_worker_section(
            Section(
                "incentives",
                _("Labour contracts and insurance"),
                "incentives/_worker_section.html",
                worker_section,
                order=45,
            )
        )
