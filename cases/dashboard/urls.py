"""The regulator dashboard, mounted at /dashboard/ (config/urls.py)."""

from django.urls import path

from cases.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("campaigns/<int:pk>/", views.dashboard, name="campaign"),
]
