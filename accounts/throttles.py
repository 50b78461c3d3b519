"""DRF rate limits keyed on the real client (``accounts.client_address``), never on the proxy.

DRF's own ``get_ident`` believes ``X-Forwarded-For`` from any peer (``NUM_PROXIES``) or keys on
``REMOTE_ADDR``; these classes use the one trusted-proxy rule instead. Every throttle of the API
derives from ``ClientAddressMixin`` (``tests/accounts/test_client_address.py`` walks the URLs).
"""

from rest_framework import throttling

from accounts.client_address import client_ip


class ClientAddressMixin:
    def get_ident(self, request) -> str:
        return client_ip(request)


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    pass
