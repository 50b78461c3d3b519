from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

app_name = "accounts-api"

router = SimpleRouter()
router.register("auth/tokens", api.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    *router.urls,
    path("auth/token/", api.TokenObtainApi.as_view(), name="token"),
    path("auth/me/", api.MeApi.as_view(), name="me"),
    path("authorities/", api.AuthorityListApi.as_view(), name="authority-list"),
    path("authorities/<str:code>/delegation/", api.AuthorityDelegationApi.as_view(), name="authority-delegation"),
]
