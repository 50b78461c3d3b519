"""A vendor admin invites and removes colleagues (ARCHITECTURE.md §1, vendor user).

The admin gives only the colleague's e-mail address and role. The invitation creates an account
without a password under a placeholder name (``invited-`` and random hex: nobody can sign in with it)
and e-mails a one-time link (Django's password-reset token: it stops working once the password is
set). With that link the invited colleague chooses a user name and a password (``membership_join``).

User names are unique across the whole system. The admin never types one, so the invitation form is
no way to learn which names exist; the invited colleague, holding a valid link, is told that a name
cannot be used (one answer for a taken and a malformed name) and waits an hour after
``JOIN_REFUSALS_PER_HOUR`` refused names. Removing a colleague deactivates the account: memberships
are kept so the audit trail still names who acted.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from accounts.roles import Role
from outbox.jobs import outbox_job_enqueue
from products import error_codes

from .models import VendorEvent, VendorMembership

MSG_NOT_VENDOR_ADMIN = _("Only a vendor admin can manage colleagues.")
MSG_USERNAME_UNAVAILABLE = _("This user name cannot be used; choose another.")
MSG_TOO_MANY_REFUSALS = _("Too many user names were refused. Please wait an hour and try again.")
JOIN_REFUSALS_PER_HOUR = 10
MSG_INVITATION_USED = _("This invitation was already accepted.")
PLACEHOLDER_PREFIX = "invited-"
MSG_EMAIL_REQUIRED = _("An email address is required to send the invitation.")
MSG_NOT_YOURSELF = _("You cannot remove yourself.")
MSG_ALREADY_REMOVED = _("This colleague was already removed.")


class JoinRateLimited(DomainError):
    code = error_codes.RATE_LIMITED
    status = 429
    default_message = MSG_TOO_MANY_REFUSALS


def _refusals_key(user) -> str:
    return f"vendor-join-refused:{user.pk}"


def _refuse_name(user) -> InvalidInput:
    """Count a refused name for the invited ``user``; the one answer for a taken or malformed name."""
    key = _refusals_key(user)
    cache.add(key, 0, 3600)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
    return InvalidInput(MSG_USERNAME_UNAVAILABLE, code=error_codes.USERNAME_UNAVAILABLE)


def _admin_membership(actor) -> VendorMembership:
    membership = VendorMembership.objects.select_related("vendor").filter(user=actor).first()
    if (
        membership is None
        or not membership.is_vendor_admin
        or not actor.is_active
        or getattr(actor, "role", None) != Role.VENDOR
    ):
        raise Forbidden(MSG_NOT_VENDOR_ADMIN, code=error_codes.NOT_VENDOR_ADMIN)
    return membership


def membership_list(*, actor) -> QuerySet[VendorMembership]:
    """The colleagues of a vendor admin (everyone of the admin's vendor)."""
    admin = _admin_membership(actor)
    return VendorMembership.objects.filter(vendor=admin.vendor).select_related("user").order_by("user__username")


def invitation_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("portal:invitation", args=[uid, default_token_generator.make_token(user)])


def is_pending(user) -> bool:
    """Invited, and not joined yet: no password chosen (nor, since invitations ask no name, a user
    name; one invited before that keeps the name the admin gave until joining)."""
    return user.is_active and not user.has_usable_password()


def display_name(user) -> str:
    """The user name, or the e-mail address of someone invited who never chose one."""
    return user.email if user.username.startswith(PLACEHOLDER_PREFIX) else user.username


def membership_invite(*, actor, email: str, is_vendor_admin: bool = False) -> VendorMembership:
    """Create a colleague's account at the admin's vendor and email the link to join (choose a user
    name and a password)."""
    admin = _admin_membership(actor)
    email = (email or "").strip()
    if not email:
        raise InvalidInput(MSG_EMAIL_REQUIRED, code=error_codes.EMAIL_REQUIRED)
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model(username=PLACEHOLDER_PREFIX + secrets.token_hex(12), email=email, role=Role.VENDOR)
        user.set_unusable_password()
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise InvalidInput(**exc.message_dict) from None
        user.save()
        membership = VendorMembership.objects.create(user=user, vendor=admin.vendor, is_vendor_admin=is_vendor_admin)
        _record(membership, kind=VendorEvent.MEMBER_INVITED, actor=actor)
        # Sent once the account exists for good (a rolled-back invitation sends nothing), by the
        # outbox: a mail server that is down delays the e-mail instead of losing it.
        outbox_job_enqueue(
            kind=INVITATION_JOB,
            key=f"{INVITATION_JOB}:{membership.pk}",
            payload={"membership_id": membership.pk, "inviter_id": actor.pk},
            actor=actor,
        )
    return membership


def membership_join(*, user, username: str, password: str) -> VendorMembership:
    """The invited ``user`` (who followed a valid invitation link) chooses a user name and password.

    ``password`` is checked by the caller's form (Django's password validators). A taken or
    malformed name answers ``username_unavailable``; after ``JOIN_REFUSALS_PER_HOUR`` of them the
    invited colleague waits an hour (``rate_limited``).
    """
    username = (username or "").strip()
    if (cache.get(_refusals_key(user)) or 0) >= JOIN_REFUSALS_PER_HOUR:
        raise JoinRateLimited
    user_model = get_user_model()
    with transaction.atomic():
        locked = user_model.objects.select_for_update().get(pk=user.pk)
        membership = VendorMembership.objects.select_related("user").filter(user=locked).first()
        if membership is None or not is_pending(locked):
            raise Conflict(MSG_INVITATION_USED, code=error_codes.INVITATION_USED)
        if username.lower().startswith(PLACEHOLDER_PREFIX) or (
            user_model.objects.filter(username__iexact=username).exclude(pk=locked.pk).exists()
        ):
            raise _refuse_name(locked)
        locked.username = username
        try:
            locked.full_clean(exclude=["password"])
        except ValidationError as exc:
            if "username" in exc.message_dict:
                raise _refuse_name(locked) from None
            raise InvalidInput(**exc.message_dict) from None
        locked.set_password(password)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:  # the same name chosen at the same moment by someone else
            raise _refuse_name(locked) from None
        membership.user = locked
        _record(membership, kind=VendorEvent.MEMBER_JOINED, actor=locked)
    return membership


INVITATION_JOB = "vendor.invitation"


def membership_invitation_send(*, membership_id: int, inviter_id: int) -> bool:
    """Send the invitation e-mail of a membership (the outbox handler, ``products.tasks``);
    a colleague removed meanwhile gets none. Answer whether it went."""
    membership = VendorMembership.objects.select_related("user", "vendor").get(pk=membership_id)
    user, inviter = membership.user, get_user_model().objects.get(pk=inviter_id)
    if not user.is_active:
        return False
    link = getattr(settings, "SITE_URL", "").rstrip("/") + invitation_path(user)
    context = {"vendor": membership.vendor, "inviter": inviter, "user": user, "link": link}
    bodies = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            bodies.append(render_to_string(f"emails/{language}/invitation.txt", context).strip())
    EmailMessage(
        subject="Rectify 账户邀请 / Rectify account invitation",
        body="\n\n----------------------------------------\n\n".join(bodies) + "\n",
        to=[user.email],
    ).send()
    return True


def membership_remove(*, actor, user_id: int) -> VendorMembership:
    """Deactivate a colleague of the admin's vendor. Another vendor's user looks missing."""
    admin = _admin_membership(actor)
    with transaction.atomic():
        membership = (
            VendorMembership.objects.select_for_update()
            .select_related("user")
            .filter(vendor=admin.vendor, user_id=user_id)
            .first()
        )
        if membership is None:
            raise NotFound
        if membership.user_id == actor.pk:
            raise Conflict(MSG_NOT_YOURSELF, code=error_codes.CANNOT_REMOVE_SELF)
        if not membership.user.is_active:
            raise Conflict(MSG_ALREADY_REMOVED, code=error_codes.ALREADY_REMOVED)
        membership.user.is_active = False
        membership.user.save(update_fields=["is_active"])
        _record(membership, kind=VendorEvent.MEMBER_REMOVED, actor=actor)
    return membership


def _record(membership: VendorMembership, *, kind: str, actor) -> VendorEvent:
    """The audit row of a change to the vendor's people, in the transaction that made it."""
    user = membership.user
    return VendorEvent.record(
        vendor_id=membership.vendor_id,
        kind=kind,
        actor=actor,
        data={
            "user_id": user.pk,
            "username": "" if user.username.startswith(PLACEHOLDER_PREFIX) else user.username,
            "email": user.email,
            "vendor_admin": membership.is_vendor_admin,
        },
    )


def vendor_event_list(*, actor, limit: int = 50) -> list[VendorEvent]:
    """The latest changes to a vendor admin's colleagues, newest first."""
    admin = _admin_membership(actor)
    return list(
        VendorEvent.objects.filter(vendor=admin.vendor).select_related("actor").order_by("-created_at", "-id")[:limit]
    )
