"""The authorities through the API (accounts.api): the list, and delegation with its refusals in the
one error shape."""

import pytest

from accounts import error_codes
from accounts.models import Authority, AuthorityEvent
from accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/authorities/"
DELEGATION = "/api/v1/authorities/110000/delegation/"
REASON = "省局人手不足，请部局代为办理"


@pytest.fixture
def world():
    factories.all_authorities()
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    return {
        "beijing": beijing,
        "bj_admin": factories.UserFactory(role=Role.ADMIN, authority=beijing),
        "gd_admin": factories.UserFactory(role=Role.ADMIN, authority=guangdong),
        "national_admin": factories.UserFactory(role=Role.ADMIN),
        "national_reviewer": factories.UserFactory(role=Role.REVIEWER),
        "vendor": factories.VendorUserFactory(),
    }


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _post(api_client, data, url=DELEGATION):
    return api_client.post(url, data, format="json")


def test_the_list_has_the_32_authorities(api_client, world):
    rows = _as(api_client, world["national_reviewer"]).get(LIST).json()

    assert len(rows) == 32
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    beijing = next(r for r in rows if r["code"] == "110000")
    assert beijing == {
        "code": "110000",
        "name": "北京市通信管理局",
        "short_name": "北京通信管理局",
        "level": "provincial",
        "region": beijing["region"],
        "doc_prefix": "京信管",
        "masthead": "北京市通信管理局",
        "signature": "北京市通信管理局",
        "delegated_to_national": False,
        "active_regulators": 1,
    }
    assert beijing["region"] in {"North China", "华北"}


def test_the_list_is_for_regulators(api_client, world):
    assert api_client.get(LIST).status_code in (401, 403)
    response = _as(api_client, world["vendor"]).get(LIST)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"  # DRF's refusal of the declared policy


def test_the_list_costs_one_query_whatever_the_users(api_client, world, django_assert_num_queries):
    _as(api_client, world["national_reviewer"])
    with django_assert_num_queries(1):
        assert api_client.get(LIST).status_code == 200
    factories.UserFactory.create_batch(5, role=Role.INSPECTOR, authority=world["beijing"])
    with django_assert_num_queries(1):
        assert len(api_client.get(LIST).json()) == 32


@pytest.mark.parametrize("actor", ["bj_admin", "national_admin"])
def test_the_own_or_a_national_administrator_grants(api_client, world, actor):
    response = _post(_as(api_client, world[actor]), {"delegated": True, "reason": REASON})

    assert response.status_code == 200, response.content
    assert response.json()["delegated_to_national"] is True
    assert Authority.objects.get(code="110000").delegated_to_national is True
    event = AuthorityEvent.objects.get()
    assert (event.kind, event.actor, event.reason) == ("granted", world[actor], REASON)


def test_another_province_is_refused_with_its_code(api_client, world):
    response = _post(_as(api_client, world["gd_admin"]), {"delegated": True, "reason": REASON})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == error_codes.AUTHORITY_NOT_YOURS
    assert not AuthorityEvent.objects.exists()


def test_a_reviewer_is_refused_by_the_policy(api_client, world):
    response = _post(_as(api_client, world["national_reviewer"]), {"delegated": True, "reason": REASON})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"  # DRF's refusal of the declared policy


def test_a_repeated_grant_is_a_conflict(api_client, world):
    _as(api_client, world["bj_admin"])
    assert _post(api_client, {"delegated": True, "reason": REASON}).status_code == 200
    again = _post(api_client, {"delegated": True, "reason": REASON})

    assert again.status_code == 409
    assert again.json()["error"]["code"] == error_codes.AUTHORITY_DELEGATION_UNCHANGED
    assert AuthorityEvent.objects.count() == 1


def test_a_missing_reason_and_an_unknown_authority(api_client, world):
    _as(api_client, world["national_admin"])
    missing = _post(api_client, {"delegated": True})
    assert missing.status_code == 400
    assert "reason" in missing.json()["error"]["details"]
    blank = _post(api_client, {"delegated": True, "reason": "   "})
    assert blank.status_code == 400

    unknown = _post(api_client, {"delegated": True, "reason": REASON}, url="/api/v1/authorities/999999/delegation/")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == error_codes.NOT_FOUND

    ministry = _post(api_client, {"delegated": True, "reason": REASON}, url="/api/v1/authorities/100000/delegation/")
    assert ministry.status_code == 400
    assert ministry.json()["error"]["code"] == error_codes.AUTHORITY_MINISTRY_NOT_DELEGATED
    assert not AuthorityEvent.objects.exists()
