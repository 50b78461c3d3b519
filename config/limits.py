"""The request-body limit, applied where a request enters, before any middleware or parser reads it.

Django's own limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) covers only form data read through
``request.POST``: DRF's JSON parser reads the stream itself, and the CSRF check reads a whole
multipart body before a view can look at its size. ``BodyLimitMiddleware`` runs first and refuses
a body larger than the view accepts (413, the limit stated) from its ``Content-Length``; a body
sent without one (``Transfer-Encoding: chunked``) is read here up to the limit and refused as soon
as it goes past it.

A view declares a larger limit with ``body_limit`` (an attribute on a class view, the decorator
on a function view): uploads take ``upload_limit`` (``MAX_UPLOAD_BYTES`` and the multipart
framing); every other view accepts ``MAX_BODY_BYTES`` (default 1 MiB).
"""

import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.urls import Resolver404, resolve
from django.utils import translation

from config.api import too_large_response

# Boundaries, part headers and the small fields beside the file(s) of a multipart upload.
MULTIPART_ALLOWANCE = 64 * 1024
CHUNK = 64 * 1024


def default_limit() -> int:
    return settings.MAX_BODY_BYTES


def upload_limit() -> int:
    """A request carrying one upload of at most ``MAX_UPLOAD_BYTES`` (several files share it)."""
    return settings.MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE


# What an upload view's refusal is called in the API (the code its per-file check answers too).
upload_limit.error_code = "file_too_large"


def body_limit(limit: Callable[[], int]):
    """Let a function view accept bodies up to ``limit()`` bytes (class views set ``body_limit``)."""

    def decorate(view):
        view.body_limit = limit
        return view

    return decorate


def limit_for(path_info: str) -> tuple[int, str]:
    """The body limit of the view at ``path_info`` (its declared one, else ``MAX_BODY_BYTES``) and
    the error code of a refusal."""
    try:
        func = resolve(path_info).func
    except Resolver404:
        func = None
    view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    declared = getattr(func, "body_limit", None) or getattr(view_class, "body_limit", None) or default_limit
    return declared(), getattr(declared, "error_code", "request_too_large")


def _declared_length(meta) -> int | None:
    value = (meta.get("CONTENT_LENGTH") or "").strip()
    return int(value) if value.isdigit() else None


def _chunked(meta) -> bool:
    return "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()


def _spool(request, limit: int) -> bool:
    """Read a body sent without Content-Length into a temporary file, at most ``limit`` bytes.

    Django reads nothing of such a body (its stream is limited to a Content-Length of 0); once
    spooled, the request carries the length it turned out to have and parses as usual. Return
    False when the body goes past ``limit`` (the rest is never read).
    """
    source = request.environ["wsgi.input"]
    spool = tempfile.SpooledTemporaryFile(
        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
    )
    size = 0
    while chunk := source.read(min(CHUNK, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            spool.close()
            return False
        spool.write(chunk)
    spool.seek(0)
    request.META["CONTENT_LENGTH"] = str(size)
    request._stream = LimitedStream(spool, size)
    request._body_spool = spool  # closed with the request (see __call__)
    return True


class BodyLimitMiddleware:
    """First in ``MIDDLEWARE``: nothing before it reads the body (session, CSRF, parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = _declared_length(request.META)
        if declared or (declared is None and _chunked(request.META)):
            limit, code = limit_for(request.path_info)
            if declared is not None and declared > limit:
                return self._refuse(request, limit, code)
            if declared is None and request.environ.get("wsgi.input_terminated") and not _spool(request, limit):
                return self._refuse(request, limit, code)
        try:
            return self.get_response(request)
        finally:
            spool = getattr(request, "_body_spool", None)
            if spool is not None:
                spool.close()

    def _refuse(self, request, limit: int, code: str):
        # Runs before LocaleMiddleware: answer in the language the client asks for.
        with translation.override(translation.get_language_from_request(request)):
            response = too_large_response(request, limit, code)
        # No middleware after this one sets it (CommonMiddleware): a client that is still sending
        # reads the whole answer without chunked framing.
        response["Content-Length"] = str(len(response.content))
        return response
