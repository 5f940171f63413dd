"""The consent text as data: a new wording is a new version (a text seekers agreed to is never edited or
deleted, since their consent names it)."""

from django.contrib import admin

from careforce.vacancies.models import ConsentText


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("version", "published_on")

    def get_readonly_fields(self, request, obj=None):
        return ("version", "text", "published_on") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False
