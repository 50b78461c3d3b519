"""Every URL declares which permission each HTTP method needs, and an undeclared view is refused.

The walk covers every pattern in ``config.urls``, pages and API alike: function views carry
``.policy`` (``@policy``), class-based views ``view_class.policy``, DRF views ``cls.policy`` or,
for viewset actions, ``initkwargs["policy"]``.
"""

import pytest
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.views import View
from django.views.generic.edit import ProcessFormView
from django.views.i18n import set_language
from django.views.static import serve
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts import roles
from accounts.policies import DeclaredPolicy, PolicyMixin, policy, required_perm

# Views whose protection is Django's own: the admin (staff login), set_language, file serving.
ALLOWED_UNDECLARED_FUNCTIONS = {set_language, serve}
# Django's own sign-in views are allowed as they are; a project subclass must declare PUBLIC.
ALLOWED_UNDECLARED_CLASSES = {LoginView, LogoutView}
HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def walk(patterns=None, prefix="", namespaces=()):
    """Yield (route, namespaces, pattern) for every URL pattern, through includes."""
    if patterns is None:
        patterns = get_resolver("config.urls").url_patterns
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            yield route, namespaces, entry


def declared_policy(callback):
    """The policy a URL's view declares, or None. DRF actions may override it in initkwargs."""
    initkwargs = getattr(callback, "initkwargs", None) or {}
    if "policy" in initkwargs:
        return initkwargs["policy"]
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        return getattr(cls, "policy", None)
    return getattr(callback, "policy", None)


def view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def is_allowed_undeclared(namespaces, callback) -> bool:
    if "admin" in namespaces:
        return True
    if callback in ALLOWED_UNDECLARED_FUNCTIONS:
        return True
    return view_class(callback) in ALLOWED_UNDECLARED_CLASSES


def handled_methods(callback) -> list[str]:
    """The HTTP methods a class-based view answers (DRF viewsets: the routed actions).

    Django's form views alias PUT to POST (``ProcessFormView.put``); browsers never send it and
    the policy refuses it, so that alias is not counted as a method the page means to answer.
    """
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted({m.upper() for m in actions} & set(HTTP_METHODS))
    cls = view_class(callback)
    if cls is None:
        return []
    return [
        m
        for m in HTTP_METHODS
        if m.lower() in cls.http_method_names
        and hasattr(cls, m.lower())
        and getattr(cls, m.lower()) is not ProcessFormView.put
    ]


def all_patterns():
    return list(walk())


def known_permissions() -> set[str]:
    names = {roles.PUBLIC, roles.AUTHENTICATED}
    for perms in roles.ROLE_PERMISSIONS.values():
        names |= perms
    return names


def policy_values(declared) -> list[str]:
    return [declared] if isinstance(declared, str) else list(declared.values())


def by_name() -> dict:
    """Callbacks by "namespace:name" (routers' patterns are regexes, names are stable)."""
    return {":".join((*ns, p.name)): p.callback for _route, ns, p in all_patterns() if p.name}


def test_the_walk_reaches_pages_api_and_admin():
    names = by_name()
    for name in ["cases-api:case-list", "cases-api:case-withdraw", "accounts-api:token", "schema", "swagger-ui"]:
        assert name in names
    assert "admin:index" in names
    assert "set_language" in names
    assert len(names) > 40


def test_every_url_declares_a_policy():
    missing = [
        f"{route}  ({pattern.lookup_str})"
        for route, namespaces, pattern in all_patterns()
        if declared_policy(pattern.callback) is None and not is_allowed_undeclared(namespaces, pattern.callback)
    ]
    assert missing == [], "URLs without a declared policy:\n" + "\n".join(missing)


def test_declared_policies_cover_every_method_a_view_answers():
    """A method a view handles but its policy omits is refused to everyone: a bug, not a policy."""
    gaps = []
    for route, namespaces, pattern in all_patterns():
        declared = declared_policy(pattern.callback)
        if declared is None or is_allowed_undeclared(namespaces, pattern.callback):
            continue
        for method in handled_methods(pattern.callback):
            if required_perm(declared, method) is None:
                gaps.append(f"{route} {method}  ({pattern.lookup_str})")
    assert gaps == [], "Handled methods without a permission:\n" + "\n".join(gaps)


def test_declared_permission_names_exist():
    """A misspelt permission would silently refuse everyone."""
    known = known_permissions()
    unknown = [
        f"{route}: {name!r}"
        for route, _ns, pattern in all_patterns()
        if (declared := declared_policy(pattern.callback)) is not None
        for name in policy_values(declared)
        if name not in known
    ]
    assert unknown == [], "Unknown permission names:\n" + "\n".join(unknown)


