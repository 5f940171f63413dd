"""Admin for the credit configuration data: rule versions (factors, bands) and dishonesty situations.

A rule version that is or was in force is read-only (scores name it; changing it would change what past
scores mean): make a new version, then put it in force with the admin action, which calls the service and
enqueues the full recompute.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from careforce.credit import services
from careforce.credit.models import CreditBand, CreditFactor, CreditRule, CreditScore, DishonestySituation


def _used(rule) -> bool:
    return rule is not None and (
        rule.is_active or rule.activated_at is not None or CreditScore.objects.filter(rule=rule).exists()
    )


class _Locked:
    def has_change_permission(self, request, obj=None):
        rule = obj if isinstance(obj, CreditRule) else None
        return super().has_change_permission(request, obj) and not _used(rule)

    def has_delete_permission(self, request, obj=None):
        rule = obj if isinstance(obj, CreditRule) else None
        return super().has_delete_permission(request, obj) and not _used(rule)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request) and not _used(obj)


class FactorInline(_Locked, admin.TabularInline):
    model = CreditFactor
    extra = 0


class BandInline(_Locked, admin.TabularInline):
    model = CreditBand
    extra = 0


@admin.register(CreditRule)
class CreditRuleAdmin(_Locked, admin.ModelAdmin):
    list_display = ("version", "name", "is_active", "activated_at")
    inlines = [FactorInline, BandInline]
    actions = ["put_in_force"]

    @admin.action(description=_("Put in force (and recompute every score)"))
    def put_in_force(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        try:
            services.credit_rule_activate(actor=request.user, rule=queryset.get())
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        from careforce.credit.tasks import credit_recompute_all_task

        credit_recompute_all_task.enqueue()
        self.message_user(request, _("The version is in force; scores are being recomputed."))


@admin.register(DishonestySituation)
class SituationAdmin(admin.ModelAdmin):
    list_display = ("sort_order", "code", "name", "min_years_before_removal")
