"""An authority's own settings as audited acts (ARCHITECTURE.md §15): delegation to national users,
and the national administrator's edits of the names and prefix it prints.

Each service checks who acts, locks the authority's row, changes it and appends its
``AuthorityEvent`` in one transaction (STYLE.md §3); a change that changes nothing is refused with a
code, never recorded twice. The change is seen by the very next request of every user: scoping
reads delegation from the table (``accounts.scoping``), and the cached users of the authority
(``accounts.backends``, which carry their authority) are dropped.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import error_codes
from accounts.backends import KEY, forget, shared_cache
from accounts.errors import Conflict, Forbidden, InvalidInput
from accounts.models import Authority, AuthorityEvent, User
from accounts.reasons import reason_clean
from accounts.roles import Role

# Event kinds (AuthorityEvent.kind).
GRANTED = "granted"
REVOKED = "revoked"
EDITED = "edited"
LABELS = {
    GRANTED: _("Delegation to national users granted"),
    REVOKED: _("Delegation to national users revoked"),
    EDITED: _("Authority details edited"),
}
# What a national administrator edits here; the rest (code, full name, level) is the seed's.
EDITABLE = ("short_name", "doc_prefix", "masthead", "signature")

MSG_NOT_YOURS = _("Only this authority's own administrators or a national administrator may change its delegation.")
MSG_NATIONAL_ONLY = _("Only a national administrator may edit an authority's details.")
MSG_ALREADY_DELEGATED = _("This authority already delegates to national users.")
MSG_NOT_DELEGATED = _("This authority does not delegate to national users.")
MSG_MINISTRY = _("The ministry's bureau is national itself: it has nothing to delegate.")
MSG_UNCHANGED = _("Nothing was changed: the details are the same as before.")


def is_national_admin(actor) -> bool:
    """An administrator of the ministry's bureau."""
    return (
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role == Role.ADMIN
        and actor.authority_id is not None
        and actor.authority.is_national
    )


def may_set_delegation(actor, authority: Authority) -> bool:
    """Whether ``actor`` may grant or revoke ``authority``'s delegation: its own administrator, or
    a national administrator."""
    if is_national_admin(actor):
        return True
    return (
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role == Role.ADMIN
        and actor.authority_id == authority.pk
    )


def authority_delegation_set(*, authority: Authority, actor, delegated: bool, reason: str) -> Authority:
    """Let national users act on ``authority``'s records (``delegated``) or stop them, with a reason
    (required). Refused (409) when the authority is already in that state."""
    if not may_set_delegation(actor, authority):
        raise Forbidden(MSG_NOT_YOURS, code=error_codes.AUTHORITY_NOT_YOURS)
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = Authority.objects.select_for_update().get(pk=authority.pk)
        if locked.is_national:
            raise InvalidInput(MSG_MINISTRY, code=error_codes.AUTHORITY_MINISTRY_NOT_DELEGATED)
        if locked.delegated_to_national == delegated:
            message = MSG_ALREADY_DELEGATED if delegated else MSG_NOT_DELEGATED
            raise Conflict(message, code=error_codes.AUTHORITY_DELEGATION_UNCHANGED, delegated=delegated)
        locked.delegated_to_national = delegated
        locked.save(update_fields=["delegated_to_national"])
        AuthorityEvent.record(
            authority=locked,
            kind=GRANTED if delegated else REVOKED,
            actor=actor,
            reason=reason,
            data={"delegated_to_national": delegated},
        )
        _forget_users(locked)
    return locked


def authority_edit(
    *, authority: Authority, actor, short_name: str, doc_prefix: str, masthead: str, signature: str, reason: str
) -> Authority:
    """Change what ``authority`` prints (short name, 机关代字, masthead, signature block): a national
    administrator only, with a reason; the event keeps each changed value before and after. Refused
    (409) when nothing changes; an empty or too long value is a field error (``ValidationError``)."""
    if not is_national_admin(actor):
        raise Forbidden(MSG_NATIONAL_ONLY, code=error_codes.AUTHORITY_NATIONAL_ONLY)
    reason = reason_clean(reason)
    values = {"short_name": short_name, "doc_prefix": doc_prefix, "masthead": masthead, "signature": signature}
    with transaction.atomic():
        locked = Authority.objects.select_for_update().get(pk=authority.pk)
        changes = {}
        for field, value in values.items():
            value = (value or "").strip()
            before = getattr(locked, field)
            if value != before:
                changes[field] = {"before": before, "after": value}
                setattr(locked, field, value)
        if not changes:
            raise Conflict(MSG_UNCHANGED, code=error_codes.AUTHORITY_UNCHANGED)
        # Blank or too long: one field error each, as a form shows them.
        locked.full_clean(exclude=[f.name for f in Authority._meta.fields if f.name not in EDITABLE])
        locked.save(update_fields=list(changes))
        AuthorityEvent.record(authority=locked, kind=EDITED, actor=actor, reason=reason, data={"changes": changes})
        _forget_users(locked)
    return locked


def _forget_users(authority: Authority) -> None:
    """Drop the cached users of ``authority``: each carries a copy of its row."""
    if not shared_cache():
        return
    for pk in User.objects.filter(authority=authority).values_list("pk", flat=True):
        forget(KEY.format(pk))
