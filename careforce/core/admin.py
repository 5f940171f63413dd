"""Django admin for reference data and accounts only.

People, employments and institutions are changed through the pages and the API, which go through the
services (validation, scope, audit); the admin offers them no second write path.
"""

import json

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from careforce.core import synonyms, vocabulary
from careforce.core.masking import remask
from careforce.core.models import ApiToken, AuditEvent, CalendarDay, District, PiiAccess, Synonym, User
from careforce.core.services import ROLE_FIELDS, account_created_in_admin, account_role_set


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "older_population", "sort_order")
    list_editable = ("older_population",)
    search_fields = ("code", "name")
    readonly_fields = ("code",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Public holidays and adjusted working days (调休): each year's rows are added from the State Council's
    notice; complaint deadlines count working days with them."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts, split by duty: the system administrator (core.add_user) creates accounts and edits their
    details and passwords; the security administrator (core.assign_roles) gives roles and scopes. Permissions
    come from the role's group only, so the permission and superuser boxes are not offered; accounts are
    deactivated, never deleted (the audit trail names them)."""

    list_display = ("username", "display_name", "role", "district", "institution", "is_active", "last_login")
    list_filter = ("role", "is_active", "district")
    search_fields = ("username", "display_name")
    raw_id_fields = ("institution", "worker", "training_base", "evaluation_body")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (_("Role and scope"), {"fields": ROLE_FIELDS}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    ALWAYS_READ_ONLY = ("is_staff", "is_superuser", "last_login", "date_joined")
    ACCOUNT_FIELDS = ("username", "display_name", "first_name", "last_name", "email", "is_active")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fields = list(self.ALWAYS_READ_ONLY)
        if not request.user.has_perm("core.assign_roles"):
            fields += ROLE_FIELDS
        if not request.user.has_perm("core.add_user"):
            fields += self.ACCOUNT_FIELDS
        return fields

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        if not request.user.has_perm("core.add_user"):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        role_changed = change and set(ROLE_FIELDS) & set(form.changed_data)
        if not role_changed:
            super().save_model(request, obj, form, change)
            if not change:
                account_created_in_admin(user=obj, actor=request.user)
            return
        # Other fields save as Django saves them; the role goes through the service (group, flag, audit).
        new = {field: getattr(obj, field) for field in ROLE_FIELDS}
        saved = User.objects.get(pk=obj.pk)
        for field in ROLE_FIELDS:
            setattr(obj, field, getattr(saved, field))
        super().save_model(request, obj, form, change)
        account_role_set(user=obj, actor=request.user, **new)


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
    exclude = ("changes",)
    readonly_fields = ("changes_shown",)

    @admin.display(description=_("changes"))
    def changes_shown(self, obj: AuditEvent) -> str:
        """The changes with masks stored by earlier versions (region + last four) in today's shape."""
        changes = {
            key: [remask(v) for v in pair] if isinstance(pair, list) else remask(pair)
            for key, pair in (obj.changes or {}).items()
        }
        return json.dumps(changes, ensure_ascii=False, indent=1)


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


# django-axes' records, read-only: unlocking goes through the sign-in security page (audited).
@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdmin):
    list_display = ("attempt_time", "username", "ip_address", "failures_since_start", "path_info")
    list_filter = ("attempt_time",)
    search_fields = ("username", "ip_address")
    exclude = ("get_data", "post_data")


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(ReadOnlyAdmin):
    list_display = ("attempt_time", "username", "ip_address", "locked_out", "path_info")
    list_filter = ("locked_out", "attempt_time")
    search_fields = ("username", "ip_address")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("attempt_time", "logout_time", "username", "ip_address", "path_info")
    list_filter = ("attempt_time", "logout_time")
    search_fields = ("username", "ip_address")
    exclude = ("session_hash",)


class SynonymForm(forms.ModelForm):
    list_name = forms.ChoiceField(label=_("list"), choices=vocabulary.list_choices)

    class Meta:
        model = Synonym
        fields = ("list_name", "entry", "phrase")

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                synonyms.clean_synonym(dict(cleaned), instance=self.instance if self.instance.pk else None)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """Phrases officials write for an entry of a reference list. Written through the synonym services, so
    each change is checked (one phrase names one entry) and audited."""

    form = SynonymForm
    list_display = ("phrase", "list_name", "entry", "origin", "created_at")
    list_filter = ("list_name", "origin")
    search_fields = ("phrase", "entry")
    readonly_fields = ("origin", "key", "created_at")

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data[k] for k in ("list_name", "entry", "phrase")}
        if change:
            saved = synonyms.synonym_update(actor=request.user, synonym=obj, data=data)
        else:
            saved = synonyms.synonym_add(actor=request.user, data=data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        synonyms.synonym_delete(actor=request.user, synonym=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            synonyms.synonym_delete(actor=request.user, synonym=obj)
