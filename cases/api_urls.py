from django.urls import path
from rest_framework.routers import SimpleRouter

from cases import api
from cases.sdks import api as sdk_api

app_name = "cases-api"

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("testing-agencies", api.TestingAgencyViewSet, basename="testing-agency")
router.register("violation-types", api.ViolationTypeViewSet, basename="violation-type")
router.register("inspections", api.InspectionViewSet, basename="inspection")
router.register("findings", api.FindingViewSet, basename="finding")
router.register("cases", api.CaseViewSet, basename="case")

urlpatterns = [
    path("calendar/deadline/", api.DeadlineApi.as_view(), name="calendar-deadline"),
    path("sdks/<int:pk>/fanout/", sdk_api.SdkFanoutApi.as_view(), name="sdk-fanout"),
    path("cases/<int:pk>/fanout/cases/", sdk_api.SdkFanoutCasesApi.as_view(), name="case-fanout-cases"),
    path(
        "sdk-embeddings/<int:pk>/confirm-removal/",
        sdk_api.EmbeddingConfirmRemovalApi.as_view(),
        name="embedding-confirm-removal",
    ),
    path(
        "sdk-embeddings/<int:pk>/refuse-removal/",
        sdk_api.EmbeddingRefuseRemovalApi.as_view(),
        name="embedding-refuse-removal",
    ),
    *router.urls,
]
