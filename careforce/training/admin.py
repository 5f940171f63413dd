"""Training configuration editable in the admin: content modules (data, not code). Training targets live in
the indicators' one targets table."""

from django.contrib import admin

from careforce.training.models import ContentModule


@admin.register(ContentModule)
class ContentModuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order")

    def has_delete_permission(self, request, obj=None):
        return False
