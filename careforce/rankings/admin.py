"""Admin for ranking methods (indicator weights). Published snapshots are not editable anywhere."""

from django.contrib import admin

from careforce.rankings.models import RankingIndicator, RankingMethod


class IndicatorInline(admin.TabularInline):
    model = RankingIndicator
    extra = 0


@admin.register(RankingMethod)
class RankingMethodAdmin(admin.ModelAdmin):
    list_display = ("version", "name", "is_active")
    inlines = [IndicatorInline]
