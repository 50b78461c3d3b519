from django.urls import path

from cases.ingest import views as scan_views

urlpatterns = [
    path("inspections/<int:pk>/scans/", scan_views.ScanPageView.as_view(), name="scan-page"),
    path("scans/<int:pk>/retry/", scan_views.ScanRetryView.as_view(), name="scan-retry"),
    path("scans/<int:pk>/withdraw/", scan_views.ScanWithdrawView.as_view(), name="scan-withdraw"),
    path("scans/<int:pk>/observations/", scan_views.ScanObservationsView.as_view(), name="scan-observations"),
]
