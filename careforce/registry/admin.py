from django.contrib import admin

from careforce.registry.models import Occupation


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    """Occupations are configuration: administrators add new posts without a release."""

    list_display = ("code", "name", "team", "standard_code", "sort_order")
    list_filter = ("team",)
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return False
