"""The regulator dashboard, mounted at /dashboard/ (config/urls.py)."""

from django.urls import path

from . import dashboard_views as views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("campaigns/<int:pk>/", views.dashboard, name="campaign"),
]
