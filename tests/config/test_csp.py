"""Every response carries the Content-Security-Policy; one that sets its own keeps it."""

import pytest
from django.http import HttpResponse

from config.csp import POLICY, ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/register/", "/login/", "/api/docs/", "/api/v1/auth/me/", "/no-such-page/"])
def test_pages_and_api_answers_carry_the_policy(client, path):
    assert client.get(path)["Content-Security-Policy"] == POLICY


def test_the_policy_allows_no_inline_script_or_style():
    directives = dict(d.split(" ", 1) for d in POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in POLICY and directives["frame-ancestors"] == "'none'"


def test_a_response_with_its_own_policy_keeps_it(rf):
    def sandboxed(request):
        response = HttpResponse(b"evidence")
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(sandboxed)(rf.get("/evidence/1/download/"))
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
