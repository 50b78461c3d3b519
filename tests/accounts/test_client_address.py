"""The client's address behind trusted proxies (accounts/client_address.py), as django-axes and the
DRF rate limits see it: behind the TLS proxy, one client's failures never lock out another."""

import pytest
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts import throttles
from accounts.client_address import client_ip

PASSWORD = "pw-Rectify-2025"  # tests/factories.py
PROXY = "127.0.0.1"  # the test client's REMOTE_ADDR: the proxy in front of the application


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_CIDRS = ["127.0.0.0/8", "::1/128"]


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


def test_a_trusted_proxy_gives_the_address_it_appended(behind_proxy):
    # A client may send its own header; the proxy appends what it saw: only the last entry counts.
    assert client_ip(_request(PROXY, "10.9.9.9, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(PROXY)) == PROXY
    assert client_ip(_request(PROXY, "not-an-address")) == PROXY


def test_an_untrusted_peer_cannot_choose_its_address(behind_proxy):
    assert client_ip(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


def test_two_hops_are_walked_only_while_each_is_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    # client -> CDN 10.1.1.1 -> proxy 10.2.2.2 -> app
    assert client_ip(_request("10.2.2.2", "198.51.100.7, 10.1.1.1")) == "198.51.100.7"
    # the second hop is not one of ours: stop there
    assert client_ip(_request("10.2.2.2", "198.51.100.7, 203.0.113.9")) == "203.0.113.9"


def test_a_hop_count_without_networks_trusts_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_CIDRS = []
    assert client_ip(_request("203.0.113.5", "198.51.100.7")) == "198.51.100.7"


def _login(client, username, password, address):
    return client.post("/login/", {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address)


@pytest.mark.django_db
def test_one_client_failing_behind_the_proxy_does_not_lock_out_another(behind_proxy, settings, reviewer):
    attacker, colleague = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, reviewer.username, "wrong", "198.51.100.66")

    locked = _login(attacker, reviewer.username, PASSWORD, "198.51.100.66")
    signed_in = _login(colleague, reviewer.username, PASSWORD, "198.51.100.7")

    assert locked.status_code == 429
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/")


@pytest.mark.django_db
def test_the_token_api_locks_out_only_the_failing_client(behind_proxy, settings, inspector):
    api = APIClient()
    url = "/api/v1/auth/token/"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post(url, {"username": inspector.username, "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.66")

    locked = api.post(url, {"username": inspector.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.66")
    other = api.post(url, {"username": inspector.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert locked.status_code == 429
    assert other.status_code == 200


@pytest.mark.django_db
def test_an_untrusted_peer_cannot_escape_the_lockout_with_the_header(behind_proxy, settings, reviewer):
    direct = Client(REMOTE_ADDR="203.0.113.5")  # reaches the application without the proxy
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(direct, reviewer.username, "wrong", f"198.51.100.{i}")

    assert _login(direct, reviewer.username, PASSWORD, "198.51.100.200").status_code == 429
    assert _login(Client(), reviewer.username, PASSWORD, "198.51.100.7").status_code == 302


def _api_views(patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            yield pattern.callback.cls


def test_every_drf_rate_limit_keys_on_the_real_client():
    """A DRF throttle keyed on REMOTE_ADDR would be shared by every client behind the proxy."""
    classes = {throttle for view in _api_views() for throttle in view.throttle_classes}
    classes |= set(api_settings.DEFAULT_THROTTLE_CLASSES)
    assert all(issubclass(throttle, throttles.ClientAddressMixin) for throttle in classes), classes


def test_the_project_throttles_key_on_the_forwarded_address(behind_proxy):
    request = _request(PROXY, "198.51.100.7")
    for throttle in (throttles.AnonRateThrottle, throttles.UserRateThrottle, throttles.ScopedRateThrottle):
        assert throttle.get_ident(throttle.__new__(throttle), request) == "198.51.100.7"
