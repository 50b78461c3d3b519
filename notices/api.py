"""REST API for notices: regulators draft, approve and publish; anyone verifies a PDF by hash."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.errors import NotFound
from cases.models import Case
from config.api import ErrorResponseSerializer
from notices import error_codes

from . import selectors, services, workflow
from .models import Notice
from .serializers import (
    DRAFTABLE_CASE_ROWS,
    NOTICE_LIST_ROWS,
    AccessCodeSerializer,
    DraftableCaseSerializer,
    NoticeDetailSerializer,
    NoticeDraftSerializer,
    NoticeEditSerializer,
    NoticeListQuerySerializer,
    NoticeListSerializer,
    PublishAcceptedSerializer,
    ReasonSerializer,
    VerifyQuerySerializer,
    VerifyResultSerializer,
    verification_data,
)


def _errors(*codes: int) -> dict:
    text = {
        401: "Not authenticated (`not_authenticated`).",
        400: "Invalid input (code `invalid` or a domain code such as `notice_case_not_eligible`).",
        403: "Not permitted (`permission_denied`, `not_authenticated`, `forbidden`, `notice_four_eyes`).",
        404: "No such notice, or not visible to you (`not_found`).",
        409: "The notice is not in a state that allows this (`notice_transition_not_allowed`, `notice_frozen`, "
        "`notice_not_published`, `notice_correction_exists`).",
    }
    if 403 in codes:
        codes = (*codes, 401)
    return {c: OpenApiResponse(ErrorResponseSerializer, description=text[c]) for c in sorted(set(codes))}


# A list answers 404 for a page past its end (or page=0).
_PAGE_NOT_FOUND = {404: OpenApiResponse(ErrorResponseSerializer, description="No such page of results (`not_found`).")}


def _detail(notice) -> dict:
    notice = selectors.notice_queryset_for_detail(notice_id=notice.pk)
    return NoticeDetailSerializer(notice).data


class NoticeListCreateApi(generics.GenericAPIView):
    policy = {"GET": roles.NOTICE_DRAFT, "POST": roles.NOTICE_DRAFT}
    serializer_class = NoticeListSerializer
    queryset = Notice.objects.none()  # for the schema; rows come from the selector

    @extend_schema(
        parameters=[NoticeListQuerySerializer],
        responses={200: NoticeListSerializer(many=True), **_errors(400, 403), **_PAGE_NOT_FOUND},
    )
    def get(self, request):
        query = NoticeListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ids = selectors.notice_list(actor=request.user, filters=query.validated_data, counted=False)
        # The page is sought on the list's order alone (its fields, no joins), then its rows are read.
        # Read as dicts of the ordering's fields (the cursor's values), not model instances.
        keys = self.paginate_queryset(ids.select_related(None).prefetch_related(None).values("id", "created_at"))
        ids = [key["id"] for key in keys]
        page = selectors.notice_rows_in_order(ids, actor=request.user, columns=NOTICE_LIST_ROWS.columns)
        return self.get_paginated_response(NOTICE_LIST_ROWS.render(page))

    @extend_schema(request=NoticeDraftSerializer, responses={201: NoticeDetailSerializer, **_errors(400, 403)})
    def post(self, request):
        data = NoticeDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_draft(actor=request.user, **data.validated_data)
        return Response(_detail(notice), status=status.HTTP_201_CREATED)


class NoticeDetailApi(APIView):
    policy = {"GET": roles.NOTICE_DRAFT, "PATCH": roles.NOTICE_DRAFT}

    @extend_schema(responses={200: NoticeDetailSerializer, **_errors(403, 404)})
    def get(self, request, pk: int):
        return Response(_detail(selectors.notice_get_for(actor=request.user, notice_id=pk)))

    @extend_schema(request=NoticeEditSerializer, responses={200: NoticeDetailSerializer, **_errors(400, 403, 404, 409)})
    def patch(self, request, pk: int):
        notice = selectors.notice_get_for(actor=request.user, notice_id=pk)
        data = NoticeEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_update(actor=request.user, notice=notice, **data.validated_data)
        return Response(_detail(notice))


class NoticeApproveApi(APIView):
    policy = {"POST": roles.NOTICE_APPROVE}

    @extend_schema(request=ReasonSerializer, responses={200: NoticeDetailSerializer, **_errors(400, 403, 404, 409)})
    def post(self, request, pk: int):
        notice = selectors.notice_get_for(actor=request.user, notice_id=pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = workflow.notice_approve(
            actor=request.user, notice=notice, reason=data.validated_data.get("reason", "")
        )
        return Response(_detail(notice))


class NoticePublishApi(APIView):
    policy = {"POST": roles.NOTICE_APPROVE}

    @extend_schema(request=None, responses={202: PublishAcceptedSerializer, **_errors(403, 404, 409)})
    def post(self, request, pk: int):
        notice = selectors.notice_get_for(actor=request.user, notice_id=pk)
        notice = workflow.notice_request_publication(actor=request.user, notice=notice)
        notice.refresh_from_db(fields=["status"])
        url = reverse("notices-api:detail", args=[notice.pk])
        return Response({"id": notice.pk, "status": notice.status, "url": url}, status=status.HTTP_202_ACCEPTED)


class NoticeCorrectApi(APIView):
    policy = {"POST": roles.NOTICE_DRAFT}

    @extend_schema(request=ReasonSerializer, responses={201: NoticeDetailSerializer, **_errors(400, 403, 404, 409)})
    def post(self, request, pk: int):
        notice = selectors.notice_get_for(actor=request.user, notice_id=pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.notice_correct(actor=request.user, notice=notice, reason=data.validated_data.get("reason", ""))
        return Response(_detail(copy), status=status.HTTP_201_CREATED)


class NoticeAccessCodeApi(APIView):
    """Show the plain access code of a just-published order, once."""

    policy = {"POST": roles.NOTICE_APPROVE}

    @extend_schema(request=None, responses={200: AccessCodeSerializer, **_errors(403, 404)})
    def post(self, request, pk: int):
        notice = selectors.notice_get_for(actor=request.user, notice_id=pk)
        code = services.order_access_code_reveal(actor=request.user, notice=notice)
        if code is None:
            raise NotFound(code=error_codes.ACCESS_CODE_GONE)
        return Response({"access_code": code})


class DraftableCasesApi(generics.GenericAPIView):
    policy = {"GET": roles.NOTICE_DRAFT}
    serializer_class = DraftableCaseSerializer
    queryset = Case.objects.none()  # for the schema; rows come from the selector

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=["order", "naming", "removal"], required=True)],
        responses={200: DraftableCaseSerializer(many=True), **_errors(403), **_PAGE_NOT_FOUND},
    )
    def get(self, request):
        qs = selectors.draftable_cases(kind=request.query_params.get("kind", ""), actor=request.user)
        page = self.paginate_queryset(DRAFTABLE_CASE_ROWS.values(qs))
        return self.get_paginated_response(DRAFTABLE_CASE_ROWS.render(page))


class PublicVerifyApi(APIView):
    """Is a file with this SHA-256 an authentic published notice, and which version?"""

    policy = {"GET": roles.PUBLIC}
    authentication_classes: list = []

    @extend_schema(
        parameters=[OpenApiParameter("sha256", str, required=True, description="SHA-256 of the PDF, 64 hex digits")],
        responses={200: VerifyResultSerializer, **_errors(400)},
    )
    def get(self, request):
        query = VerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sha256 = query.validated_data["sha256"]
        return Response(verification_data(sha256=sha256, verification=selectors.notice_verify(sha256=sha256)))
