"""The public door for complaints, mounted at /complain/ (config/urls.py): no login."""

from django.urls import path

from complaints import views

app_name = "complaints-public"

urlpatterns = [
    path("", views.public_form, name="form"),
    path("status/<str:token>/", views.public_status, name="status"),
]