def test_api_actions_declare_their_own_policy():
    names = by_name()
    assert declared_policy(names["cases-api:case-withdraw"]) == {"POST": roles.CASE_DECIDE}
    assert declared_policy(names["cases-api:case-confirm-rectified"]) == {"POST": roles.CASE_DECIDE}
    assert declared_policy(names["cases-api:finding-confirm"]) == {"POST": roles.FINDING_DECIDE}
    assert declared_policy(names["cases-api:case-list"]) == {"GET": roles.AUTHENTICATED, "POST": roles.CASE_OPEN}
    assert declared_policy(names["accounts-api:token"]) == {"POST": roles.PUBLIC}
    assert declared_policy(names["schema"]) == {"GET": roles.PUBLIC}
    assert declared_policy(names["swagger-ui"]) == {"GET": roles.PUBLIC}


# Fail closed


class _UndeclaredApi(APIView):
    permission_classes = [DeclaredPolicy]

    def get(self, request):
        return HttpResponse("should not be reached")


class _PartlyDeclaredApi(APIView):
    permission_classes = [DeclaredPolicy]
    policy = {"GET": roles.PUBLIC}

    def get(self, request):
        return HttpResponse("ok")

    def post(self, request):
        return HttpResponse("should not be reached")


@pytest.mark.django_db
def test_an_undeclared_api_view_is_refused_even_to_an_admin(admin_user):
    request = APIRequestFactory().get("/undeclared/")
    force_authenticate(request, user=admin_user)
    response = _UndeclaredApi.as_view()(request)
    assert response.status_code == 403
    assert response.data["error"]["code"] == "permission_denied"


@pytest.mark.django_db
def test_an_undeclared_api_view_asks_an_anonymous_caller_to_authenticate():
    response = _UndeclaredApi.as_view()(APIRequestFactory().get("/undeclared/"))
    assert response.status_code == 401
    assert response.data["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_a_method_missing_from_the_policy_is_refused(admin_user):
    request = APIRequestFactory().post("/partly/")
    force_authenticate(request, user=admin_user)
    assert _PartlyDeclaredApi.as_view()(request).status_code == 403
    assert _PartlyDeclaredApi.as_view()(APIRequestFactory().get("/partly/")).status_code == 200


@pytest.mark.django_db
def test_a_method_the_view_does_not_handle_answers_405(admin_user):
    request = APIRequestFactory().delete("/partly/")
    force_authenticate(request, user=admin_user)
    response = _PartlyDeclaredApi.as_view()(request)
    assert response.status_code == 405
    assert response.data["error"]["code"] == "method_not_allowed"


class _UndeclaredPage(PolicyMixin, View):
    def get(self, request):
        return HttpResponse("should not be reached")


@pytest.mark.django_db
def test_an_undeclared_page_view_is_refused(admin_user):
    request = RequestFactory().get("/page/")
    request.user = admin_user
    with pytest.raises(PermissionDenied):
        _UndeclaredPage.as_view()(request)


@pytest.mark.django_db
def test_a_function_view_refuses_methods_it_did_not_declare(admin_user):
    @policy({"GET": roles.CASE_VIEW})
    def page(request):
        return HttpResponse("ok")

    request = RequestFactory().post("/page/")
    request.user = admin_user
    with pytest.raises(PermissionDenied):
        page(request)
    request = RequestFactory().get("/page/")
    request.user = admin_user
    assert page(request).status_code == 200
    assert page.policy == {"GET": roles.CASE_VIEW}


def test_the_walk_flags_an_undeclared_view():
    """The checker itself: an undeclared class, function and viewset action are all caught."""

    def bare(request):
        return HttpResponse()

    assert declared_policy(_UndeclaredApi.as_view()) is None
    assert declared_policy(_UndeclaredPage.as_view()) is None
    assert declared_policy(bare) is None
    assert declared_policy(_PartlyDeclaredApi.as_view()) == {"GET": roles.PUBLIC}
    assert handled_methods(_PartlyDeclaredApi.as_view()) == ["GET", "POST"]

    patterns = [
        path("bare/", bare),
        path("nested/", include([path("page/", _UndeclaredPage.as_view()), path("ok/", _PartlyDeclaredApi.as_view())])),
        path("login/", LoginView.as_view()),
    ]
    flagged = [
        route
        for route, namespaces, pattern in walk(patterns)
        if declared_policy(pattern.callback) is None and not is_allowed_undeclared(namespaces, pattern.callback)
    ]
    assert flagged == ["bare/", "nested/page/"]
