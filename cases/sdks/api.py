"""The SDK fan-out API (issue 18): an SDK's fan-out, an SDK case's linked cases, removal decisions.

One ``APIView`` per operation (none is a record of a collection); each parses, calls one selector or
service and serializes. The letters' operation is in ``notices.api`` (notices sit above cases).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles as perms
from accounts.errors import NotFound
from cases import selectors
from cases.sdks import selectors as sdk_selectors
from cases.sdks import services as sdk_services
from cases.sdks.serializers import (
    EmbeddingDecisionSerializer,
    EmbeddingSerializer,
    FanoutQuerySerializer,
    FanoutSerializer,
    OpenedCasesSerializer,
)
from config.api import error_responses
from products.models import Product, ProductKind


class SdkFanoutApi(APIView):
    """The app versions embedding an SDK, by vendor, app and version, with the evidence of each link."""

    policy = {"GET": perms.CASE_VIEW}

    @extend_schema(
        summary="The fan-out of an SDK",
        description="Counts of apps, vendors and versions embedding the SDK (links in place), and a page of "
        "the links in (vendor, app, version) order; `next` is passed as `after` for the next page. "
        "Read from one index: a page costs the same at any depth.",
        parameters=[FanoutQuerySerializer],
        responses={200: FanoutSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        sdk = Product.objects.filter(pk=pk, kind=ProductKind.SDK).only("id", "name").first()
        if sdk is None:
            raise NotFound
        query = FanoutQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        after = sdk_selectors.parse_token(query.validated_data.get("after"))
        rows = sdk_selectors.sdk_fanout_rows(sdk_id=sdk.pk, after=after, limit=limit + 1)
        summary = sdk_selectors.sdk_fanout_summary(sdk_id=sdk.pk)
        more = len(rows) > limit
        rows = rows[:limit]
        data = {
            "sdk_id": sdk.pk,
            "sdk": sdk.name,
            "apps": summary.apps,
            "vendors": summary.vendors,
            "versions": summary.versions,
            "removal_proposed": summary.removal_proposed,
            "results": EmbeddingSerializer(rows, many=True).data,
            "next": sdk_selectors.row_token(rows[-1]) if more and rows else None,
        }
        return Response(data)


class SdkFanoutCasesApi(APIView):
    """Open one linked case per app version of an SDK case's fan-out (audited on both cases)."""

    policy = {"POST": perms.CASE_OPEN}

    @extend_schema(
        summary="Open linked cases for the apps embedding an SDK case's SDK",
        request=None,
        responses={201: OpenedCasesSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        case = selectors.case_get_for(actor=request.user, case_id=pk)
        opened = sdk_services.sdk_linked_cases_open(actor=request.user, case=case)
        return Response(OpenedCasesSerializer({"cases": opened}).data, status=status.HTTP_201_CREATED)


class _EmbeddingDecisionApi(APIView):
    policy = {"POST": perms.CASE_DECIDE}
    decide = None

    def post(self, request, pk: int):
        embedding = sdk_selectors.embedding_get(embedding_id=pk)
        body = EmbeddingDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = type(self).decide(actor=request.user, embedding=embedding, reason=body.validated_data["reason"])
        return Response(EmbeddingSerializer(decided).data)


class EmbeddingConfirmRemovalApi(_EmbeddingDecisionApi):
    decide = staticmethod(sdk_services.embedding_removal_confirm)

    @extend_schema(
        summary="Confirm that an app no longer embeds the SDK (closes the link a re-test proposed to close)",
        request=EmbeddingDecisionSerializer,
        responses={200: EmbeddingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class EmbeddingRefuseRemovalApi(_EmbeddingDecisionApi):
    decide = staticmethod(sdk_services.embedding_removal_refuse)

    @extend_schema(
        summary="Refuse a proposed removal (the link stays); a reason is required",
        request=EmbeddingDecisionSerializer,
        responses={200: EmbeddingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)
