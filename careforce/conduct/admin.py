"""Admin for the conduct configuration data only (records are written through the pages / API)."""

from django.contrib import admin

from careforce.conduct.models import ComplaintChannel, ConductSettings, EvaluationDimension


@admin.register(EvaluationDimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ("sort_order", "code", "name", "is_active")


@admin.register(ComplaintChannel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("sort_order", "code", "name", "deadline_days")


@admin.register(ConductSettings)
class SettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "evaluation_link_days", "public_evaluations_per_hour")
