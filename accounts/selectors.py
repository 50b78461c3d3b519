"""Reads of the authorities (ARCHITECTURE.md §15): every regulator sees all 32 and their history."""

from django.db.models import Count, Q, QuerySet

from accounts.errors import NotFound
from accounts.models import Authority, AuthorityEvent
from accounts.roles import Role

REGULATOR_ROLES = (Role.ADMIN, Role.INSPECTOR, Role.REVIEWER)


def authority_list() -> QuerySet[Authority]:
    """Every authority, by code, with ``active_regulators``: its active regulator users (one query)."""
    active = Q(users__is_active=True, users__role__in=REGULATOR_ROLES)
    return Authority.objects.annotate(active_regulators=Count("users", filter=active)).order_by("code")


def authority_get(*, code: str) -> Authority:
    """One authority by its GB/T 2260 code, with ``active_regulators``; ``NotFound`` otherwise."""
    authority = authority_list().filter(code=code).first()
    if authority is None:
        raise NotFound(authority=code)
    return authority


def authority_event_list(*, authority: Authority) -> QuerySet[AuthorityEvent]:
    """The authority's history, newest first, with who acted."""
    return AuthorityEvent.objects.filter(authority=authority).select_related("actor").order_by("-created_at", "-id")
