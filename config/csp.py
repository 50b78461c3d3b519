"""A Content-Security-Policy on every response (ARCHITECTURE.md §6).

The pages carry no inline script, inline style or event-handler attribute: scripts and styles are
static files (Swagger UI's start script is served apart, ``config.urls.DocsView``), so the policy
allows only this site's own files. Data URLs are allowed for images and fonts (Swagger UI's icons).
A response that sets its own policy keeps it: evidence downloads are sandboxed
(``sandbox; default-src 'none'``).
"""

from django.conf import settings

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", "") or POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
