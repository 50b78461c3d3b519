from django.urls import path

from cases.ingest import api as scan_api

app_name = "scans-api"

urlpatterns = [
    path("inspections/<int:pk>/scans/", scan_api.InspectionScansApi.as_view(), name="inspection-scans"),
    path("inspections/<int:pk>/comparison/", scan_api.InspectionComparisonApi.as_view(), name="comparison"),
    path("scans/<int:pk>/", scan_api.ScanJobApi.as_view(), name="job"),
    path("scans/<int:pk>/retry/", scan_api.ScanJobRetryApi.as_view(), name="retry"),
    path("scans/<int:pk>/withdraw/", scan_api.ScanJobWithdrawApi.as_view(), name="withdraw"),
    path("scans/<int:pk>/observations/", scan_api.ScanObservationsApi.as_view(), name="observations"),
    path("findings/<int:pk>/why-merged/", scan_api.FindingWhyMergedApi.as_view(), name="why-merged"),
]
