"""API wiring: pagination and the one JSON error shape (with its schema for the docs).

Every error answers ``{"error": {"code": ..., "message": ..., "details": ...}}``. Field errors
keep their codes: ``details = {"field": [{"message": ..., "code": ...}]}``.
"""

import sys

import django_filters
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.errors import DomainError

from . import faults
from .lists import COUNT_LIMIT, InvalidCursor, Keyset, capped_count, decode_cursor, encode_cursor

MSG_INVALID = _("Invalid input.")
MSG_TOO_LARGE = _("The request is too large.")
MSG_TOO_LARGE_LIMIT = _("The request is too large: at most %(limit)s may be sent here.")
MSG_TOO_MANY_FIELDS = _("The request has too many fields or files.")
MSG_BAD_REQUEST = _("The request could not be read.")
MSG_NO_SUCH_URL = _("No such address in the API.")
MSG_SERVER_ERROR = _("The server could not answer this request.")
MSG_INVALID_CURSOR = _("This cursor is not one this list gave: follow the next and previous links.")
MSG_PAGE_TOO_DEEP = _(
    "Pages reach the first %(limit)s rows only: follow the next link (a cursor) to go further, or narrow the filters."
)
MSG_INVALID_PAGE = _("Invalid page.")
API_PREFIX = "/api/"


def _positive(value, default: int | None = None) -> int | None:
    """A query parameter read as a positive number of at most 9 decimal digits, else ``default``."""
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) <= 9 and int(value) > 0 else default


