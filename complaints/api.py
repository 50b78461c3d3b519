"""REST API for complaints (ARCHITECTURE.md §13): the regulators' collection with its moves, the
import of an export, and the public door (send a complaint; read its status by the private token).

Thin: validate, call one service or workflow move, serialize. Regulators' objects come from
``complaints.selectors``, scoped to the caller: anyone without ``COMPLAINT_VIEW`` finds nothing.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles as perms
from complaints import selectors, services, workflow
from complaints.importing.service import complaint_import
from complaints.serializers import (
    ComplaintImportSerializer,
    ComplaintSerializer,
    ComplaintSubmitSerializer,
    ComplaintSubmittedSerializer,
    DismissSerializer,
    ImportUploadSerializer,
    MatchSerializer,
    MergeSerializer,
    OpenInspectionSerializer,
    PublicStatusSerializer,
)
from complaints.throttles import ComplaintSubmitThrottle
from config import limits
from config.api import error_responses

_MOVE_ERRORS = error_responses(400, 401, 403, 404, 409)
_TRIAGE = {"POST": perms.COMPLAINT_TRIAGE}


@extend_schema_view(
    list=extend_schema(
        summary="List complaints (regulators; with the complainants' contacts)",
        responses={200: ComplaintSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary="One complaint", responses={200: ComplaintSerializer, **error_responses(401, 403, 404)}
    ),
)
class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    policy = {"GET": perms.COMPLAINT_VIEW}
    serializer_class = ComplaintSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.complaint_list(
            actor=self.request.user,
            status=params.get("status", "")[:16],
            channel=params.get("channel", "")[:16],
            subject_kind=params.get("subject_kind", "")[:16],
        ).prefetch_related("attachments")

    def get_object(self):
        return selectors.complaint_get_for(actor=self.request.user, complaint_id=self.kwargs["pk"])

    def _move(self, request, serializer_class, move):
        complaint = self.get_object()
        data = serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        moved = move(complaint=complaint, actor=request.user, **data.validated_data)
        return Response(
            ComplaintSerializer(selectors.complaint_get_for(actor=request.user, complaint_id=moved.pk)).data
        )

    @extend_schema(
        summary="Match to a vendor and/or product",
        request=MatchSerializer,
        responses={200: ComplaintSerializer, **_MOVE_ERRORS},
    )
    @action(detail=True, methods=["post"], policy=_TRIAGE)
    def match(self, request, pk=None):
        return self._move(request, MatchSerializer, workflow.match_complaint)

    @extend_schema(
        summary="Merge into another complaint",
        request=MergeSerializer,
        responses={200: ComplaintSerializer, **_MOVE_ERRORS},
    )
    @action(detail=True, methods=["post"], policy=_TRIAGE)
    def merge(self, request, pk=None):
        return self._move(request, MergeSerializer, workflow.merge_complaint)

    @extend_schema(
        summary="Dismiss with a reason (the complainant sees it)",
        request=DismissSerializer,
        responses={200: ComplaintSerializer, **_MOVE_ERRORS},
    )
    @action(detail=True, methods=["post"], policy=_TRIAGE)
    def dismiss(self, request, pk=None):
        return self._move(request, DismissSerializer, workflow.dismiss_complaint)

    @extend_schema(
        summary="Open an inspection of the matched product",
        request=OpenInspectionSerializer,
        responses={200: ComplaintSerializer, **_MOVE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="open-inspection", policy={"POST": perms.INSPECTION_EDIT})
    def open_inspection(self, request, pk=None):
        return self._move(request, OpenInspectionSerializer, workflow.open_inspection_complaint)


class ComplaintImportApi(APIView):
    """Import a platform's export (CSV or XLSX, docs/COMPLAINTS.md §2)."""

    policy = {"POST": perms.COMPLAINT_TRIAGE}
    parser_classes = [MultiPartParser]
    body_limit = limits.upload_limit

    @extend_schema(
        summary="Import a complaint export",
        description="`multipart/form-data` with `file` (CSV or XLSX) and optionally `mapping` "
        "(`heimao`, `12321`, `generic`; recognised from the headers when empty). Answers the counts and every "
        "refused row with its reason; rows imported before (same channel and number) are counted as known.",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ComplaintImportSerializer, **error_responses(400, 401, 403, 413)},
    )
    def post(self, request):
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        uploaded = data.validated_data["file"]
        record = complaint_import(
            actor=request.user,
            data=uploaded.read(),
            original_name=uploaded.name,
            mapping_name=data.validated_data["mapping"],
        )
        return Response(ComplaintImportSerializer(record).data, status=status.HTTP_201_CREATED)


class PublicComplaintApi(APIView):
    """The public door: anyone may send a complaint, at ``COMPLAINT_SUBMIT_RATE`` per address."""

    policy = {"POST": perms.PUBLIC}
    authentication_classes = []
    throttle_classes = [ComplaintSubmitThrottle]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    body_limit = services.form_body_limit

    @extend_schema(
        summary="Send a complaint (no login)",
        description="Attachments as repeated `files` parts of `multipart/form-data` (at most 5, 10 MB each). "
        "The answer carries the private status token, this once. Limited per client address (429 `throttled`).",
        request={"multipart/form-data": ComplaintSubmitSerializer, "application/json": ComplaintSubmitSerializer},
        responses={201: ComplaintSubmittedSerializer, **error_responses(400, 413, 429)},
    )
    def post(self, request):
        data = ComplaintSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint, token = services.complaint_submit(**data.validated_data)
        body = {
            "received_on": complaint.received_on,
            "status": complaint.status,
            "status_token": token,
            "status_url": request.build_absolute_uri(reverse("complaints-public:status", args=[token])),
        }
        return Response(ComplaintSubmittedSerializer(body).data, status=status.HTTP_201_CREATED)


class PublicComplaintStatusApi(APIView):
    policy = {"GET": perms.PUBLIC}
    authentication_classes = []

    @extend_schema(
        summary="The status of a complaint, by its private token",
        responses={200: PublicStatusSerializer, **error_responses(404)},
    )
    def get(self, request, token):
        found = selectors.complaint_status_get(token=token)
        response = Response(PublicStatusSerializer(found).data)
        response["Cache-Control"] = "private, no-store"
        return response
