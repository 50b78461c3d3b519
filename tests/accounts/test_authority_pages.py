"""The authorities' pages (accounts.views): the list every regulator sees, one authority with its
history in words, and the delegation and edit forms only for those the services let act."""

import pytest
from django.utils import translation

from accounts import services
from accounts.models import Authority, AuthorityEvent
from accounts.roles import Role
from accounts.views import MSG_GRANTED, MSG_UNKNOWN_ACTION
from tests import factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LIST, BEIJING = "/authorities/", "/authorities/110000/"
REASON = "省局人手不足，请部局代为办理"


@pytest.fixture
def world():
    factories.all_authorities()
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    return {
        "beijing": beijing,
        "bj_admin": factories.UserFactory(role=Role.ADMIN, authority=beijing, first_name="京", last_name="管"),
        "bj_inspector": factories.UserFactory(role=Role.INSPECTOR, authority=beijing),
        "gd_admin": factories.UserFactory(role=Role.ADMIN, authority=guangdong),
        "national_admin": factories.UserFactory(role=Role.ADMIN),
        "national_reviewer": factories.UserFactory(role=Role.REVIEWER),
        "vendor": factories.VendorUserFactory(),
    }


def _as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["bj_admin", "bj_inspector", "gd_admin", "national_admin", "national_reviewer"])
def test_every_regulator_sees_the_list_and_each_authority(client, world, role):
    _as(client, world[role])
    assert client.get(LIST).status_code == 200
    assert client.get(BEIJING).status_code == 200


def test_vendors_are_refused_and_visitors_sent_to_sign_in(client, world):
    assert client.get(LIST).status_code == 302
    assert client.get(LIST)["Location"].startswith("/login/")
    _as(client, world["vendor"])
    assert client.get(LIST).status_code == 403
    assert client.get(BEIJING).status_code == 403


def test_an_unknown_code_is_not_found(client, world):
    _as(client, world["national_reviewer"])
    assert client.get("/authorities/999999/").status_code == 404


def test_the_list_shows_the_32_with_delegation_and_active_regulators(client, world):
    factories.UserFactory(role=Role.REVIEWER, authority=world["beijing"], is_active=False)  # not counted
    Authority.objects.filter(code="440000").update(delegated_to_national=True)
    html = _as(client, world["national_reviewer"]).get(LIST, **EN).content.decode()

    assert html.count("<tr data-code=") == 32
    beijing_row = html.split('<tr data-code="110000">')[1].split("</tr>")[0]
    guangdong_row = html.split('<tr data-code="440000">')[1].split("</tr>")[0]
    assert "北京市通信管理局" in beijing_row and "京信管" in beijing_row and "North China" in beijing_row
    assert '<td data-testid="delegated">No</td>' in beijing_row
    assert "<td>2</td>" in beijing_row  # the admin and the inspector; not the inactive reviewer
    assert '<td data-testid="delegated">Yes</td>' in guangdong_row


def test_the_list_costs_the_same_few_queries_whatever_the_users_and_events(client, world, django_assert_num_queries):
    _as(client, world["national_reviewer"])
    client.get(LIST)
    # session, user, the authorities with their counts, the calendar banner's known years
    with django_assert_num_queries(4):
        assert client.get(LIST).status_code == 200
    factories.UserFactory.create_batch(5, role=Role.INSPECTOR, authority=world["beijing"])
    services.authority_delegation_set(authority=world["beijing"], actor=world["bj_admin"], delegated=True, reason="x")
    with django_assert_num_queries(4):
        assert client.get(LIST).status_code == 200


def test_one_authority_costs_the_same_few_queries_however_long_its_history(client, world, django_assert_num_queries):
    _as(client, world["national_admin"])
    # session, user, the authority with its count, its history with the actors, the calendar banner
    with django_assert_num_queries(5):
        assert client.get(BEIJING).status_code == 200
    for delegated in (True, False, True):
        services.authority_delegation_set(
            authority=world["beijing"], actor=world["bj_admin"], delegated=delegated, reason="x"
        )
    values = {f: getattr(world["beijing"], f) for f in services.EDITABLE} | {"masthead": "北京市通信管理局（新）"}
    services.authority_edit(authority=world["beijing"], actor=world["national_admin"], reason="y", **values)
    with django_assert_num_queries(5):
        response = client.get(BEIJING)
    assert len(response.context["history"]) == 4


def test_the_navigation_links_the_list_for_administrators(client, world):
    assert f'href="{LIST}"' in _as(client, world["bj_admin"]).get("/").content.decode()
    assert f'href="{LIST}"' not in _as(client, world["national_reviewer"]).get("/").content.decode()


