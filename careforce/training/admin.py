"""Training configuration editable in the admin: targets and content modules (data, not code)."""

from django.contrib import admin

from careforce.training.models import ContentModule, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("key", "label", "value", "due_year", "note")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContentModule)
class ContentModuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order")

    def has_delete_permission(self, request, obj=None):
        return False
