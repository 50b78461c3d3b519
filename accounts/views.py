"""Sign-in and sign-out pages, the page django-axes shows after too many failures, and the
authorities' pages (their list, one with its history and the forms to delegate and edit)."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext_lazy as _

from accounts import selectors, services
from accounts.errors import DomainError, NotFound
from accounts.models import Authority
from accounts.policies import PolicyMixin, policy
from accounts.roles import AUTHORITY_MANAGE, PUBLIC, REFERENCE_VIEW

from .api import LockedOut
from .forms import AuthorityDelegationForm, AuthorityEditForm, LoginForm, add_service_errors
from .health import health_report

# Pages built by other parts of the project; linked by path.
PORTAL_URL = "/portal/"

MSG_LOCKED_OUT = _(
    "Too many failed sign-in attempts. Sign-in for this account is blocked for %(minutes)s minutes; "
    "try again later or ask an administrator to unlock it."
)
MSG_SIGNED_OUT = _("You have signed out.")
MSG_GRANTED = _("National users may now act on this authority's records.")
MSG_REVOKED = _("National users no longer act on this authority's records; they still see them.")
MSG_EDITED = _("The authority's details were saved.")
MSG_UNKNOWN_ACTION = _("Choose what to change: the delegation or the details.")


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


@policy({"GET": REFERENCE_VIEW})
def authority_list(request):
    """The 32 authorities: names, prefix, delegation and how many regulators work there."""
    return render(request, "accounts/authority_list.html", {"authorities": selectors.authority_list()})


@policy({"GET": REFERENCE_VIEW, "POST": AUTHORITY_MANAGE})
def authority_detail(request, code):
    """One authority with its history; its administrators (and national ones) grant or revoke
    delegation, a national administrator edits its details. Refusals come back as messages."""
    try:
        authority = selectors.authority_get(code=code)
    except NotFound as exc:
        raise Http404 from exc
    delegation_form = AuthorityDelegationForm(
        prefix="delegation", initial={"delegated": "0" if authority.delegated_to_national else "1"}
    )
    edit_form = AuthorityEditForm(prefix="edit", initial={f: getattr(authority, f) for f in services.EDITABLE})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "delegation":
            delegation_form = AuthorityDelegationForm(request.POST, prefix="delegation")
            if delegation_form.is_valid():
                return _delegation_set(request, authority, delegation_form.cleaned_data)
        elif action == "edit":
            edit_form = AuthorityEditForm(request.POST, prefix="edit")
            if edit_form.is_valid():
                try:
                    services.authority_edit(authority=authority, actor=request.user, **edit_form.cleaned_data)
                except ValidationError as exc:
                    add_service_errors(edit_form, exc)
                except DomainError as exc:
                    messages.error(request, exc.message)
                    return redirect("authority-detail", code=code)
                else:
                    messages.success(request, MSG_EDITED)
                    return redirect("authority-detail", code=code)
        else:
            messages.error(request, MSG_UNKNOWN_ACTION)
            return redirect("authority-detail", code=code)
    context = {
        "authority": authority,
        "history": [_in_words(event) for event in selectors.authority_event_list(authority=authority)],
        "can_delegate": not authority.is_national and services.may_set_delegation(request.user, authority),
        "can_edit": services.is_national_admin(request.user),
        "delegation_form": delegation_form,
        "edit_form": edit_form,
    }
    return render(request, "accounts/authority_detail.html", context)


def _delegation_set(request, authority, data):
    try:
        services.authority_delegation_set(authority=authority, actor=request.user, **data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, MSG_GRANTED if data["delegated"] else MSG_REVOKED)
    return redirect("authority-detail", code=authority.code)


def _in_words(event) -> dict:
    """One history row as the page says it: when, who, what (each edited field before and after), why."""
    actor = event.actor
    fields = {f: Authority._meta.get_field(f).verbose_name for f in services.EDITABLE}
    changes = event.data.get("changes", {})
    return {
        "at": event.created_at,
        "who": (actor.get_full_name() or actor.username) if actor else None,
        "what": services.LABELS.get(event.kind, event.kind),
        "changes": [(fields.get(f, f), c["before"], c["after"]) for f, c in changes.items()],
        "reason": event.reason,
    }
