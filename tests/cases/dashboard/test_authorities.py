"""The dashboard by authority (ARCHITECTURE.md §15): the figures' authority dimension, the national
drill-down by authority and region, and a province's own dashboard."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from cases import transfers, workflow
from cases.dashboard import figures
from cases.dashboard.selectors import campaign_dashboard
from tests import factories
from tests.cases.served import served_case

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world():
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    bj = factories.UserFactory(role=Role.REVIEWER, authority=beijing)
    gd = factories.UserFactory(role=Role.REVIEWER, authority=guangdong)
    campaign = factories.CampaignFactory()
    campaign.participants.add(beijing, guangdong)
    bj_cases = [served_case(campaign=campaign, actor=bj) for _ in range(2)]
    workflow.mark_overdue_case(case=bj_cases[0])
    gd_case = served_case(campaign=campaign, actor=gd)
    ministry_case = served_case(campaign=campaign)
    return locals()


def test_the_figures_count_cases_by_authority_and_follow_a_transfer(world):
    with translation.override("en"):
        data = campaign_dashboard(campaign=world["campaign"], today=D(2025, 10, 9))
    rows = {r["authority"].code: (r["total"], r["overdue"]) for r in data["by_authority"]}
    assert rows == {"100000": (1, 0), "110000": (2, 1), "440000": (1, 0)}
    regions = {r["region"]: r["total"] for r in data["by_region"]}
    assert regions == {"North China": 2, "Central and South": 1, "National": 1}

    transfers.case_transfer(
        case=world["bj_cases"][1], actor=world["bj"], to_authority=world["guangdong"], reason="注册地在广东"
    )
    assert figures.stored() == figures.recount()
    data = campaign_dashboard(campaign=world["campaign"], today=D(2025, 10, 9))
    rows = {r["authority"].code: r["total"] for r in data["by_authority"]}
    assert rows == {"100000": 1, "110000": 1, "440000": 2}


def test_the_drill_down_shows_one_authoritys_states_and_lists(world):
    data = campaign_dashboard(campaign=world["campaign"], today=D(2025, 10, 9), authority_id=world["beijing"].pk)
    assert data["total"] == 2 and data["overdue_count"] == 1
    assert [c.pk for c in data["overdue"]] == [world["bj_cases"][0].pk]
    assert {c.authority_id for c in data["due_this_week"]} <= {world["beijing"].pk}


def test_a_province_sees_its_own_dashboard_whatever_it_asks(client, world):
    client.force_login(world["gd"])
    url = reverse("dashboard:campaign", args=[world["campaign"].pk])
    page = client.get(url, {"authority": world["beijing"].pk})
    body = page.content.decode()
    assert page.status_code == 200
    assert world["bj_cases"][0].number not in body
    assert "广东省通信管理局" in body and "北京市通信管理局" not in body


def test_the_ministry_drills_down_by_authority(client, world):
    client.force_login(factories.UserFactory(role=Role.REVIEWER))
    url = reverse("dashboard:campaign", args=[world["campaign"].pk])
    body = client.get(url).content.decode()
    assert f"?authority={world['beijing'].pk}" in body and "北京市通信管理局" in body
    drilled = client.get(url, {"authority": world["beijing"].pk}).content.decode()
    assert world["bj_cases"][0].number in drilled and world["gd_case"].number not in drilled
