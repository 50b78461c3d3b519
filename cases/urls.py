from django.urls import path

from cases import exports, views
from cases.clock import views as calendar_views
from cases.home import views as home_views
from cases.sdks import views as sdk_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/export.csv", exports.case_list_csv, name="case-list-csv"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/withdraw/", views.CaseWithdrawView.as_view(), name="case-withdraw"),
    path("cases/<int:pk>/transfer/", views.CaseTransferView.as_view(), name="case-transfer"),
    path("cases/transfers/", views.CaseTransferListView.as_view(), name="case-transfers"),
    path("cases/<int:pk>/fanout/", sdk_views.SdkFanoutView.as_view(), name="case-fanout"),
    path("cases/<int:pk>/fanout/open-cases/", sdk_views.SdkFanoutOpenCasesView.as_view(), name="case-fanout-open"),
    path(
        "sdk-embeddings/<int:pk>/confirm-removal/",
        sdk_views.EmbeddingDecideView.as_view(decision="confirm"),
        name="embedding-confirm-removal",
    ),
    path(
        "sdk-embeddings/<int:pk>/refuse-removal/",
        sdk_views.EmbeddingDecideView.as_view(decision="refuse"),
        name="embedding-refuse-removal",
    ),
    path("inspections/", views.InspectionListView.as_view(), name="inspection-list"),
    path("inspections/new/", views.InspectionCreateView.as_view(), name="inspection-create"),
    path("inspections/onsite/new/", views.OnsiteInspectionCreateView.as_view(), name="inspection-onsite-create"),
    path("inspections/<int:pk>/", views.InspectionDetailView.as_view(), name="inspection-detail"),
    path("inspections/<int:pk>/findings/", views.FindingCreateView.as_view(), name="finding-create"),
    path("inspections/<int:pk>/open-case/", views.CaseOpenView.as_view(), name="case-open"),
    path("findings/<int:pk>/confirm/", views.FindingDecideView.as_view(decision="confirm"), name="finding-confirm"),
    path("findings/<int:pk>/dismiss/", views.FindingDecideView.as_view(decision="dismiss"), name="finding-dismiss"),
    path("calendar/", calendar_views.calendar_overview, name="calendar"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar-import"),
    path("evidence/<int:pk>/download/", views.EvidenceDownloadView.as_view(), name="evidence-download"),
]
