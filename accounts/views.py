"""Sign-in and sign-out pages, and the page django-axes shows after too many failures."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext_lazy as _

from accounts.policies import PolicyMixin, policy
from accounts.roles import PUBLIC

from .api import LockedOut
from .forms import LoginForm
from .health import health_report

# Pages built by other parts of the project; linked by path.
PORTAL_URL = "/portal/"

MSG_LOCKED_OUT = _(
    "Too many failed sign-in attempts. Sign-in for this account is blocked for %(minutes)s minutes; "
    "try again later or ask an administrator to unlock it."
)
MSG_SIGNED_OUT = _("You have signed out.")


class LoginView(PolicyMixin, auth_views.LoginView):
    policy = {"GET": PUBLIC, "POST": PUBLIC}
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Regulators land on their home page, vendor users on the portal."""
        if getattr(self.request.user, "is_vendor_user", False):
            return PORTAL_URL
        return resolve_url(settings.LOGIN_REDIRECT_URL)


class LogoutView(PolicyMixin, auth_views.LogoutView):
    # Signing out an expired session is harmless, so anyone may post here.
    policy = {"POST": PUBLIC}

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, MSG_SIGNED_OUT)
        return response


def _cooloff_minutes(request) -> int:
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_response(request, original_response=None, credentials=None):
    """Show the sign-in page with the lockout message (``AXES_LOCKOUT_CALLABLE``), status 429.

    The API keeps its own reply: ``accounts.api`` answers a lockout in the one JSON error shape.
    """
    if request.path.startswith("/api/"):
        if original_response is not None:
            return original_response
        return JsonResponse(
            {"error": {"code": LockedOut.code, "message": str(LockedOut.default_message), "details": {}}},
            status=LockedOut.status,
        )
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": True,
        "lockout_message": MSG_LOCKED_OUT % {"minutes": _cooloff_minutes(request)},
    }
    return render(request, "registration/login.html", context, status=429)


@policy({"GET": PUBLIC})
def healthz(request):
    """``/healthz``: 200 when the database, Redis, storage and the worker's heartbeat are fine, else 503
    naming what failed. No session, no user: the proxy and the operator call it (accounts.health)."""
    report = health_report()
    response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response
