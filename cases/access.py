"""One-time case access codes: how a vendor's first user reaches its case (ARCHITECTURE.md §3.3).

Each order carries a code printed in its PDF. A vendor user who is not yet linked to any vendor
claims access with the case number and the code; the claim links the user to the case's vendor.
Only the SHA-256 of the normalised code is stored. Claims are rate-limited per user and per
address, and every failure answers the same message, so a guess says nothing about whether a
case with that number exists.
"""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, DomainError, Forbidden, InvalidInput
from accounts.roles import Role
from cases import error_codes, events
from cases.models import UNSERVED, CaseAccessCode
from products import error_codes as products_error_codes
from products.models import VendorMembership

# No 0/O, 1/I/L: the code is read off paper and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16  # about 79 bits

# Claims allowed per window, counted before the code is checked (every attempt counts).
CLAIM_LIMIT_PER_USER = 5
CLAIM_LIMIT_PER_ADDRESS = 20
CLAIM_WINDOW_SECONDS = 15 * 60

# Event kinds of this module (cases.events holds the shared ones).
ACCESS_CODE_ISSUED = "access_code_issued"
ACCESS_CLAIMED = "access_claimed"

MSG_INVALID = _("The case number or the access code is not valid.")
MSG_RATE_LIMITED = _("Too many attempts. Please wait a quarter of an hour and try again.")
MSG_ALREADY_LINKED = _("Your account is already linked to a vendor.")
MSG_NOT_VENDOR = _("Only vendor accounts can claim access to a case.")
MSG_USERNAME_TAKEN = _("This user name is taken.")


class AccessCodeInvalid(InvalidInput):
    code = error_codes.ACCESS_CODE_INVALID
    default_message = MSG_INVALID


class RateLimited(DomainError):
    code = error_codes.RATE_LIMITED
    status = 429
    default_message = MSG_RATE_LIMITED


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    """SHA-256 of the normalised code. The code is random and long, so a fast unsalted hash is
    enough and lets a claim find the code with one indexed lookup (no timing difference between
    a known and an unknown case number)."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def _generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def case_access_code_issue(*, case, actor=None) -> str:
    """Issue a new one-time code for ``case`` and return it in plain text, this once.

    Codes of earlier letters of the case that were never used stop working: the latest letter
    is the one that counts. Call inside the transaction that publishes the order.
    """
    with transaction.atomic():
        now = timezone.now()
        CaseAccessCode.objects.filter(case=case, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
        code = _generate()
        CaseAccessCode.objects.create(case=case, code_hash=code_hash(code))
        events.record(case=case, kind=ACCESS_CODE_ISSUED, actor=actor)
    return code


def _count(key: str) -> int:
    cache.add(key, 0, CLAIM_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, CLAIM_WINDOW_SECONDS)
        return 1


def _throttle(*, user_key: str, address: str) -> None:
    """Count this attempt; refuse once the user or the address used up its window."""
    over_user = _count(f"access-claim:user:{user_key}") > CLAIM_LIMIT_PER_USER
    over_address = bool(address) and _count(f"access-claim:ip:{address}") > CLAIM_LIMIT_PER_ADDRESS
    if over_user or over_address:
        raise RateLimited


def _redeem(*, user, case_number: str, code: str) -> VendorMembership:
    """Use the code and link ``user``; raise the one invalid-code error for every miss."""
    access = (
        CaseAccessCode.objects.select_for_update()
        .select_related("case")
        .filter(
            code_hash=code_hash(code),
            case__number=(case_number or "").strip().upper(),
            used_at__isnull=True,
            revoked_at__isnull=True,
        )
        .exclude(case__status__in=UNSERVED)  # only a served case's code opens it (Case.objects.served)
        .first()
    )
    if access is None or not normalise(code):
        raise AccessCodeInvalid
    case = access.case
    access.used_at = timezone.now()
    access.used_by = user
    access.save(update_fields=["used_at", "used_by"])
    # The first user of a vendor administers its colleagues.
    first = not VendorMembership.objects.filter(vendor_id=case.vendor_id, is_vendor_admin=True).exists()
    membership = VendorMembership.objects.create(user=user, vendor_id=case.vendor_id, is_vendor_admin=first)
    events.record(case=case, kind=ACCESS_CLAIMED, actor=user, data={"vendor_admin": first})
    return membership


def case_access_claim(*, user, case_number: str, code: str, address: str = "") -> VendorMembership:
    """Link a signed-in vendor user who has no vendor yet to the vendor of the case."""
    if user.role != Role.VENDOR:
        raise Forbidden(MSG_NOT_VENDOR, code=error_codes.NOT_VENDOR_ACCOUNT)
    _throttle(user_key=str(user.pk), address=address)
    with transaction.atomic():
        if VendorMembership.objects.filter(user=user).exists():
            raise Conflict(MSG_ALREADY_LINKED, code=error_codes.ALREADY_LINKED)
        return _redeem(user=user, case_number=case_number, code=code)


def case_access_claim_signup(
    *, username: str, email: str, password: str, case_number: str, code: str, address: str = ""
) -> VendorMembership:
    """Create a vendor account and claim access with it, in one transaction: a wrong code creates
    no account."""
    username = (username or "").strip()
    _throttle(user_key=f"new:{username.lower()}", address=address)
    user_model = get_user_model()
    user = user_model(username=username, email=(email or "").strip(), role=Role.VENDOR)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code=error_codes.PASSWORD_INVALID) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            if user_model.objects.filter(username__iexact=username).exists():
                raise InvalidInput(MSG_USERNAME_TAKEN, code=products_error_codes.USERNAME_TAKEN)
            user.full_clean(exclude=["password"])
            user.save()
            return _redeem(user=user, case_number=case_number, code=code)
    except ValidationError as exc:
        raise InvalidInput(**exc.message_dict) from None
    except IntegrityError:
        raise InvalidInput(MSG_USERNAME_TAKEN, code=products_error_codes.USERNAME_TAKEN) from None
