"""Training configuration editable in the admin: content modules, validity periods and the minutes of a class
hour (data, not code). Training targets live in the indicators' one targets table."""

from django.contrib import admin

from careforce.training.models import ContentModule, TrainingSettings, TrainingValidity


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


@admin.register(TrainingSettings)
class TrainingSettingsAdmin(admin.ModelAdmin):
    """The one row (loaded by a migration): minutes of study per class hour, from which an online course
    that sets no minimum per lesson derives it."""

    list_display = ("__str__", "class_hour_minutes")

    def has_add_permission(self, request):
        return not TrainingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
