from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "careforce.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # lookups registers field__any_of; sessions starts the session clocks at sign-in; tasks registers
        # the audit chain's sealing with the periodic schedule; account_cache keeps each account's access version.
        from careforce.core import account_cache, lookups, sessions, tasks  # noqa: F401

        account_cache.connect()

        _hide_device_secrets_from_admin()
        _register_security_nav()
        _refresh_vocabulary_on_change()


def _refresh_vocabulary_on_change() -> None:
    """A synonym, an occupation, a skill level or a complaint channel changed: this process reads the lists afresh (others within
    a minute, or at once for a phrase they have not seen; careforce.core.vocabulary)."""
    from django.db.models.signals import post_delete, post_save

    from careforce.core import vocabulary

    for sender in ("core.Synonym", "registry.Occupation", "skills.SkillLevel", "conduct.ComplaintChannel"):
        for signal in (post_save, post_delete):
            signal.connect(vocabulary.clear, sender=sender, dispatch_uid=f"vocabulary:{sender}")


def _hide_device_secrets_from_admin() -> None:
    """django-otp's admin shows a TOTP device's secret and QR code; nobody but its owner may see them.
    Second factors are reset on the sign-in security page (audited), not edited."""
    from django.contrib import admin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if admin.site.is_registered(TOTPDevice):
        admin.site.unregister(TOTPDevice)


def _register_security_nav() -> None:
    from careforce.core.extensions import NavItem, register_nav
    from careforce.core.lockouts import can_see_lockouts
    from careforce.core.scope import needs_second_factor

    register_nav(
        NavItem(
            "sign_in_security",
            _("Sign-in security"),
            "core:sign_in_security",
            "-",  # a page of the core namespace: highlighting by namespace would light it on every core page
            lambda user, scope: can_see_lockouts(user),
            order=900,
        )
    )
    register_nav(
        NavItem(
            "two_factor",
            _("Two-step sign-in"),
            "core:recovery_codes",
            "-",
            lambda user, scope: needs_second_factor(user),
            order=910,
        )
    )
    register_nav(
        NavItem(
            "administration",
            _("Administration"),
            "admin:index",
            "admin",
            lambda user, scope: bool(user.is_staff),
            order=920,
        )
    )
