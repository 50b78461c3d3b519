"""Complaint pages: the regulators' under /complaints/ (namespace ``complaints``), the public form and
status link under /complain/ (namespace ``complaints-public``); config/urls.py mounts both."""

from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.ComplaintListView.as_view(), name="list"),
    path("dashboard/", views.leads_dashboard, name="dashboard"),
    path("import/", views.import_page, name="import"),
    path("new/", views.record_complaint, name="record"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/match/", views.complaint_match, name="match"),
    path("<int:pk>/merge/", views.complaint_merge, name="merge"),
    path("<int:pk>/dismiss/", views.complaint_dismiss, name="dismiss"),
    path("<int:pk>/inspection/", views.complaint_inspection, name="inspection"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment-download"),
]
