from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints import api

app_name = "complaints-api"

router = SimpleRouter()
router.register("complaints", api.ComplaintViewSet, basename="complaint")

urlpatterns = [
    path("complaint-imports/", api.ComplaintImportApi.as_view(), name="complaint-import"),
    path("public/complaints/", api.PublicComplaintApi.as_view(), name="public-complaint"),
    path("public/complaints/status/<str:token>/", api.PublicComplaintStatusApi.as_view(), name="public-status"),
    *router.urls,
]
