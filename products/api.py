"""REST API for vendors, products and versions (regulators only; vendor users get 403).

Thin: validate, call one service, serialize. Querysets come from ``products.selectors``.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts import roles as perms
from config.api import error_responses
from config.rows import PlannedListMixin

from . import selectors, services
from .filters import ProductFilter, ScenarioFilter, VendorFilter, VersionFilter
from .serializers import (
    PRODUCT_ROWS,
    VENDOR_ROWS,
    VERSION_ROWS,
    ProductSerializer,
    ScenarioSerializer,
    VendorSerializer,
    VersionSerializer,
)

READ_WRITE = {"GET": perms.REFERENCE_VIEW, "POST": perms.REFERENCE_EDIT}


class _ListCreateRetrieve(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    policy = READ_WRITE
    create_service = None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.create_service(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


_LIST_ERRORS = error_responses(400, 401, 403, 404)
_DETAIL_ERRORS = error_responses(401, 403, 404)
_CREATE_ERRORS = error_responses(400, 401, 403)


@extend_schema_view(
    list=extend_schema(summary="List vendors", responses={200: VendorSerializer(many=True), **_LIST_ERRORS}),
    retrieve=extend_schema(summary="One vendor", responses={200: VendorSerializer, **_DETAIL_ERRORS}),
    create=extend_schema(
        summary="Register a vendor",
        description="The unified social credit code is checked by its GB 32100-2015 check digit; a wrong one "
        "answers 400 with the field error code `uscc_check` (`uscc_length`, `uscc_chars` for the others).",
        responses={201: VendorSerializer, **_CREATE_ERRORS},
    ),
)
class VendorViewSet(PlannedListMixin, _ListCreateRetrieve):
    row_plan = VENDOR_ROWS
    serializer_class = VendorSerializer
    filterset_class = VendorFilter
    create_service = staticmethod(services.vendor_create)

    def get_queryset(self):
        return selectors.vendor_list()


@extend_schema_view(
    list=extend_schema(summary="List products", responses={200: ProductSerializer(many=True), **_LIST_ERRORS}),
    retrieve=extend_schema(summary="One product", responses={200: ProductSerializer, **_DETAIL_ERRORS}),
    create=extend_schema(summary="Register a product", responses={201: ProductSerializer, **_CREATE_ERRORS}),
)
class ProductViewSet(PlannedListMixin, _ListCreateRetrieve):
    row_plan = PRODUCT_ROWS
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    create_service = staticmethod(services.product_create)

    def get_queryset(self):
        return selectors.product_list()


@extend_schema_view(
    list=extend_schema(summary="List product versions", responses={200: VersionSerializer(many=True), **_LIST_ERRORS}),
    retrieve=extend_schema(summary="One product version", responses={200: VersionSerializer, **_DETAIL_ERRORS}),
    create=extend_schema(summary="Register a product version", responses={201: VersionSerializer, **_CREATE_ERRORS}),
)
class VersionViewSet(PlannedListMixin, _ListCreateRetrieve):
    row_plan = VERSION_ROWS
    serializer_class = VersionSerializer
    filterset_class = VersionFilter
    create_service = staticmethod(services.version_create)

    def get_queryset(self):
        return selectors.version_list()


@extend_schema_view(
    list=extend_schema(
        summary="List offline scenarios",
        description="Filter by `scenario_type` and by `region`, a prefix of the GB/T 2260 division code: "
        "2 digits for a province, 4 for a city, 6 for a county (an invalid prefix matches nothing).",
        responses={200: ScenarioSerializer(many=True), **_LIST_ERRORS},
    ),
    retrieve=extend_schema(summary="One offline scenario", responses={200: ScenarioSerializer, **_DETAIL_ERRORS}),
    create=extend_schema(
        summary="Register an offline scenario",
        description="Creates a product of kind `scenario` (the venue) with its details. Its on-site "
        "inspections are logged with `POST /api/v1/inspections/onsite/`.",
        responses={201: ScenarioSerializer, **_CREATE_ERRORS},
    ),
)
class ScenarioViewSet(_ListCreateRetrieve):
    serializer_class = ScenarioSerializer
    filterset_class = ScenarioFilter
    create_service = staticmethod(services.scenario_create)

    def get_queryset(self):
        return selectors.scenario_list().prefetch_related("scenario__systems")
