from django.urls import path

from . import api

app_name = "accounts-api"

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="token"),
    path("auth/me/", api.MeApi.as_view(), name="me"),
]
