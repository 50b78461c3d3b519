from django.contrib import admin
from django.urls import include, path
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import roles
from accounts.policies import DeclaredPolicy


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: public, like the API documentation it feeds."""

    permission_classes = [DeclaredPolicy]
    policy = {"GET": roles.PUBLIC}


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files: nothing is fetched from a CDN, and its
    start script is a separate request (``?script``), so the page needs no inline script (CSP)."""

    permission_classes = [DeclaredPolicy]
    policy = {"GET": roles.PUBLIC}

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if "settings" in response.data:  # the start script
            # Swagger UI otherwise sends the schema to validator.swagger.io for its badge.
            response.data["settings"] = self._dump({**spectacular_settings.SWAGGER_UI_SETTINGS, "validatorUrl": None})
        return response


api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("products.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("notices.api_urls")),
    path("", include("cases.ingest.api_urls")),
    path("", include("complaints.api_urls")),
    path("", include("cases.timeline.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="swagger-ui"),
    path("portal/", include("cases.portal.urls")),
    path("decisions/", include("cases.decisions.urls")),
    path("dashboard/", include("cases.dashboard.urls")),
    path("complaints/", include("complaints.urls")),
    path("complain/", include("complaints.public_urls")),
    path("", include("accounts.urls")),
    path("", include("products.urls")),
    path("", include("cases.urls")),
    path("", include("cases.ingest.urls")),
    path("", include("cases.timeline.urls")),
    path("", include("notices.urls")),
]

# Unknown addresses, unreadable bodies and crashes under /api/ answer in the one JSON error shape.
handler400 = "config.api.bad_request"
handler404 = "config.api.not_found"
handler500 = "config.api.server_error"
