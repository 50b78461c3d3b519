"""Which authority's records a regulator sees and acts on (ARCHITECTURE.md §15).

A provincial regulator sees and acts on its own authority's records only (national-campaign
records are assigned to a province by their ``authority``). A national regulator sees every
authority's records and acts on the ministry's own, and on a province's where the province has
delegated to national users (``Authority.delegated_to_national``, granted and revoked through
``accounts.services`` with an audit event; read from the table at each check, never from a cached
user). A regulator without an authority sees nothing (fail closed). Vendors are scoped by their
vendor, not here.

Selectors filter with ``authority_scope``; services refuse with ``require_act``.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import error_codes
from accounts.errors import Forbidden
from accounts.models import Authority

MSG_OTHER_AUTHORITY = _("This record belongs to another authority: only its own regulators act on it.")


class OtherAuthority(Forbidden):
    code = error_codes.OTHER_AUTHORITY
    default_message = MSG_OTHER_AUTHORITY


def _authority(actor) -> Authority | None:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_regulator", False):
        return None
    return actor.authority if actor.authority_id else None


def sees_all(actor) -> bool:
    """A national regulator: sees every authority's records."""
    authority = _authority(actor)
    return authority is not None and authority.is_national


def authority_scope(queryset: QuerySet, *, actor, field: str = "authority") -> QuerySet:
    """``queryset`` narrowed to the records ``actor`` (a regulator) may see, by the record's
    ``field`` (the authority foreign key, or a path to it: ``case__authority``)."""
    authority = _authority(actor)
    if authority is None:
        return queryset.none()
    if authority.is_national:
        return queryset
    return queryset.filter(**{f"{field}_id": authority.pk})


def authority_act_scope(queryset: QuerySet, *, actor, field: str = "authority") -> QuerySet:
    """``queryset`` narrowed to the records ``actor`` may act on (what it drafts a notice from)."""
    authority = _authority(actor)
    if authority is None:
        return queryset.none()
    if not authority.is_national:
        return queryset.filter(**{f"{field}_id": authority.pk})
    delegated = Authority.objects.filter(delegated_to_national=True).values("pk")
    return queryset.filter(Q(**{f"{field}_id": authority.pk}) | Q(**{f"{field}_id__in": delegated}))


def may_act(actor, authority_id: int | None) -> bool:
    """Whether ``actor`` may act on a record of the authority ``authority_id``."""
    authority = _authority(actor)
    if authority is None or authority_id is None:
        return False
    if authority.pk == authority_id:
        return True
    if not authority.is_national:
        return False
    return Authority.objects.filter(pk=authority_id, delegated_to_national=True).exists()


def require_act(actor, authority_id: int | None) -> None:
    """Refuse (403 ``other_authority``) a regulator's act on another authority's record. The
    system (``actor=None``) and vendors (scoped by their own vendor) pass."""
    if actor is None or not getattr(actor, "is_regulator", False):
        return
    if not may_act(actor, authority_id):
        raise OtherAuthority(authority=authority_id)
