"""``GET /api/v1/inspections/{id}/timeline/``: the inspection's timeline, a cursor page at a time."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts import roles
from cases.selectors import inspection_get_for
from cases.timeline import selectors as timeline
from config.api import error_responses

PAGE_SIZE = 100


class ConsentSerializer(serializers.Serializer):
    at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(
        allow_blank=True,
        help_text="`manual`: marked by a person; `marker`: the hook tool's consent row; empty: not known.",
    )


class TimelineItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The stored observation.")
    job = serializers.IntegerField(source="job_id")
    seq = serializers.IntegerField(help_text="Position in the job's file.")
    tool = serializers.CharField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    party = serializers.CharField(help_text="SDK of a hooked call's stack, or the host of a request or flow.")
    item = serializers.CharField()
    detail = serializers.CharField()
    before_consent = serializers.BooleanField(allow_null=True)
    is_consent = serializers.BooleanField(help_text="This row is the consent marker the timeline uses.")
    finding = serializers.IntegerField(source="finding_id", allow_null=True)
    finding_status = serializers.CharField(allow_blank=True)


class TimelinePageSerializer(serializers.Serializer):
    consent = ConsentSerializer()
    next = serializers.CharField(allow_null=True, help_text="The next rows (a `cursor` link), or null at the end.")
    results = TimelineItemSerializer(many=True)


class InspectionTimelineApi(APIView):
    policy = {"GET": roles.INSPECTION_VIEW}

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, description="Observation kind, e.g. `privacy_api_call`, `http_request`."),
            OpenApiParameter("party", str, description="An SDK package prefix or a host (exact)."),
            OpenApiParameter("consent", str, enum=["before", "after"], description="Before or after consent."),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="Window start (inclusive)."),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="Window end (exclusive)."),
            OpenApiParameter("cursor", str, description="Where to continue: the value given in a `next` link."),
            OpenApiParameter("page_size", int, description=f"Rows per page (default {PAGE_SIZE}, at most 500)."),
        ],
        responses={200: TimelinePageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        inspection = inspection_get_for(actor=request.user, inspection_id=pk)
        filters = timeline.timeline_filters(request.query_params)
        raw = (request.query_params.get("page_size") or "").strip()
        size = int(raw) if raw.isdecimal() and len(raw) <= 4 and int(raw) > 0 else PAGE_SIZE
        page = timeline.timeline_page(
            inspection=inspection, filters=filters, cursor=request.query_params.get("cursor"), size=size
        )
        next_url = (
            replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor) if page.next_cursor else None
        )
        return Response(
            TimelinePageSerializer(
                {
                    "consent": {"at": page.consent.at, "source": page.consent.source},
                    "next": next_url,
                    "results": page.items,
                }
            ).data
        )
