"""API tokens that expire, die with a password change, and can be listed and revoked.

A token is issued on each sign-in through ``POST /api/v1/auth/token/`` and lives
``API_TOKEN_TTL`` seconds. Only its SHA-256 is stored. It stops working when it expires, when its
user is deactivated, when the user's password changes (the stored ``auth_hash`` no longer matches
the user's, whichever way the password was changed: page, admin, ``changepassword``), or when its
user or an administrator (``token.manage``) revokes it.
"""

import datetime
import hashlib
import logging
import secrets

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .errors import NotFound
from .models import ApiToken, User
from .roles import TOKEN_MANAGE, has_perm

logger = logging.getLogger(__name__)

PREFIX_LENGTH = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token for ``user``. Return (token, key): the key is shown once and never stored."""
    key = secrets.token_hex(20)
    ApiToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    token = ApiToken.objects.create(
        user=user,
        key_sha256=_digest(key),
        prefix=key[:PREFIX_LENGTH],
        name=name[:100],
        auth_hash=user.get_session_auth_hash(),
        expires_at=timezone.now() + datetime.timedelta(seconds=settings.API_TOKEN_TTL),
    )
    return token, key


def api_token_alive(token: ApiToken, *, now: datetime.datetime | None = None) -> bool:
    """Whether ``token`` still authenticates: not expired, user active, password unchanged."""
    now = now or timezone.now()
    user = token.user
    return (
        token.expires_at > now
        and user.is_active
        and constant_time_compare(token.auth_hash, user.get_session_auth_hash())
    )


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token with this key, or None. A dead token found this way is deleted."""
    token = ApiToken.objects.select_related("user__authority").filter(key_sha256=_digest(key)).first()
    if token is None:
        return None
    if not api_token_alive(token):
        token.delete()
        return None
    return token


def api_token_list_for(*, actor: User, user_id: int | None = None) -> QuerySet[ApiToken]:
    """The live tokens ``actor`` may see: their own; an administrator's, anyone's (``user_id`` filters)."""
    tokens = ApiToken.objects.select_related("user").filter(expires_at__gt=timezone.now())
    if not has_perm(actor, TOKEN_MANAGE):
        tokens = tokens.filter(user=actor)
    elif user_id is not None:
        tokens = tokens.filter(user_id=user_id)
    alive = [t.pk for t in tokens if api_token_alive(t)]
    return tokens.filter(pk__in=alive)


def api_token_revoke(*, actor: User, token_id: int) -> None:
    """Revoke one token: its user's own, or anyone's for an administrator. Others' are ``NotFound``."""
    tokens = ApiToken.objects.all() if has_perm(actor, TOKEN_MANAGE) else ApiToken.objects.filter(user=actor)
    deleted, _ = tokens.filter(pk=token_id).delete()
    if not deleted:
        raise NotFound
    logger.info("API token %s revoked by user %s", token_id, actor.pk)
