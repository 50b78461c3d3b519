"""The vendor portal, mounted at /portal/ (config/urls.py)."""

from django.urls import path

from cases.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("claim/", views.claim, name="claim"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/respond/", views.response_create, name="respond"),
    path("cases/<int:pk>/extension/", views.extension_create, name="extension"),
    path("cases/<int:pk>/orders/<int:notice_id>/pdf/", views.order_pdf, name="order-pdf"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence-download"),
    path("team/", views.team, name="team"),
    path("team/<int:user_id>/remove/", views.team_remove, name="team-remove"),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
]
