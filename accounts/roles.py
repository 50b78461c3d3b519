"""Role and permission names: the one place they are spelled.

Views and API classes declare which permission each HTTP method needs
(``policy = {"GET": perms.CASE_VIEW, ...}``); ``tests/test_policies.py`` walks every
URL and fails on one that declares nothing.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.errors import Forbidden


class Role(models.TextChoices):
    ADMIN = "admin", _("Regulator admin")
    INSPECTOR = "inspector", _("Inspector")
    REVIEWER = "reviewer", _("Reviewer")
    VENDOR = "vendor", _("Vendor user")


# Pseudo-permissions for views anyone may reach.
PUBLIC = "public"  # anyone, including anonymous visitors
AUTHENTICATED = "authenticated"  # any signed-in user; the view scopes what it shows

# Regulator-side permissions.
REFERENCE_VIEW = "reference.view"  # vendors, products, campaigns, agencies, taxonomy
REFERENCE_EDIT = "reference.edit"
INSPECTION_VIEW = "inspection.view"
INSPECTION_EDIT = "inspection.edit"
FINDING_DECIDE = "finding.decide"
CASE_VIEW = "case.view"
CASE_OPEN = "case.open"
CASE_DECIDE = "case.decide"  # withdraw, decide responses, escalate
NOTICE_DRAFT = "notice.draft"
NOTICE_APPROVE = "notice.approve"
CALENDAR_EDIT = "calendar.edit"
TOKEN_MANAGE = "token.manage"  # list and revoke any user's API tokens
# Delegate to national users (own authority; a national administrator: any) and, national only,
# edit an authority's printed names (accounts.services checks which authority).
AUTHORITY_MANAGE = "authority.manage"
COMPLAINT_VIEW = "complaint.view"  # complaints with the complainants' contacts (regulators only)
COMPLAINT_TRIAGE = "complaint.triage"  # match, merge, dismiss, import; an inspection also needs inspection.edit

# Vendor-side permissions: always scoped to the user's own vendor by selectors.
PORTAL_VIEW = "portal.view"
PORTAL_RESPOND = "portal.respond"

_REGULATOR_READ = {REFERENCE_VIEW, INSPECTION_VIEW, CASE_VIEW, COMPLAINT_VIEW, COMPLAINT_TRIAGE}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        _REGULATOR_READ
        | {
            REFERENCE_EDIT,
            INSPECTION_EDIT,
            FINDING_DECIDE,
            CASE_OPEN,
            CASE_DECIDE,
            NOTICE_DRAFT,
            NOTICE_APPROVE,
            CALENDAR_EDIT,
            TOKEN_MANAGE,
            AUTHORITY_MANAGE,
        }
    ),
    Role.INSPECTOR: frozenset(
        _REGULATOR_READ | {REFERENCE_EDIT, INSPECTION_EDIT, FINDING_DECIDE, CASE_OPEN, NOTICE_DRAFT}
    ),
    Role.REVIEWER: frozenset(_REGULATOR_READ | {FINDING_DECIDE, CASE_OPEN, CASE_DECIDE, NOTICE_DRAFT, NOTICE_APPROVE}),
    Role.VENDOR: frozenset({PORTAL_VIEW, PORTAL_RESPOND}),
}


def has_perm(user, perm: str) -> bool:
    """Answer whether ``user`` holds ``perm`` by its role."""
    if perm == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if perm == AUTHENTICATED:
        return True
    return perm in ROLE_PERMISSIONS.get(user.role, frozenset())


def require(actor, perm: str) -> None:
    """Raise ``Forbidden`` (403) unless ``actor`` holds ``perm``: the one permission check of the
    services (cases, notices, the calendar). Views and API classes declare theirs in ``policy``."""
    if not has_perm(actor, perm):
        raise Forbidden
