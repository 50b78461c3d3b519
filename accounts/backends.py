"""The signed-in user of each request, read from the shared cache rather than the database (issue 14).

Every page and API call looks its user up by the id in the session: one query per request, as
much as many pages' own work. With a shared cache (``CACHE_URL``, Redis) the user row is kept there
and dropped whenever the user is saved or deleted (a password change, a deactivation, a new role:
every write of a user goes through ``save()``; nothing in the project updates users in bulk), so
the next request reads it afresh. Sign-in itself (``authenticate``) always reads the database.

Without a shared cache (each process its own memory) nothing is cached: a change saved in one
process could not drop another's copy.
"""

import contextlib
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

KEY = "accounts:user:{}"
# A backstop only: every change drops the entry at once.
TTL_SECONDS = 300


def shared_cache() -> bool:
    return bool(getattr(settings, "CACHE_URL", ""))


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        if not shared_cache():
            return super().get_user(user_id)
        key = KEY.format(user_id)
        try:
            user = cache.get(key)
        except Exception:  # the cache does not answer: the database does
            logger.warning("user cache unavailable", exc_info=True)
            return super().get_user(user_id)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            with contextlib.suppress(Exception):
                cache.set(key, user, TTL_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget(key: str) -> None:
    """Drop ``key`` from the shared cache now and again once the transaction commits: a request
    reading the row in between (the old row, not yet committed) may have put it back."""
    if not shared_cache():
        return

    def drop():
        with contextlib.suppress(Exception):
            cache.delete(key)

    drop()
    transaction.on_commit(drop)


def forget_user(sender, instance, **kwargs) -> None:
    """Drop the cached copy of a user that was saved or deleted (connected in ``AccountsConfig``)."""
    if instance.pk is not None:
        forget(KEY.format(instance.pk))
