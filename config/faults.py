"""Faults answered clearly (ARCHITECTURE.md §10): storage full or read-only, database unreachable.

A full ``MEDIA_ROOT`` (ENOSPC, EDQUOT) answers 507, a read-only or unwritable one (EROFS, EACCES)
503; a database that does not answer (``OperationalError``, ``InterfaceError``) answers 503 with
``Retry-After``. The API answers in its one JSON error shape, pages with a calm page in the
reader's language. Nothing is half saved: the services write inside one transaction, which rolls
back; the storage removes a partial file (``config.storage``) and this middleware removes the files
the failed request stored that no row points to.

``FaultMiddleware.process_exception`` answers faults raised by views; ``answer_fault`` is also
called by ``handler500`` for a fault raised outside a view (a session read in a middleware).
"""

import contextlib
import errno
import logging

from django.apps import apps
from django.db import DatabaseError, InterfaceError, OperationalError, models
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from accounts import error_codes

from .storage import remember_writes

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# How long a client should wait before asking again while the database does not answer.
RETRY_AFTER_SECONDS = 10

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES})

MSG_STORAGE_FULL = _("The file store is full, so nothing was saved. Please try again later.")
MSG_STORAGE_READ_ONLY = _(
    "The file store cannot be written to right now, so nothing was saved. Please try again later."
)
MSG_DATABASE_UNAVAILABLE = _("The service cannot reach its database right now. Please try again in a moment.")
TITLE_STORAGE = _("Nothing was saved")
TITLE_DATABASE = _("Temporarily unavailable")


def classify(exc: BaseException) -> tuple[int, str, object, object] | None:
    """(status, code, title, message) for a fault this module answers, or None for anything else."""
    if isinstance(exc, OperationalError | InterfaceError):
        return 503, error_codes.DATABASE_UNAVAILABLE, TITLE_DATABASE, MSG_DATABASE_UNAVAILABLE
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        if exc.errno in FULL_ERRNOS:
            return 507, error_codes.STORAGE_FULL, TITLE_STORAGE, MSG_STORAGE_FULL
        if exc.errno in READ_ONLY_ERRNOS:
            return 503, error_codes.STORAGE_UNAVAILABLE, TITLE_STORAGE, MSG_STORAGE_READ_ONLY
    return None


def answer_fault(request, exc: BaseException) -> HttpResponse | None:
    """The 507/503 answer to ``exc``, or None when it is not a storage or database fault."""
    fault = classify(exc)
    if fault is None:
        return None
    status, code, title, message = fault
    logger.error("%s on %s %s: %s", code, request.method, request.path, exc)
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"error": {"code": code, "message": str(message), "details": {}}}, status=status)
    else:
        # Rendered without the request: no context processor, session or user lookup can reach the
        # database that may be the very fault being answered.
        html = render_to_string("fault.html", {"status": status, "title": title, "message": message})
        response = HttpResponse(html, status=status)
    if code == error_codes.DATABASE_UNAVAILABLE or status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _file_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def discard_request_files(written) -> None:
    """Remove the files this request stored that no row points to (their transaction rolled back)."""
    fields = _file_fields()
    for storage, name in written:
        try:
            referenced = any(model._base_manager.filter(**{field: name}).exists() for model, field in fields)
        except DatabaseError:
            continue  # cannot tell: leave it to the storage sweep
        if not referenced:
            with contextlib.suppress(OSError):
                storage.delete(name)
                logger.warning("removed %s: stored by a request that failed on a fault", name)


class FaultMiddleware:
    """Answer storage and database faults with 507/503 instead of a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with remember_writes() as written:
            request._rectify_written = written
            return self.get_response(request)

    def process_exception(self, request, exception):
        response = answer_fault(request, exception)
        if response is not None and isinstance(exception, OSError):
            discard_request_files(getattr(request, "_rectify_written", ()))
        return response
