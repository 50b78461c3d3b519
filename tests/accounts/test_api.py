"""Token sign-in through django-axes, the signed-in user, and the error shape for auth failures."""

import hashlib

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from accounts.error_codes import INVALID_CREDENTIALS, LOGIN_LOCKED_OUT
from accounts.models import ApiToken

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/auth/me/"
PASSWORD = "pw-Rectify-2025"  # tests/factories.py

pytestmark = pytest.mark.django_db


def _token(api_client, username, password, **extra):
    return api_client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def test_token_for_good_credentials_authenticates_later_calls(api_client, inspector):
    response = _token(api_client, "inspector1", PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert ApiToken.objects.get(user=inspector).key_sha256 == hashlib.sha256(key.encode()).hexdigest()

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api_client.get(ME_URL)
    assert me.status_code == 200
    assert me.json() == {
        "id": inspector.pk,
        "username": "inspector1",
        "first_name": "",
        "last_name": "",
        "email": "inspector1@example.test",
        "role": "inspector",
        "vendor": None,
    }


def test_each_sign_in_gets_its_own_token(api_client, inspector):
    first = _token(api_client, "inspector1", PASSWORD).json()["token"]
    assert _token(api_client, "inspector1", PASSWORD).json()["token"] != first
    assert ApiToken.objects.filter(user=inspector).count() == 2


def test_token_sign_in_records_last_login(api_client, inspector):
    assert inspector.last_login is None
    _token(api_client, "inspector1", PASSWORD)
    inspector.refresh_from_db()
    assert inspector.last_login is not None


def test_wrong_password_is_400_in_the_one_error_shape(api_client, inspector):
    response = _token(api_client, "inspector1", "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": INVALID_CREDENTIALS,
            "message": "Unable to sign in with the given username and password.",
            "details": {},
        }
    }


def test_unknown_user_looks_like_a_wrong_password(api_client):
    response = _token(api_client, "nobody", "wrong")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == INVALID_CREDENTIALS


def test_inactive_user_gets_no_token(api_client, inspector):
    inspector.is_active = False
    inspector.save()
    assert _token(api_client, "inspector1", PASSWORD).json()["error"]["code"] == INVALID_CREDENTIALS


def test_missing_fields_are_field_errors(api_client):
    response = api_client.post(TOKEN_URL, {"username": "x"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert [e["code"] for e in error["details"]["password"]] == ["required"]


def test_repeated_failures_lock_out_through_axes(api_client, inspector):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _token(api_client, "inspector1", "wrong").status_code == 400
    locked = _token(api_client, "inspector1", "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == LOGIN_LOCKED_OUT
    assert locked["Content-Type"] == "application/json"
    # Even the right password is refused while locked out, and no token is made.
    again = _token(api_client, "inspector1", PASSWORD)
    assert again.status_code == 429
    assert again.json()["error"]["code"] == LOGIN_LOCKED_OUT
    assert not ApiToken.objects.filter(user=inspector).exists()
    attempt = AccessAttempt.objects.get(username="inspector1")
    # axes counts the refused attempt too (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT, on by default).
    assert attempt.failures_since_start == limit + 1


def test_a_lockout_is_per_username(api_client, inspector, reviewer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(api_client, "inspector1", "wrong")
    assert _token(api_client, "reviewer1", PASSWORD).status_code == 200


def test_a_successful_sign_in_resets_the_failure_count(api_client, inspector):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _token(api_client, "inspector1", "wrong")
    assert _token(api_client, "inspector1", PASSWORD).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(api_client, "inspector1", "wrong").status_code == 400
    assert _token(api_client, "inspector1", PASSWORD).status_code == 200


def test_me_for_a_vendor_user_names_the_vendor(api_client, vendor_user):
    api_client.force_authenticate(vendor_user)
    body = api_client.get(ME_URL).json()
    assert body["role"] == "vendor"
    assert body["vendor"] == vendor_user.membership.vendor_id


def test_anonymous_caller_gets_401_with_a_challenge(api_client):
    response = api_client.get(ME_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "details": {},
        }
    }


def test_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.get(ME_URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_messages_are_translated(api_client):
    """zh-hans is the default language: DRF's own catalog answers in Chinese."""
    response = api_client.get(ME_URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["error"]["message"] == "身份认证信息未提供。"
    assert api_client.get(ME_URL).json()["error"]["message"] == "身份认证信息未提供。"