class Pagination(BasePagination):
    """Every API list: ``{count, count_exact, next, previous, results}`` (docs/ARCHITECTURE.md,
    "Lists at scale").

    - ``next`` and ``previous`` carry a ``cursor``: the rows after (before) the last (first) row
      shown, in the list's order made unique by the id. A deep page costs what the first one does.
    - ``?page=N`` still works for the first ``COUNT_LIMIT`` rows; deeper, 400 ``page_too_deep``.
    - ``count`` is exact when ``count_exact`` is true; otherwise there are more than ``count``
      rows (the total is counted up to ``COUNT_LIMIT``, so that it stays cheap).

    A list whose order cannot be sought (an expression, a nullable field) keeps plain numbered
    pages without the depth bound; its ``next`` and ``previous`` are page links.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_param = "page"
    cursor_query_param = "cursor"
    count_limit = COUNT_LIMIT  # totals are exact up to this many rows
    max_offset = COUNT_LIMIT  # ?page= reaches this many rows

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = min(_positive(request.query_params.get(self.page_size_query_param), self.page_size), self.max_page_size)
        keyset = Keyset(queryset) if Keyset.supports(queryset) else None
        self.next_url = self.previous_url = None
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None and keyset is None:
            raise _invalid(self.cursor_query_param, MSG_INVALID_CURSOR, "invalid_cursor")
        if cursor is not None:
            rows = self._by_cursor(keyset, cursor, size)
        else:
            rows = self._by_page(queryset, keyset, size)
        # A list read as dicts (config.rows) counts on its queryset without the columns' joins.
        self.count, self.count_exact = capped_count(getattr(queryset, "count_from", queryset), self.count_limit)
        return rows

    def _by_cursor(self, keyset: Keyset, cursor: str, size: int) -> list:
        try:
            payload = decode_cursor(cursor)
            after, before = payload.get("a"), payload.get("b")
            if (after is None) == (before is None):
                raise InvalidCursor
            rows, more = keyset.page(size, after=after, before=before)
        except InvalidCursor:
            raise _invalid(self.cursor_query_param, MSG_INVALID_CURSOR, "invalid_cursor") from None
        if rows:
            if after is not None or more:
                self.previous_url = self._cursor_url({"b": keyset.values_of(rows[0])})
            if before is not None or more:
                self.next_url = self._cursor_url({"a": keyset.values_of(rows[-1])})
        return rows

    def _by_page(self, queryset, keyset: Keyset | None, size: int) -> list:
        raw = self.request.query_params.get(self.page_query_param)
        number = 1 if raw is None else _positive(raw)
        if number is None:
            raise exceptions.NotFound(MSG_INVALID_PAGE)
        offset = (number - 1) * size
        if keyset is not None and offset >= self.max_offset and offset > 0:
            message = MSG_PAGE_TOO_DEEP % {"limit": self.max_offset}
            raise _invalid(self.page_query_param, message, "page_too_deep")
        ordered = queryset.order_by(*keyset.ordering) if keyset is not None else queryset
        rows = list(ordered[offset : offset + size + 1])
        if not rows and number > 1:
            raise exceptions.NotFound(MSG_INVALID_PAGE)
        more = len(rows) > size
        rows = rows[:size]
        url = remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        if number > 1:
            self.previous_url = (
                replace_query_param(url, self.page_query_param, number - 1)
                if number > 2
                else remove_query_param(url, self.page_query_param)
            )
        if more:
            self.next_url = (
                self._cursor_url({"a": keyset.values_of(rows[-1])})
                if keyset is not None
                else replace_query_param(url, self.page_query_param, number + 1)
            )
        return rows

    def _cursor_url(self, payload: dict) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, encode_cursor(payload))

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.next_url,
                "previous": self.previous_url,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_exact", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 123,
                    "description": f"Rows matching: exact when `count_exact`, else more than this (counted up to "
                    f"{COUNT_LIMIT}).",
                },
                "count_exact": {"type": "boolean", "description": f"False: more than `count` ({COUNT_LIMIT}) rows."},
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next rows (a `cursor` link), or null at the end.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The rows before these, or null at the start.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        integer = {"type": "integer"}
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where to continue: the value given in a `next` or `previous` link (opaque).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"A page number, for the first {COUNT_LIMIT} rows (deeper: 400 `page_too_deep`; "
                "follow `next`).",
                "schema": integer,
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size}).",
                "schema": integer,
            },
        ]


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds the view's filter set and its form for every request
    (a deep copy of each filter and form field: about a millisecond). A request whose parameters
    name none of the filters (``page_size``, ``cursor``, nothing) gets the queryset as it is,
    which is what the filter set answers then: each filter returns the queryset as given for an
    empty value. A filter set with a required filter is always built (it refuses the request)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not _names_a_filter(request.query_params, filterset_class):
            return queryset
        return super().filter_queryset(request, queryset, view)


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with its form class built once per class and model, not for every
    request (each filter's form field, its label, a new class: about half of a filtered list's
    filtering cost, issue 14). The form itself is still made per request from the data. For
    filters whose fields do not depend on the request (no ``queryset`` callable on the request):
    every filter set of the API's lists."""

    def get_form_class(self):
        cache = type(self).__dict__.get("_form_classes")
        if cache is None:
            cache = {}
            type(self)._form_classes = cache
        model = self.queryset.model
        form_class = cache.get(model)
        if form_class is None:
            form_class = cache[model] = super().get_form_class()
        return form_class


def _names_a_filter(params, filterset_class) -> bool:
    filters = filterset_class.base_filters
    if any(f.extra.get("required") for f in filters.values()):
        return True
    # A range filter's form reads ``date_after`` and ``date_before``: any key starting with a name.
    return any(key == name or key.startswith(f"{name}_") for key in params for name in filters)


def _invalid(field: str, message, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(str(message), code=code)]})


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
    429: "Too many requests: failed sign-ins (`login_locked_out`), complaints from one address (`throttled`).",
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

    Every operation: 503 (database or file store unreachable, ``config.faults``). Every paginated
    list: 400 (a cursor it did not give, a page too deep). Every operation with a body: 413 (over
    the body-size limit, checked before parsing) and 415 (a content type it does not read). Every
    upload (a binary field): 507 (file store full). An operation that already
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
            if any(p.get("name") == Pagination.cursor_query_param for p in operation.get("parameters", [])):
                # Every paginated list may answer 400 (`invalid_cursor`, `page_too_deep`).
                responses.setdefault(
                    "400",
                    {"content": {"application/json": {"schema": _ERROR_REF}}, "description": _ERROR_TEXT[400]},
                )
            operation["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
    shared = result.setdefault("components", {}).setdefault("responses", {})
    for code, name in _COMMON_RESPONSES.items():
        shared[name] = {"content": {"application/json": {"schema": _ERROR_REF}}, "description": _ERROR_TEXT[code]}
    return result
