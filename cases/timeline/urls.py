from django.urls import path

from cases.timeline import views

urlpatterns = [
    path("inspections/<int:pk>/timeline/", views.TimelineView.as_view(), name="inspection-timeline"),
    path("inspections/<int:pk>/timeline/consent/", views.TimelineConsentView.as_view(), name="timeline-consent"),
    path("inspections/<int:pk>/timeline/cite/", views.TimelineCiteView.as_view(), name="timeline-cite"),
]
