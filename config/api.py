"""API wiring: pagination and the one JSON error shape (with its schema for the docs).

Every error answers ``{"error": {"code": ..., "message": ..., "details": ...}}``. Field errors
keep their codes: ``details = {"field": [{"message": ..., "code": ...}]}``.
"""

import sys

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.errors import DomainError

from . import faults

MSG_INVALID = _("Invalid input.")
MSG_TOO_LARGE = _("The request is too large.")
MSG_TOO_LARGE_LIMIT = _("The request is too large: at most %(limit)s may be sent here.")
MSG_TOO_MANY_FIELDS = _("The request has too many fields or files.")
MSG_BAD_REQUEST = _("The request could not be read.")
MSG_NO_SUCH_URL = _("No such address in the API.")
MSG_SERVER_ERROR = _("The server could not answer this request.")
API_PREFIX = "/api/"


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _body(code: str, message, details=None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def _django_error_details(exc: DjangoValidationError) -> dict:
    """Django's ValidationError as ``{field: [{"message", "code"}]}``, like DRF's full details."""
    errors = exc.error_dict if hasattr(exc, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: exc.error_list}
    details = {}
    for field, items in errors.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
        details[key] = [
            {
                "message": str(item.message % item.params if item.params else item.message),
                "code": item.code or "invalid",
            }
            for item in items
        ]
    return details


def not_found(request, exception=None):
    """``handler404``: an unknown address under /api/ answers in the error shape, pages as usual."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(_body("not_found", MSG_NO_SUCH_URL), status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """``handler500``: the error shape for the API, Django's page elsewhere.

    A storage or database fault raised outside a view (a middleware reading the session) is still
    answered 507/503 by ``config.faults``, like one raised inside.
    """
    fault = faults.answer_fault(request, sys.exc_info()[1]) if sys.exc_info()[1] is not None else None
    if fault is not None:
        return fault
    if request.path.startswith(API_PREFIX):
        return JsonResponse(_body("server_error", MSG_SERVER_ERROR), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request)


def _too_large_body(max_bytes: int | None, code: str = "request_too_large") -> dict:
    if max_bytes is None:
        return _body(code, MSG_TOO_LARGE)
    message = MSG_TOO_LARGE_LIMIT % {"limit": filesizeformat(max_bytes)}
    return _body(code, message, {"max_bytes": max_bytes})


def too_large_response(request, max_bytes: int | None, code: str = "request_too_large"):
    """413 for a body over its limit: the error shape under /api/, a page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(_too_large_body(max_bytes, code), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    message = _too_large_body(max_bytes)["error"]["message"]
    return render(request, "413.html", {"message": message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def bad_request(request, exception=None):
    """``handler400``: a body over Django's limits answers 413 (or 400 for too many fields) in the
    error shape under /api/; pages keep Django's 400 page, except the 413 page for a large body."""
    if isinstance(exception, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        return too_large_response(request, None)
    if not request.path.startswith(API_PREFIX):
        return defaults.bad_request(request, exception)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return JsonResponse(_body("too_many_fields", MSG_TOO_MANY_FIELDS), status=status.HTTP_400_BAD_REQUEST)
    return JsonResponse(_body("bad_request", MSG_BAD_REQUEST), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(_body(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        return Response(_body("invalid", MSG_INVALID, _django_error_details(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(_too_large_body(None), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response(_body("too_many_fields", MSG_TOO_MANY_FIELDS), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # DRF answers 403 when the first authentication class (session) has no challenge; a client
        # without credentials is told 401 and how to authenticate (a token, see /api/v1/auth/token/).
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response["WWW-Authenticate"] = "Token"
    if isinstance(exc, exceptions.ValidationError):
        full = exc.get_full_details()
        details = full if isinstance(full, dict) else {api_settings.NON_FIELD_ERRORS_KEY: full}
        response.data = _body("invalid", MSG_INVALID, details)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        detail = getattr(exc, "detail", str(exc))
        response.data = _body(code if isinstance(code, str) else "error", detail)
    return response


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`, `not_found`.")
    message = serializers.CharField(help_text="Translated message for people (Accept-Language).")
    details = serializers.DictField(
        help_text="For `invalid`: `{field: [{message, code}]}`; for domain errors: their context."
    )


class ErrorResponseSerializer(serializers.Serializer):
    """The one error shape of every API response with status 4xx."""

    error = ErrorBodySerializer()


_ERROR_TEXT = {
    400: "Invalid input (`invalid` with field details, `too_many_fields`, or a domain code).",
    401: "Not authenticated (`not_authenticated`, `authentication_failed`).",
    403: "Not permitted (`permission_denied`).",
    404: "Missing, or not visible to you (`not_found`): both look the same.",
    409: "The object is not in a state that allows this (e.g. `case_transition_not_allowed`).",
    413: "A file or the request is too large (`file_too_large`, `request_too_large`).",
    415: "A content type this operation does not read (`unsupported_media_type`).",
    429: "Too many failed sign-ins (`login_locked_out`).",
    503: "Unavailable for now; try again after `Retry-After` seconds (`database_unavailable`, `storage_unavailable`).",
    507: "The file store is full; nothing was saved (`storage_full`).",
}


def error_responses(*statuses: int) -> dict:
    """OpenAPI responses for the given error statuses, each with the one error shape."""
    return {code: OpenApiResponse(ErrorResponseSerializer, description=_ERROR_TEXT[code]) for code in statuses}


_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
# Shared under components/responses, referenced by each operation.
_COMMON_RESPONSES = {413: "RequestTooLarge", 415: "UnsupportedMediaType", 503: "Unavailable", 507: "StorageFull"}


def _has_file_field(result: dict, request_body: dict) -> bool:
    schema = request_body.get("content", {}).get("multipart/form-data", {}).get("schema", {})
    if "$ref" in schema:
        schema = result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    properties = schema.get("properties", {}).values()
    return any("binary" in (prop.get("format"), prop.get("items", {}).get("format")) for prop in properties)


def document_common_errors(result, generator, **kwargs):
    """drf-spectacular postprocessing hook: the errors any operation may answer, whatever its view.

    Every operation: 503 (database or file store unreachable, ``config.faults``). Every operation
    with a body: 413 (over the body-size limit, checked before parsing) and 415 (a content type it
    does not read). Every upload (a binary field): 507 (file store full). An operation that already
    documents one of these keeps its own description.
    """
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = [503]
            body = operation.get("requestBody")
            if body:
                statuses += [413, 415]
                if _has_file_field(result, body):
                    statuses.append(507)
            for code in statuses:
                responses.setdefault(str(code), {"$ref": f"#/components/responses/{_COMMON_RESPONSES[code]}"})
            operation["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
    shared = result.setdefault("components", {}).setdefault("responses", {})
    for code, name in _COMMON_RESPONSES.items():
        shared[name] = {"content": {"application/json": {"schema": _ERROR_REF}}, "description": _ERROR_TEXT[code]}
    return result
