"""Reviewers' decision pages, mounted at /decisions/ (config/urls.py)."""

from django.urls import path

from cases.decisions import views

app_name = "decisions"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("responses/<int:pk>/", views.response_detail, name="response"),
    path("responses/<int:pk>/accept/", views.response_accept, name="response-accept"),
    path("responses/<int:pk>/reject/", views.response_reject, name="response-reject"),
    path("extensions/<int:pk>/", views.extension_detail, name="extension"),
    path("extensions/<int:pk>/grant/", views.extension_grant, name="extension-grant"),
    path("extensions/<int:pk>/refuse/", views.extension_refuse, name="extension-refuse"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/retest/", views.retest_link, name="retest-link"),
    path("cases/<int:pk>/rectified/", views.retest_rectified, name="rectified"),
    path("cases/<int:pk>/retest-failed/", views.retest_failed, name="retest-failed"),
]