@pytest.mark.parametrize(
    ("role", "delegation", "edit"),
    [
        ("bj_admin", True, False),
        ("national_admin", True, True),
        ("gd_admin", False, False),
        ("bj_inspector", False, False),
        ("national_reviewer", False, False),
    ],
)
def test_the_forms_show_only_to_those_allowed(client, world, role, delegation, edit):
    html = _as(client, world[role]).get(BEIJING).content.decode()
    assert ('data-testid="delegation-form"' in html) is delegation
    assert ('data-testid="edit-form"' in html) is edit


def test_the_ministry_page_has_no_delegation_form(client, world):
    html = _as(client, world["national_admin"]).get("/authorities/100000/").content.decode()
    assert 'data-testid="delegation-form"' not in html
    assert 'data-testid="edit-form"' in html


def test_the_own_administrator_grants_and_the_history_says_it_in_words(client, world):
    _as(client, world["bj_admin"])
    data = {"action": "delegation", "delegation-delegated": "1", "delegation-reason": REASON}
    response = client.post(BEIJING, data, **EN)
    assert response.status_code == 302 and response["Location"] == BEIJING

    assert Authority.objects.get(code="110000").delegated_to_national is True
    page = client.get(BEIJING, **EN)
    html = page.content.decode()
    assert str(MSG_GRANTED) in [str(m) for m in page.context["messages"]]
    history = html.split('data-testid="authority-history"')[1].split("</table>")[0]
    assert "Delegation to national users granted" in history and REASON in history and "京 管" in history
    assert "Revoke delegation" in html  # the form now offers the way back

    zh = client.get(BEIJING, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with translation.override("zh-hans"):
        granted = str(services.LABELS[services.GRANTED])
    assert granted != "Delegation to national users granted"  # the catalogue has it
    assert granted in zh.split('data-testid="authority-history"')[1].split("</table>")[0]


def test_another_province_is_refused_with_a_message_not_an_error(client, world):
    _as(client, world["gd_admin"])
    response = client.post(
        BEIJING, {"action": "delegation", "delegation-delegated": "1", "delegation-reason": REASON}, follow=True
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [str(services.MSG_NOT_YOURS)]
    assert not AuthorityEvent.objects.exists()


def test_a_grant_already_granted_is_refused_with_a_message(client, world):
    services.authority_delegation_set(authority=world["beijing"], actor=world["bj_admin"], delegated=True, reason="x")
    _as(client, world["national_admin"])
    response = client.post(
        BEIJING, {"action": "delegation", "delegation-delegated": "1", "delegation-reason": REASON}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [str(services.MSG_ALREADY_DELEGATED)]
    assert AuthorityEvent.objects.count() == 1


def test_a_grant_without_reason_shows_the_form_again(client, world):
    response = _as(client, world["bj_admin"]).post(
        BEIJING, {"action": "delegation", "delegation-delegated": "1", "delegation-reason": ""}
    )
    assert response.status_code == 200
    assert response.context["delegation_form"].errors["reason"]
    assert not AuthorityEvent.objects.exists()


def test_a_reviewer_may_not_post_at_all(client, world):
    response = _as(client, world["national_reviewer"]).post(
        BEIJING, {"action": "delegation", "delegation-delegated": "1", "delegation-reason": REASON}
    )
    assert response.status_code == 403
    assert not AuthorityEvent.objects.exists()


def _edit_data(**changes):
    values = {"short_name": "北京通信管理局", "doc_prefix": "京信管", "masthead": "北京市通信管理局"}
    values |= {"signature": "北京市通信管理局", "reason": "机构改革更名", **changes}
    return {"action": "edit", **{f"edit-{k}": v for k, v in values.items()}}


def test_the_national_administrator_edits_and_the_history_shows_before_and_after(client, world):
    _as(client, world["national_admin"])
    response = client.post(BEIJING, _edit_data(doc_prefix="京通管"))
    assert response.status_code == 302

    assert Authority.objects.get(code="110000").doc_prefix == "京通管"
    history = client.get(BEIJING, **EN).content.decode().split('data-testid="authority-history"')[1]
    assert "Authority details edited" in history and "京信管 → 京通管" in history and "机构改革更名" in history


def test_a_provincial_administrator_posting_an_edit_is_refused_with_a_message(client, world):
    response = _as(client, world["bj_admin"]).post(BEIJING, _edit_data(doc_prefix="京通管"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [str(services.MSG_NATIONAL_ONLY)]
    assert Authority.objects.get(code="110000").doc_prefix == "京信管"


def test_an_unchanged_edit_is_refused_with_a_message(client, world):
    response = _as(client, world["national_admin"]).post(BEIJING, _edit_data(), follow=True)
    assert [str(m) for m in response.context["messages"]] == [str(services.MSG_UNCHANGED)]
    assert not AuthorityEvent.objects.exists()


def test_an_unknown_action_is_refused_with_a_message(client, world):
    response = _as(client, world["national_admin"]).post(BEIJING, {"action": "delete"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [str(MSG_UNKNOWN_ACTION)]
