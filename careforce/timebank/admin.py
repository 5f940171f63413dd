"""Configuration of the time bank as data: rules, kinds of service and their points, the reward catalogue,
organisations and sites. The ledger is not editable here (it is append-only)."""

from django.contrib import admin

from careforce.timebank.models import Organisation, Reward, Rules, ServiceKind, Site


@admin.register(Rules)
class RulesAdmin(admin.ModelAdmin):
    list_display = (
        "cap_hours",
        "daily_limit_hours",
        "min_withdrawal_age",
        "district_check_above_hours",
        "expiry_months",
        "points_per_hour",
    )

    def has_add_permission(self, request):
        return not Rules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "points_per_hour", "is_active")


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("name", "points", "is_active")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "district")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "district")
    raw_id_fields = ("institution",)
