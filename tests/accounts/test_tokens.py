"""API tokens expire, die with a password change, and are listed and revoked by their user and an
administrator (issue 13: "API tokens never expire and survive a password change")."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import ApiToken
from accounts.tokens import api_token_issue
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
ME_URL = "/api/v1/auth/me/"
PASSWORD = "pw-Rectify-2025"  # tests/factories.py


def _sign_in(api_client, username, name=""):
    response = api_client.post(TOKEN_URL, {"username": username, "password": PASSWORD, "name": name}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def _me(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client.get(ME_URL, HTTP_ACCEPT_LANGUAGE="en")


def test_a_token_expires_after_the_configured_time(api_client, inspector, settings):
    settings.API_TOKEN_TTL = 3600
    body = _sign_in(api_client, "inspector1")
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert abs((expires - timezone.now()).total_seconds() - 3600) < 60
    assert _me(api_client, body["token"]).status_code == 200

    with freeze_time(timezone.now() + datetime.timedelta(seconds=3601)):
        response = _me(api_client, body["token"])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert "expired" in response.json()["error"]["message"]
    assert not ApiToken.objects.filter(pk=body["id"]).exists()


def test_a_password_change_revokes_every_token(api_client, inspector):
    keys = [_sign_in(api_client, "inspector1")["token"] for _ in range(2)]
    inspector.set_password("another-Rectify-2026")
    inspector.save()
    for key in keys:
        assert _me(api_client, key).status_code == 401
    assert not ApiToken.objects.filter(user=inspector).exists()


def test_a_deactivated_user_s_token_is_refused(api_client, inspector):
    key = _sign_in(api_client, "inspector1")["token"]
    inspector.is_active = False
    inspector.save()
    assert _me(api_client, key).status_code == 401


def test_the_key_is_not_stored(api_client, inspector):
    key = _sign_in(api_client, "inspector1")["token"]
    token = ApiToken.objects.get(user=inspector)
    assert key not in (token.key_sha256, token.prefix) and token.prefix == key[:8]


def test_a_user_lists_and_revokes_their_own_tokens(api_client, inspector, reviewer):
    laptop = _sign_in(api_client, "inspector1", name="laptop")
    script = _sign_in(api_client, "inspector1", name="nightly script")
    _sign_in(api_client, "reviewer1")

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {laptop['token']}")
    listed = api_client.get(TOKENS_URL).json()
    assert [t["name"] for t in listed] == ["nightly script", "laptop"]
    assert {t["user"] for t in listed} == {"inspector1"}
    assert "token" not in listed[0] and "key_sha256" not in listed[0]

    assert api_client.delete(f"{TOKENS_URL}{script['id']}/").status_code == 204
    assert _me(api_client, script["token"]).status_code == 401
    assert _me(api_client, laptop["token"]).status_code == 200


def test_another_user_s_token_is_not_found(api_client, inspector, reviewer):
    theirs = _sign_in(api_client, "reviewer1")
    mine = _sign_in(api_client, "inspector1")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {mine['token']}")
    response = api_client.delete(f"{TOKENS_URL}{theirs['id']}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api_client.get(TOKENS_URL, {"user": theirs["id"]}).json()[0]["user"] == "inspector1"
    assert _me(api_client, theirs["token"]).status_code == 200


def test_a_token_id_that_is_not_a_number_is_not_found(api_client, inspector):
    """Found by schemathesis: DELETE /api/v1/auth/tokens/null,null/ answered 500."""
    mine = _sign_in(api_client, "inspector1")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {mine['token']}")
    for token_id in ("null,null", "abc", "0.5"):
        response = api_client.delete(f"{TOKENS_URL}{token_id}/")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert _me(api_client, mine["token"]).status_code == 200


def test_a_user_filter_that_is_not_a_number_is_ignored(api_client, admin_user):
    """Found by schemathesis-style input: "²".isdigit() is true but int("²") fails (it answered 500)."""
    mine = _sign_in(api_client, admin_user.username)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {mine['token']}")
    for user in ("²", "x", ""):
        response = api_client.get(TOKENS_URL, {"user": user})
        assert response.status_code == 200, user


def test_an_administrator_lists_and_revokes_anyone_s_tokens(api_client, admin_user, inspector):
    victim = factories.UserFactory(role="vendor", username="leaky")
    _token, leaked = api_token_issue(user=victim, name="pasted in a ticket")
    api_client.force_authenticate(admin_user)
    listed = api_client.get(TOKENS_URL, {"user": victim.pk}).json()
    assert [(t["user"], t["name"]) for t in listed] == [("leaky", "pasted in a ticket")]
    assert api_client.delete(f"{TOKENS_URL}{listed[0]['id']}/").status_code == 204
    api_client.force_authenticate(None)
    assert _me(api_client, leaked).status_code == 401


def test_anonymous_cannot_list_tokens(api_client):
    assert api_client.get(TOKENS_URL).status_code == 401


def test_the_admin_lists_tokens_and_revokes_by_deleting(client, admin_user, inspector):
    token, _key = api_token_issue(user=inspector, name="ci")
    client.force_login(admin_user)
    page = client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200 and token.prefix in page.content.decode()
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert not ApiToken.objects.filter(pk=token.pk).exists()
