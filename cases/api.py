"""REST API for campaigns, taxonomy, inspections, findings, cases and the working-day calendar.

Thin: validate, call one service or workflow move, serialize. Every queryset and every object
comes from ``cases.selectors``, scoped to the caller: missing and not-yours both answer 404.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles as perms
from cases import selectors, services, transfers, workflow
from cases.clock.calendar import add_working_days
from cases.filters import CaseFilter, FindingFilter, InspectionFilter, ViolationTypeFilter
from cases.serializers import (
    CAMPAIGN_ROWS,
    CASE_LIST_ROWS,
    FINDING_ROWS,
    INSPECTION_ROWS,
    TESTING_AGENCY_ROWS,
    VIOLATION_TYPE_ROWS,
    ActionReasonSerializer,
    CampaignSerializer,
    CaseDetailSerializer,
    CaseEventSerializer,
    CaseListSerializer,
    CaseOpenSerializer,
    CaseSerializer,
    CaseTransferSerializer,
    DeadlineQuerySerializer,
    DeadlineSerializer,
    FindingConfirmSerializer,
    FindingCreateSerializer,
    FindingDetailSerializer,
    FindingSerializer,
    InspectionCreateSerializer,
    InspectionSerializer,
    OnsiteInspectionCreateSerializer,
    TestingAgencySerializer,
    VendorCaseEventSerializer,
    ViolationTypeSerializer,
    case_detail_data,
    finding_rows_with_products,
)
from config import limits
from config.api import error_responses
from config.rows import PlannedListMixin

_LIST_ERRORS = error_responses(400, 401, 403, 404)
_DETAIL_ERRORS = error_responses(401, 403, 404)
_CREATE_ERRORS = error_responses(400, 401, 403, 413)
_MOVE_ERRORS = error_responses(400, 401, 403, 404, 409)


# Reference data (read-only here; edited in the admin)


@extend_schema_view(
    list=extend_schema(summary="List campaigns", responses={200: CampaignSerializer(many=True), **_LIST_ERRORS}),
    retrieve=extend_schema(summary="One campaign", responses={200: CampaignSerializer, **_DETAIL_ERRORS}),
)
class CampaignViewSet(PlannedListMixin, viewsets.ReadOnlyModelViewSet):
    policy = {"GET": perms.REFERENCE_VIEW}
    serializer_class = CampaignSerializer
    row_plan = CAMPAIGN_ROWS

    def get_queryset(self):
        return selectors.campaign_list(actor=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List testing agencies", responses={200: TestingAgencySerializer(many=True), **_LIST_ERRORS}
    ),
    retrieve=extend_schema(summary="One testing agency", responses={200: TestingAgencySerializer, **_DETAIL_ERRORS}),
)
class TestingAgencyViewSet(PlannedListMixin, viewsets.ReadOnlyModelViewSet):
    policy = {"GET": perms.REFERENCE_VIEW}
    row_plan = TESTING_AGENCY_ROWS
    serializer_class = TestingAgencySerializer

    def get_queryset(self):
        return selectors.testing_agency_list()


@extend_schema_view(
    list=extend_schema(
        summary="List violation types", responses={200: ViolationTypeSerializer(many=True), **_LIST_ERRORS}
    ),
    retrieve=extend_schema(summary="One violation type", responses={200: ViolationTypeSerializer, **_DETAIL_ERRORS}),
)
class ViolationTypeViewSet(PlannedListMixin, viewsets.ReadOnlyModelViewSet):
    policy = {"GET": perms.REFERENCE_VIEW}
    row_plan = VIOLATION_TYPE_ROWS
    serializer_class = ViolationTypeSerializer
    filterset_class = ViolationTypeFilter

    def get_queryset(self):
        return selectors.violation_type_list()


# Inspections


@extend_schema_view(
    list=extend_schema(summary="List inspections", responses={200: InspectionSerializer(many=True), **_LIST_ERRORS}),
    retrieve=extend_schema(summary="One inspection", responses={200: InspectionSerializer, **_DETAIL_ERRORS}),
    create=extend_schema(
        summary="Log an inspection",
        request=InspectionCreateSerializer,
        responses={201: InspectionSerializer, **error_responses(400, 401, 403)},
    ),
)
class InspectionViewSet(PlannedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    policy = {"GET": perms.INSPECTION_VIEW, "POST": perms.INSPECTION_EDIT}
    serializer_class = InspectionSerializer
    row_plan = INSPECTION_ROWS
    filterset_class = InspectionFilter

    def get_queryset(self):
        return selectors.inspection_queryset_for(actor=self.request.user)

    def get_object(self):
        return selectors.inspection_get_for(actor=self.request.user, inspection_id=self.kwargs["pk"])

    def create(self, request):
        data = InspectionCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        inspection = services.inspection_create(actor=request.user, **data.validated_data)
        inspection = selectors.inspection_get_for(actor=request.user, inspection_id=inspection.pk)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Log an on-site inspection of an offline scenario",
        description="The method is `on_site`; the venue as inspected that day becomes a version of the "
        "scenario (`YYYY-MM-DD`, made once per day), so findings, cases, orders and re-tests work as "
        "for any product version. Upload photos, recordings and the consent text as finding evidence, "
        "and a HAR of the QR-code page as a scan (`POST /api/v1/inspections/{id}/scans/`).",
        request=OnsiteInspectionCreateSerializer,
        responses={201: InspectionSerializer, **error_responses(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], url_path="onsite")
    def onsite(self, request):
        data = OnsiteInspectionCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        inspection = services.onsite_inspection_create(actor=request.user, **data.validated_data)
        inspection = selectors.inspection_get_for(actor=request.user, inspection_id=inspection.pk)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


# Findings


@extend_schema_view(
    list=extend_schema(summary="List findings", responses={200: FindingSerializer(many=True), **_LIST_ERRORS}),
    retrieve=extend_schema(
        summary="One finding with its evidence files", responses={200: FindingDetailSerializer, **_DETAIL_ERRORS}
    ),
    create=extend_schema(
        summary="Record a finding from a manual check",
        description="Send `multipart/form-data` with evidence files as repeated `files` parts (screenshots, "
        "recordings, PDFs...). Files are checked by their bytes; a refused type answers 400 "
        "`file_type_refused`, an oversize file 413 `file_too_large`, and nothing is kept. A violation "
        "type whose `applies_to` excludes the product's kind answers 400 `violation_type_not_applicable`.",
        request={"multipart/form-data": FindingCreateSerializer, "application/json": FindingCreateSerializer},
        responses={201: FindingDetailSerializer, **_CREATE_ERRORS},
    ),
)
class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    policy = {"GET": perms.INSPECTION_VIEW, "POST": perms.INSPECTION_EDIT}
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    body_limit = limits.upload_limit

    def get_queryset(self):
        return selectors.finding_list(actor=self.request.user)

    def list(self, request, *args, **kwargs):
        # The rows as dicts (config.rows), their inspections' products in a second query.
        page = self.paginate_queryset(FINDING_ROWS.values(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(finding_rows_with_products(page))

    def get_object(self):
        return selectors.finding_get_for(actor=self.request.user, finding_id=self.kwargs["pk"])

    def _detail(self, finding, status_code=status.HTTP_200_OK):
        finding = selectors.finding_get_for(actor=self.request.user, finding_id=finding.pk)
        return Response(FindingDetailSerializer(finding).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return Response(FindingDetailSerializer(self.get_object()).data)

    def create(self, request):
        data = FindingCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        finding = services.finding_create_manual(actor=request.user, **data.validated_data)
        return self._detail(finding, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm a candidate finding",
        description="400 `violation_type_not_applicable`: the finding's code does not apply to the product's "
        "kind. 409 `identity_mismatch_unacknowledged`: the scan it came from may be about another product "
        "(`identity_mismatch`); send `acknowledge_identity_mismatch: true` once checked.",
        request=FindingConfirmSerializer,
        responses={200: FindingDetailSerializer, **_MOVE_ERRORS},
    )
    @action(detail=True, methods=["post"], policy={"POST": perms.FINDING_DECIDE})
    def confirm(self, request, pk=None):
        data = FindingConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_confirm(actor=request.user, finding=self.get_object(), **data.validated_data)
        return self._detail(finding)

    @extend_schema(
        summary="Dismiss a candidate finding (a reason is required)",
        request=ActionReasonSerializer,
        responses={200: FindingDetailSerializer, **_MOVE_ERRORS},
    )
    @action(detail=True, methods=["post"], policy={"POST": perms.FINDING_DECIDE})
    def dismiss(self, request, pk=None):
        data = ActionReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_dismiss(actor=request.user, finding=self.get_object(), **data.validated_data)
        return self._detail(finding)


# Cases

_CASE_MOVE = {"POST": perms.CASE_DECIDE}


def _move_schema(summary: str):
    return extend_schema(
        summary=summary,
        description="A move the case's state does not allow answers 409 `case_transition_not_allowed`.",
        request=ActionReasonSerializer,
        responses={200: CaseDetailSerializer, **_MOVE_ERRORS},
    )


@extend_schema_view(
    list=extend_schema(
        summary="List cases",
        description="Regulators see every case; a vendor user sees only its own vendor's cases that were served.",
        responses={200: CaseListSerializer(many=True), **_LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One case with its findings and events", responses={200: CaseDetailSerializer, **_DETAIL_ERRORS}
    ),
    create=extend_schema(
        summary="Open a case from confirmed findings",
        request=CaseOpenSerializer,
        responses={201: CaseDetailSerializer, **error_responses(400, 401, 403, 409)},
    ),
)
class CaseViewSet(PlannedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Reads are for any signed-in user: the selector decides which cases each one sees.
    policy = {"GET": perms.AUTHENTICATED, "POST": perms.CASE_OPEN}
    serializer_class = CaseListSerializer
    row_plan = CASE_LIST_ROWS
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.case_list(actor=self.request.user)

    def get_object(self):
        return selectors.case_get_for(actor=self.request.user, case_id=self.kwargs["pk"])

    def _detail(self, case, status_code=status.HTTP_200_OK, *, fresh: bool = False):
        """The case as the selector reads it (read again after a move, unless ``fresh``)."""
        actor = self.request.user
        if not fresh:
            case = selectors.case_get_for(actor=actor, case_id=case.pk)
        events = CaseEventSerializer if actor.can(perms.CASE_VIEW) else VendorCaseEventSerializer
        return Response(
            case_detail_data(
                case,
                findings=selectors.case_findings_for(actor=actor, case=case),
                events=selectors.case_events(case=case),
                event_serializer=events,
            ),
            status=status_code,
        )

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), fresh=True)

    def create(self, request):
        data = CaseOpenSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        case = services.case_open(actor=request.user, **data.validated_data)
        return self._detail(case, status.HTTP_201_CREATED)

    def _move(self, request, move):
        data = ActionReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = move(case=self.get_object(), actor=request.user, **data.validated_data)
        return self._detail(case)

    @_move_schema("Withdraw a case (a reason is required)")
    @action(detail=True, methods=["post"], policy=_CASE_MOVE)
    def withdraw(self, request, pk=None):
        return self._move(request, workflow.withdraw_case)

    @extend_schema(
        summary="Transfer a case to another authority (a reason is required)",
        description="Only an authority acting for the case transfers it (403 `other_authority`); the same "
        "authority answers 400 `case_transfer_same_authority`. Both authorities are told by e-mail.",
        request=CaseTransferSerializer,
        responses={200: CaseSerializer, **_MOVE_ERRORS},
    )
    @action(detail=True, methods=["post"], policy=_CASE_MOVE)
    def transfer(self, request, pk=None):
        data = CaseTransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = transfers.case_transfer(
            case=self.get_object(),
            actor=request.user,
            to_authority=data.validated_data["authority"],
            reason=data.validated_data["reason"],
        )
        # The case as transferred: the sender may no longer see it (the receiving authority's now).
        return Response(CaseSerializer(case).data)

    @_move_schema("Close a rectified or removed case")
    @action(detail=True, methods=["post"], policy=_CASE_MOVE)
    def close(self, request, pk=None):
        return self._move(request, workflow.close_case)

    @_move_schema("Confirm that the re-test shows the findings gone")
    @action(detail=True, methods=["post"], url_path="confirm-rectified", policy=_CASE_MOVE)
    def confirm_rectified(self, request, pk=None):
        return self._move(request, workflow.confirm_rectified_case)

    @_move_schema("Record that the re-test still shows the findings (back to ordered)")
    @action(detail=True, methods=["post"], url_path="retest-failed", policy=_CASE_MOVE)
    def retest_failed(self, request, pk=None):
        return self._move(request, workflow.retest_failed_case)


# Calendar


class DeadlineApi(APIView):
    """The n-th working day after a date on the official calendar (holidays and make-up days)."""

    policy = {"GET": perms.AUTHENTICATED}

    @extend_schema(
        summary="Count working days on the official calendar",
        description="A year the calendar does not know answers 400 `calendar_year_unknown`.",
        parameters=[DeadlineQuerySerializer],
        responses={200: DeadlineSerializer, **error_responses(400, 401)},
    )
    def get(self, request):
        data = DeadlineQuerySerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        deadline = add_working_days(data.validated_data["start"], data.validated_data["working_days"])
        return Response(DeadlineSerializer({"deadline": deadline}).data)
