"""Who may see and change what. Every selector filters through the actor's Scope."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.http import Http404

from careforce.core.models import ADMINISTRATOR_ROLES, Role, User


class Level(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    INSTITUTION = "institution"
    SELF = "self"
    BASE = "base"  # a training base: the sessions held at it
    BODY = "body"  # an evaluation body: the certificates it issued
    NONE = "none"


@dataclass(frozen=True)
class Scope:
    level: Level
    district_id: int | None = None
    institution_id: int | None = None
    worker_id: int | None = None
    training_base_id: int | None = None
    evaluation_body_id: int | None = None
    read_only: bool = True

    @property
    def can_write(self) -> bool:
        return not self.read_only

    @property
    def is_city(self) -> bool:
        return self.level == Level.CITY

    @property
    def is_area(self) -> bool:
        """An official's scope over a place (city, district, institution): what the registry, dashboards and
        supervision pages are for. Workers, training bases and evaluation bodies see only their own records."""
        return self.level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION)


NO_SCOPE = Scope(Level.NONE)


def scope_of(user: User | None) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    role = user.role
    if role == Role.CITY_ADMIN:
        return Scope(Level.CITY, read_only=False)
    if role == Role.DISTRICT_ADMIN and user.district_id:
        return Scope(Level.DISTRICT, district_id=user.district_id, read_only=False)
    if role == Role.INSTITUTION_ADMIN and user.institution_id:
        return Scope(Level.INSTITUTION, institution_id=user.institution_id, read_only=False)
    if role == Role.AUDITOR:
        if user.district_id:
            return Scope(Level.DISTRICT, district_id=user.district_id)
        return Scope(Level.CITY)
    if role == Role.TRAINING_BASE and user.training_base_id:
        return Scope(Level.BASE, training_base_id=user.training_base_id, read_only=False)
    if role == Role.EVALUATION_BODY and user.evaluation_body_id:
        return Scope(Level.BODY, evaluation_body_id=user.evaluation_body_id, read_only=False)
    if role == Role.WORKER and user.worker_id:
        return Scope(Level.SELF, worker_id=user.worker_id)
    return NO_SCOPE


def require_write(user: User) -> Scope:
    """The scope of an actor about to change something; read-only actors are refused like a missing page."""
    scope = scope_of(user)
    if not scope.can_write:
        raise Http404
    return scope


def can_unmask(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("core.unmask_pii"))


def needs_second_factor(user: User | None) -> bool:
    """Who must pass a second factor (TOTP) to sign in: every account whose role can write — records,
    certificates, anything (the scope says so, so a new writing role is covered without being listed) —, the
    platform's administrators and any superuser. Read-only roles sign in with their password alone."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return scope_of(user).can_write or user.role in ADMINISTRATOR_ROLES or user.is_superuser
