"""One-time case access codes: how a vendor's first user reaches its case (ARCHITECTURE.md §3.3).

Each order carries a code printed in its PDF. A vendor user who is not yet linked to any vendor
claims access with the case number and the code; the claim links the user to the case's vendor.
Only the SHA-256 of the normalised code is stored. Claims are rate-limited per user, per client
address (the real one behind our proxies, ``accounts.client_address``) and per case number, and
every failure answers the same message, so a guess says nothing about whether a case with that
number exists, nor (signing up) whether a user name is taken.
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
from products.models import VendorMembership

# No 0/O, 1/I/L: the code is read off paper and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16  # about 79 bits

# Claims allowed per window, counted before the code is checked (every attempt counts). The case
# limit stops guesses at one case spread over many addresses; it is higher than a client's, so
# another client's mistakes rarely reach a vendor who has the right code.
CLAIM_LIMIT_PER_USER = 5
CLAIM_LIMIT_PER_ADDRESS = 20
CLAIM_LIMIT_PER_CASE = 30
CLAIM_WINDOW_SECONDS = 15 * 60

# Event kinds of this module (cases.events holds the shared ones).
ACCESS_CODE_ISSUED = events.ACCESS_CODE_ISSUED
ACCESS_CLAIMED = events.ACCESS_CLAIMED

MSG_INVALID = _("The case number or the access code is not valid.")
MSG_RATE_LIMITED = _("Too many attempts. Please wait a quarter of an hour and try again.")
MSG_ALREADY_LINKED = _("Your account is already linked to a vendor.")
MSG_NOT_VENDOR = _("Only vendor accounts can claim access to a case.")
# Signing up, a taken user name and a wrong code are one answer: otherwise the form tells anyone
# which user names exist.
MSG_SIGNUP_INVALID = _(
    "The case number, the access code or the user name cannot be used. Check the code printed on "
    "your order, or choose another user name."
)


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


def _case_key(case_number: str) -> str:
    return hashlib.sha256(normalise(case_number).encode()).hexdigest()[:32]


def _throttle(*, user_key: str, address: str, case_number: str) -> None:
    """Count this attempt; refuse once the user, the client address or the case used up its window."""
    over_user = _count(f"access-claim:user:{user_key}") > CLAIM_LIMIT_PER_USER
    over_address = bool(address) and _count(f"access-claim:ip:{address}") > CLAIM_LIMIT_PER_ADDRESS
    over_case = _count(f"access-claim:case:{_case_key(case_number)}") > CLAIM_LIMIT_PER_CASE
    if over_user or over_address or over_case:
        raise RateLimited


def _open_code(*, case_number: str, code: str) -> CaseAccessCode | None:
    """The unused code of a served case matching both, locked; None for every miss."""
    if not normalise(code):
        return None
    return (
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


def _redeem(*, user, access: CaseAccessCode | None) -> VendorMembership:
    """Use the code and link ``user``; raise the one invalid-code error for every miss."""
    if access is None:
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
    _throttle(user_key=str(user.pk), address=address, case_number=case_number)
    with transaction.atomic():
        if VendorMembership.objects.filter(user=user).exists():
            raise Conflict(MSG_ALREADY_LINKED, code=error_codes.ALREADY_LINKED)
        return _redeem(user=user, access=_open_code(case_number=case_number, code=code))


def case_access_claim_signup(
    *, username: str, email: str, password: str, case_number: str, code: str, address: str = ""
) -> VendorMembership:
    """Create a vendor account and claim access with it, in one transaction: a wrong code creates
    no account. A taken user name and a wrong code answer alike (``MSG_SIGNUP_INVALID``), and both
    are looked up every time, so neither the answer nor its timing says which one it was."""
    username = (username or "").strip()
    _throttle(user_key=f"new:{username.lower()}", address=address, case_number=case_number)
    user_model = get_user_model()
    user = user_model(username=username, email=(email or "").strip(), role=Role.VENDOR)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code=error_codes.PASSWORD_INVALID) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            taken = user_model.objects.filter(username__iexact=username).exists()
            access = _open_code(case_number=case_number, code=code)
            if taken or access is None:
                raise AccessCodeInvalid(MSG_SIGNUP_INVALID)
            user.full_clean(exclude=["password"])
            user.save()
            return _redeem(user=user, access=access)
    except ValidationError as exc:
        raise InvalidInput(**exc.message_dict) from None
    except IntegrityError:  # the name was taken meanwhile
        raise AccessCodeInvalid(MSG_SIGNUP_INVALID) from None
