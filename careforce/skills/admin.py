"""Skills configuration editable in the admin: the ladder's names, the equivalence table, credit rules
(targets, the certification rate's included, live in the indicators' one targets table). Certificates themselves change only through the services (audited)."""

from django.contrib import admin

from careforce.skills.models import CertificateValidity, CreditRule, Equivalence, SkillLevel


@admin.register(SkillLevel)
class SkillLevelAdmin(admin.ModelAdmin):
    list_display = ("rank", "code", "name", "national_grade", "is_certified")
    readonly_fields = ("rank", "code")  # ranks are the contract other capabilities read

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Equivalence)
class EquivalenceAdmin(admin.ModelAdmin):
    list_display = ("level", "title_grade", "education", "note")


@admin.register(CreditRule)
class CreditRuleAdmin(admin.ModelAdmin):
    list_display = ("source", "level", "credits")


@admin.register(CertificateValidity)
class CertificateValidityAdmin(admin.ModelAdmin):
    """Months a certificate stays valid, per occupation and level (empty: never expires). A change applies to
    certificates recorded afterwards and to renewals; recorded certificates keep the end they were given."""

    list_display = ("occupation", "level", "months", "note")
