"""Recognition configuration editable in the admin: award kinds, prize rules and the household-registration
threshold. Awards, competitions, studios and flags change only through the services (audited)."""

from django.contrib import admin

from careforce.recognition.models import AwardKind, PrizeRule, SettlementRule


@admin.register(AwardKind)
class AwardKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "is_active")


@admin.register(PrizeRule)
class PrizeRuleAdmin(admin.ModelAdmin):
    list_display = ("level", "best_rank", "worst_rank", "name", "levels_up")


@admin.register(SettlementRule)
class SettlementRuleAdmin(admin.ModelAdmin):
    list_display = ("min_level",)

    def has_add_permission(self, request):
        return not SettlementRule.objects.exists()  # one row

    def has_delete_permission(self, request, obj=None):
        return False
