from django.urls import path

from cases.timeline import api

app_name = "timeline-api"

urlpatterns = [
    path("inspections/<int:pk>/timeline/", api.InspectionTimelineApi.as_view(), name="timeline"),
]
