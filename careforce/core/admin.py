"""Django admin for reference data and accounts only.

People, employments and institutions are changed through the pages and the API, which go through the
services (validation, scope, audit); the admin offers them no second write path.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from careforce.core.models import ApiToken, AuditEvent, District, PiiAccess, User


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "older_population", "sort_order")
    list_editable = ("older_population",)
    search_fields = ("code", "name")
    readonly_fields = ("code",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "district", "institution", "is_active", "last_login")
    list_filter = ("role", "is_active", "district")
    search_fields = ("username", "display_name")
    raw_id_fields = ("institution", "worker")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ("role", "display_name", "district", "institution", "worker")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Keep the role's group (its extra permissions) in step with the role.
        role_groups = Group.objects.filter(
            name__in=[choice for choice, _label in User._meta.get_field("role").choices]
        )
        obj.groups.remove(*role_groups.exclude(name=obj.role))
        obj.groups.add(*role_groups.filter(name=obj.role))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    date_hierarchy = "at"


@admin.register(PiiAccess)
class PiiAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "worker", "field", "reason", "ip_address", "channel")
    list_filter = ("field", "channel")
    raw_id_fields = ("worker",)
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at")
    fields = ("name", "user", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        return False  # tokens are made with `careforce create-token`, which shows the secret once
