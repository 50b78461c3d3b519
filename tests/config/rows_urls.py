"""A URL configuration for tests/config/test_rows.py: the same view name at another path."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/<int:pk>/", lambda request, pk: HttpResponse(), name="case-detail")]
