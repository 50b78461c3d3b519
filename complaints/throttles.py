"""The rate limit of the public complaint form and its API: no CAPTCHA, a count per client address.

One class for both doors. The address is the real client's behind our proxies
(``accounts.throttles.ClientAddressMixin``, ARCHITECTURE.md §6); the rate is
``COMPLAINT_SUBMIT_RATE`` (default 10 an hour), read at each request so that a deployment (or a
test) can change it.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.throttles import ClientAddressMixin


class ComplaintSubmitThrottle(ClientAddressMixin, SimpleRateThrottle):
    scope = "complaint_submit"

    def get_rate(self) -> str:
        return settings.COMPLAINT_SUBMIT_RATE

    def __init__(self):
        # SimpleRateThrottle reads its rate in __init__; read it per request instead.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def submission_allowed(request) -> bool:
    """Count this submission against the client's address; False once the window is used up."""
    return ComplaintSubmitThrottle().allow_request(request, None)
