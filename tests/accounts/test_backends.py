"""The signed-in user and the session from the shared cache (issue 14, the per-request floor): no query
for either once cached, and a change to the user (deactivation, password, role) or a sign-out is
seen by the very next request."""

import pytest
from django.core.cache import cache

from accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = "/api/v1/auth/tokens/"  # the smallest API answer: the user's own tokens (none here)
LOGIN_URL = "/login/"
ME_URL = "/api/v1/auth/me/"
PASSWORD = "pw-Rectify-2025"  # tests/factories.py


@pytest.fixture
def shared_cache(settings):
    """As with CACHE_URL (Redis, shared by the processes); the tests' memory cache stands in for it."""
    settings.CACHE_URL = "redis://cache.example.test:6379/1"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    yield
    cache.clear()


def _signed_in(client, user):
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_with_a_shared_cache_a_request_reads_neither_session_nor_user_from_the_database(
    client, shared_cache, django_assert_num_queries
):
    user = factories.UserFactory(role=Role.ADMIN)
    _signed_in(client, user)
    assert client.get(PAGE).status_code == 200  # fills the cache

    with django_assert_num_queries(1):  # the tokens only
        assert client.get(PAGE).status_code == 200


def test_without_a_shared_cache_the_database_answers_each_time(client, settings, django_assert_num_queries):
    settings.CACHE_URL = ""
    user = factories.UserFactory(role=Role.ADMIN)
    _signed_in(client, user)
    client.get(PAGE)

    with django_assert_num_queries(3):  # session, user, tokens
        assert client.get(PAGE).status_code == 200


def test_a_deactivated_user_is_out_at_the_next_request(client, shared_cache):
    user = factories.UserFactory(role=Role.ADMIN)
    _signed_in(client, user)
    assert client.get(PAGE).status_code == 200

    user.is_active = False
    user.save()

    assert client.get(PAGE).status_code in (401, 403)


def test_a_new_role_is_seen_at_the_next_request(client, shared_cache):
    user = factories.UserFactory(role=Role.ADMIN)
    _signed_in(client, user)
    assert client.get(ME_URL).json()["role"] == Role.ADMIN

    user.role = Role.INSPECTOR
    user.save()

    assert client.get(ME_URL).json()["role"] == Role.INSPECTOR


def test_a_password_change_ends_the_other_sessions(client, shared_cache):
    user = factories.UserFactory(role=Role.ADMIN)
    _signed_in(client, user)
    assert client.get(PAGE).status_code == 200

    user.set_password("another-Rectify-2026")
    user.save()

    assert client.get(PAGE).status_code in (401, 403)


def test_signing_out_ends_the_session_for_every_process(client, shared_cache):
    user = factories.UserFactory(role=Role.ADMIN)
    _signed_in(client, user)
    cookie = client.cookies["sessionid"].value
    assert client.get(PAGE).status_code == 200

    client.post("/logout/")

    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    assert client.get(PAGE).status_code in (401, 403)
