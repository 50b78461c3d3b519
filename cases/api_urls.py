from django.urls import path
from rest_framework.routers import SimpleRouter

from cases import api

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
    *router.urls,
]
