"""Caching of the public register. One version key; publishing bumps it, so every cached page
of the register is invalidated at once without enumerating keys.
"""

import hashlib
import uuid

from django.core.cache import cache
from django.utils.translation import get_language

VERSION_KEY = "notices:register:version"
TIMEOUT = 60 * 60  # an hour; publication invalidates sooner


def register_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add() keeps a version another process set meanwhile.
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY, version)
    return version


def register_bump() -> None:
    """Invalidate every cached register page (call on commit of a publication)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def register_key(name: str, *parts) -> str:
    raw = "\x1f".join(str(p) for p in (get_language() or "", *parts))
    return f"notices:register:{register_version()}:{name}:{hashlib.sha256(raw.encode()).hexdigest()}"


def register_cached(name: str, parts, build):
    """Return the cached value for (name, parts) in the current language, building it once."""
    key = register_key(name, *parts)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value
