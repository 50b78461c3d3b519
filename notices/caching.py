"""Caching of the public register under a version read from the database.

The version is ``selectors.public_register_stamp()``: the number of issued public notices, of
superseded ones and the latest publication time. A publication or correction changes it in the
same transaction that publishes, so every process (the web process that caches, the worker that
published) sees the new version on its next request, whatever the cache backend: a per-process
memory cache (no ``CACHE_URL``) can no longer serve a page older than the last publication. Each
cached part is keyed by the version; old versions simply expire.
"""

import hashlib
import logging

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils.translation import get_language

from . import selectors

logger = logging.getLogger(__name__)

TIMEOUT = 60 * 60  # an hour: old versions' entries expire; a new version is never served stale
_last_seen = {"version": ""}


def register_version() -> str:
    """The register's current version (one cheap query; read it once per request).

    With the database unreachable the last version this process saw is used, so pages already
    cached keep being served during the outage.
    """
    try:
        version = selectors.public_register_stamp()
    except (OperationalError, InterfaceError):
        if not _last_seen["version"]:
            raise
        logger.warning("register version unreadable, serving the cached version %s", _last_seen["version"])
        return _last_seen["version"]
    _last_seen["version"] = version
    return version


def register_key(name: str, *parts, version: str | None = None) -> str:
    raw = "\x1f".join(str(p) for p in (get_language() or "", *parts))
    version = version if version is not None else register_version()
    digest = hashlib.sha256(version.encode()).hexdigest()[:16]
    return f"notices:register:{digest}:{name}:{hashlib.sha256(raw.encode()).hexdigest()}"


def register_cached(name: str, parts, build, *, version: str | None = None):
    """Return the cached value for (name, parts) in the current language at ``version`` (read
    from the database when not given), building it once."""
    key = register_key(name, *parts, version=version)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value
