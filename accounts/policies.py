"""Enforce the permission each view declares per HTTP method.

A view without a declaration is refused (fail closed) and flagged by the URL-walking test.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .roles import PUBLIC, has_perm


def required_perm(policy, method: str) -> str | None:
    if policy is None:
        return None
    if isinstance(policy, str):
        return policy
    method = "GET" if method == "HEAD" else method
    return policy.get(method, policy.get("*"))


class DeclaredPolicy(BasePermission):
    """DRF permission: ``view.policy`` maps methods (or "*") to a permission name."""

    def has_permission(self, request, view):
        if request.method not in getattr(view, "allowed_methods", (request.method,)):
            # The view has no handler for this method: let DRF answer 405, which grants nothing.
            return True
        perm = required_perm(getattr(view, "policy", None), request.method)
        if perm is None:
            return False
        if request.method == "OPTIONS":
            return True
        return has_perm(request.user, perm)


class PolicyMixin:
    """Class-based page views: declare ``policy``; anonymous users go to login."""

    policy: dict[str, str] | str | None = None

    def dispatch(self, request, *args, **kwargs):
        perm = required_perm(self.policy, request.method)
        if perm is None:
            raise PermissionDenied
        if perm != PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_perm(request.user, perm):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def policy(declared):
    """Function page views: ``@policy({"GET": perms.CASE_VIEW})``."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            perm = required_perm(declared, request.method)
            if perm is None:
                raise PermissionDenied
            if perm != PUBLIC and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.policy = declared
        return wrapped

    return decorate
