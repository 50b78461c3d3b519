"""The regulator's pages for transferring a case to another authority (ARCHITECTURE.md §15): the
form on the case page and its thin view over ``cases.transfers.case_transfer``, the transfer in
the case's timeline, and the list of the transfers into and out of an authority."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Authority
from accounts.roles import Role
from cases import events, selectors, transfers
from cases.models import Case, CaseStatus
from outbox.models import OutboxJob
from tests import factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
BEIJING, GUANGDONG = "北京市通信管理局", "广东省通信管理局"


@pytest.fixture
def world():
    beijing, guangdong, shanghai = (factories.province(code) for code in ("110000", "440000", "310000"))
    return {
        "beijing": beijing,
        "guangdong": guangdong,
        "shanghai": shanghai,
        "ministry": Authority.objects.national(),
        "bj": factories.UserFactory(role=Role.REVIEWER, authority=beijing, email="bj@miit.test"),
        "bj_inspector": factories.UserFactory(role=Role.INSPECTOR, authority=beijing),
        "gd": factories.UserFactory(role=Role.REVIEWER, authority=guangdong, email="gd@miit.test"),
        "sh": factories.UserFactory(role=Role.REVIEWER, authority=shanghai),
        "national": factories.UserFactory(role=Role.REVIEWER, email="ministry@miit.test"),
        "case_bj": factories.CaseFactory(authority=beijing),
    }


def _post(client, user, case, authority, reason="经营者注册地在广东", **headers):
    client.force_login(user)
    data = {"transfer-authority": authority.pk if authority else "", "transfer-reason": reason}
    return client.post(f"/cases/{case.pk}/transfer/", data, **headers)


def _page(client, user, case, **headers):
    client.force_login(user)
    return client.get(f"/cases/{case.pk}/", **headers)


# ------------------------------------------------------------------ the form on the case page


def test_the_case_page_offers_the_transfer_to_the_cases_own_deciders(client, world):
    case = world["case_bj"]
    response = _page(client, world["bj"], case, **EN)
    form = response.context["transfer_form"]
    assert form is not None and f'action="/cases/{case.pk}/transfer/"' in response.content.decode()
    offered = [label for _group, options in form.fields["authority"].choices[1:] for _pk, label in options]
    assert BEIJING not in offered and GUANGDONG in offered and "工业和信息化部信息通信管理局" in offered
    groups = [group for group, _options in form.fields["authority"].choices[1:]]
    assert groups[0] == "Ministry" and "Central and South" in groups  # by region, in code order
    assert response.context["case"].authority.name == BEIJING


@pytest.mark.parametrize("who", ["bj_inspector", "national", "gd"])
def test_the_form_is_not_offered_to_who_may_not_transfer(client, world, who):
    response = _page(client, world[who], world["case_bj"])
    if who == "gd":
        assert response.status_code == 404  # another province's case reads as missing
        return
    assert response.status_code == 200
    assert response.context["transfer_form"] is None
    assert "/transfer/" not in response.content.decode()


def test_a_finished_case_offers_no_transfer_and_a_delegating_province_offers_it_to_the_ministry(client, world):
    case = world["case_bj"]
    Authority.objects.filter(pk=world["beijing"].pk).update(delegated_to_national=True)
    assert _page(client, world["national"], case).context["transfer_form"] is not None
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    assert _page(client, world["bj"], case).context["transfer_form"] is None


# ------------------------------------------------------------------ the view: who may, and what it writes


def test_an_inspector_without_case_decide_is_refused_403(client, world):
    response = _post(client, world["bj_inspector"], world["case_bj"], world["guangdong"])
    assert response.status_code == 403
    assert not world["case_bj"].events.filter(kind=events.TRANSFERRED).exists()


def test_another_provinces_reviewer_finds_no_case(client, world):
    response = _post(client, world["gd"], world["case_bj"], world["guangdong"])
    assert response.status_code == 404
    world["case_bj"].refresh_from_db()
    assert world["case_bj"].authority == world["beijing"]


def test_the_ministry_on_a_province_that_does_not_delegate_is_refused_with_a_message(client, world):
    case = world["case_bj"]
    response = _post(client, world["national"], case, world["guangdong"], **EN)
    assert response.status_code == 403
    assert "This record belongs to another authority: only its own regulators act on it." in response.content.decode()
    case.refresh_from_db()
    assert case.authority == world["beijing"]
    assert not case.events.filter(kind=events.TRANSFERRED).exists()
    assert not OutboxJob.objects.filter(kind=transfers.TRANSFER_EMAIL_JOB).exists()


def test_the_cases_own_reviewer_transfers_it_and_goes_to_the_case_list(client, world):
    case = world["case_bj"]
    response = _post(client, world["bj"], case, world["guangdong"], reason="经营者注册地在广东", **EN)
    # Beijing no longer sees the case: the case list, with a message naming the case and Guangdong.
    assert response.status_code == 302 and response["Location"] == "/cases/"
    page = client.get("/cases/", **EN).content.decode()
    assert f"Case {case.number} was transferred to {GUANGDONG}." in page
    case.refresh_from_db()
    assert case.authority == world["guangdong"]
    event = case.events.get(kind=events.TRANSFERRED)
    assert event.actor == world["bj"] and event.reason == "经营者注册地在广东"
    assert event.data == {"from_authority": world["beijing"].pk, "to_authority": world["guangdong"].pk}
    job = OutboxJob.objects.get(kind=transfers.TRANSFER_EMAIL_JOB)
    assert job.payload == {"case_id": case.pk, "event_id": event.pk}


def test_the_success_message_speaks_chinese(client, world):
    case = world["case_bj"]
    _post(client, world["bj"], case, world["guangdong"], **ZH)
    page = client.get("/cases/", **ZH).content.decode()
    assert f"案件 {case.number} 已移交{GUANGDONG}。" in page


def test_a_national_reviewer_who_still_sees_the_case_returns_to_it(client, world):
    case = factories.CaseFactory()  # the ministry's own
    response = _post(client, world["national"], case, world["beijing"], reason="经营者注册地在北京", **EN)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    page = client.get(response["Location"], **EN).content.decode()
    assert f"Case {case.number} was transferred to {BEIJING}." in page


@pytest.mark.parametrize(
    ("status", "target", "answer", "message"),
    [
        (CaseStatus.OPEN, "beijing", 400, "The case already belongs to this authority."),
        (CaseStatus.WITHDRAWN, "guangdong", 409, "A closed or withdrawn case is not transferred."),
        (CaseStatus.CLOSED, "guangdong", 409, "A closed or withdrawn case is not transferred."),
    ],
)
def test_the_services_refusals_show_in_the_form_on_the_case_page(client, world, status, target, answer, message):
    case = world["case_bj"]
    Case.objects.filter(pk=case.pk).update(status=status)
    response = _post(client, world["bj"], case, world[target], **EN)
    assert response.status_code == answer
    assert response.context["transfer_form"].non_field_errors() == [message]
    assert message in response.content.decode()
    assert not case.events.filter(kind=events.TRANSFERRED).exists()


def test_the_same_authority_refusal_speaks_chinese(client, world):
    response = _post(client, world["bj"], world["case_bj"], world["beijing"], **ZH)
    assert "案件已属于该管理机关。" in response.content.decode()


@pytest.mark.parametrize(("authority", "reason"), [("guangdong", "   "), (None, "经营者注册地在广东")])
def test_a_missing_reason_or_authority_shows_the_field_error_on_the_form(client, world, authority, reason):
    case = world["case_bj"]
    response = _post(client, world["bj"], case, world[authority] if authority else None, reason=reason, **EN)
    assert response.status_code == 400
    form = response.context["transfer_form"]
    assert list(form.errors) == ["reason" if authority else "authority"]
    assert "This field is required." in response.content.decode()
    assert not case.events.filter(kind=events.TRANSFERRED).exists()


# ------------------------------------------------------------------ the timeline


def test_the_timeline_names_both_authorities_and_the_reason(client, world):
    case = world["case_bj"]
    transfers.case_transfer(case=case, actor=world["bj"], to_authority=world["guangdong"], reason="经营者注册地在广东")
    english = _page(client, world["gd"], case, **EN).content.decode()
    assert f"Transferred from {BEIJING} to {GUANGDONG}" in english and "经营者注册地在广东" in english
    assert f"由{BEIJING}移交{GUANGDONG}" in _page(client, world["gd"], case, **ZH).content.decode()


# ------------------------------------------------------------------ the list of transfers


@pytest.fixture
def moves(world):
    """Beijing → Guangdong, then Shanghai → the ministry (newest last)."""
    bj_case, sh_case = world["case_bj"], factories.CaseFactory(authority=world["shanghai"])
    transfers.case_transfer(case=bj_case, actor=world["bj"], to_authority=world["guangdong"], reason="注册地在广东")
    transfers.case_transfer(case=sh_case, actor=world["sh"], to_authority=world["ministry"], reason="涉及多省")
    return {"bj_case": bj_case, "sh_case": sh_case}


def _listed(actor):
    return [(t.case.number, t.from_name, t.to_name, t.case_visible) for t in selectors.case_transfers_for(actor=actor)]


def test_each_authority_lists_its_transfers_in_and_out(world, moves):
    bj_number, sh_number = moves["bj_case"].number, moves["sh_case"].number
    ministry = world["ministry"].name
    # Beijing sent its case away: listed, but no longer openable.
    assert _listed(world["bj"]) == [(bj_number, BEIJING, GUANGDONG, False)]
    assert _listed(world["gd"]) == [(bj_number, BEIJING, GUANGDONG, True)]
    assert _listed(world["sh"]) == [(sh_number, "上海市通信管理局", ministry, False)]
    # The ministry: every transfer, newest first, every case openable.
    assert _listed(world["national"]) == [
        (sh_number, "上海市通信管理局", ministry, True),
        (bj_number, BEIJING, GUANGDONG, True),
    ]
    assert _listed(factories.UserFactory(role=Role.REVIEWER, authority=None)) == []
    assert _listed(factories.VendorUserFactory()) == []


def test_the_transfers_page_links_only_the_cases_the_user_may_open(client, world, moves):
    bj_case = moves["bj_case"]
    client.force_login(world["bj"])
    page = client.get("/cases/transfers/", **EN).content.decode()
    assert bj_case.number in page and moves["sh_case"].number not in page
    assert f"/cases/{bj_case.pk}/" not in page and "注册地在广东" in page
    client.force_login(world["gd"])
    page = client.get("/cases/transfers/", **ZH).content.decode()
    assert f'href="/cases/{bj_case.pk}/"' in page and "移出机关" in page


def test_the_case_list_links_to_the_transfers(client, world):
    client.force_login(world["bj"])
    assert 'href="/cases/transfers/"' in client.get("/cases/").content.decode()


def test_vendors_do_not_reach_the_transfers_page(client, world):
    client.force_login(factories.VendorUserFactory())
    assert client.get("/cases/transfers/").status_code == 403


def test_the_transfers_list_costs_one_query_however_many_rows(world, moves, django_assert_num_queries):
    def read():
        return [
            (t.case.number, t.from_name, t.to_name, t.case_visible, t.actor.authority.short_name)
            for t in selectors.case_transfers_for(actor=world["national"])
        ]

    with django_assert_num_queries(1):
        assert len(read()) == 2
    for _ in range(3):
        transfers.case_transfer(
            case=factories.CaseFactory(authority=world["beijing"]),
            actor=world["bj"],
            to_authority=world["guangdong"],
            reason="注册地在广东",
        )
    with django_assert_num_queries(1):
        assert len(read()) == 5


def test_the_transfers_page_costs_the_same_for_one_row_and_many(client, world, moves):
    client.force_login(world["national"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/cases/transfers/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(3):
        transfers.case_transfer(
            case=factories.CaseFactory(authority=world["beijing"]),
            actor=world["bj"],
            to_authority=world["guangdong"],
            reason="注册地在广东",
        )
    assert queries() == few
