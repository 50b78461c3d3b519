"""The public register while the database does not answer (ARCHITECTURE.md §10).

Each register page and the feed keep their last good answer to an anonymous GET in the cache, per
language and address (the open data, streamed, keeps a file of its own: ``notices.exports``). When a
later request fails because the database cannot be reached, that copy is served (marked
``X-Register-Copy: stale``); with no copy the fault goes on to ``config.faults`` (503 with
``Retry-After``). The copy holds no session data: it is taken only from answers to anonymous
visitors, and the CSRF token of the language switch is cut out (the switch then simply asks again
once the database is back).
"""

import hashlib
import logging
import re
from functools import wraps

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

TIMEOUT = 7 * 24 * 3600  # a week: outages are short, the copy only has to bridge one
CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


def _key(request) -> str:
    raw = "\x1f".join([get_language() or "", request.get_host(), request.get_full_path()])
    return f"notices:register:last-good:{hashlib.sha256(raw.encode()).hexdigest()}"


def _keep(request, response) -> None:
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return
    if request.user.is_authenticated:  # a page for a signed-in user names them: never shared
        return
    headers = {name: response[name] for name in KEPT_HEADERS if name in response}
    try:
        cache.set(_key(request), (CSRF_INPUT.sub(b"", response.content), headers), TIMEOUT)
    except Exception:  # the cache is a help here, never a reason to fail the page
        logger.warning("could not keep the register copy of %s", request.path, exc_info=True)


def _copy(request) -> HttpResponse | None:
    try:
        stored = cache.get(_key(request))
    except Exception:
        return None
    if stored is None:
        return None
    content, headers = stored
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    response["X-Register-Copy"] = "stale"
    response["Cache-Control"] = "no-store"
    return response


def last_good_copy(view):
    """Serve the last good answer of ``view`` when the database does not answer."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except (OperationalError, InterfaceError):
            response = _copy(request)
            if response is None:
                raise
            logger.warning("database unavailable: served the kept copy of %s", request.get_full_path())
            return response
        _keep(request, response)
        return response

    return wrapped
