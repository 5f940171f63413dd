"""Training configuration editable in the admin: content modules (data, not code). Training targets live in
the indicators' one targets table."""

from django.contrib import admin

from careforce.training.models import ContentModule, TrainingValidity


@admin.register(ContentModule)
class ContentModuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrainingValidity)
class TrainingValidityAdmin(admin.ModelAdmin):
    """Months a completed training of a kind stays valid (empty: never expires); applies to completions
    recorded afterwards."""

    list_display = ("kind", "months", "note")

    def has_delete_permission(self, request, obj=None):
        return False
