"""The next step on a case: one rule (cases.next_step), shown on the case pages and flashed after
each step of the flow, for regulators and vendor users."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time

from cases import responses
from cases.models import Case, CaseStatus
from cases.next_step import next_step
from notices.models import Notice, NoticeStatus
from tests import factories
from tests.cases.served import png

from .world import work_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TODAY = datetime.date(2025, 9, 30)


@pytest.fixture
def frozen():
    with freeze_time("2025-09-30 02:00:00"), translation.override("en"):
        yield


@pytest.fixture
def world(reviewer, inspector):
    return work_world(reviewer=reviewer, inspector=inspector)


def _set(case, status, **fields):
    Case.objects.filter(pk=case.pk).update(status=status, **fields)
    case.refresh_from_db()
    return case


def test_open_case_drafts_the_order_then_waits_for_a_second_person(world, reviewer, inspector):
    step = next_step(world["awaiting_order"], actor=inspector)
    assert step.url == f"{reverse('notices:regulator-draft')}?kind=order&case={world['awaiting_order'].pk}"
    drafted = world["drafted"]
    mine = next_step(drafted, actor=inspector)
    assert mine.url == reverse("notices:regulator-detail", args=[world["draft"].pk])
    assert "second person" in mine.text
    theirs = next_step(drafted, actor=reviewer)
    assert theirs.url == mine.url and "four eyes" in theirs.text
    Notice.objects.filter(pk=world["draft"].pk).update(status=NoticeStatus.APPROVED)
    assert "Publish" in next_step(drafted, actor=reviewer).text


def test_responded_case_goes_to_the_report_and_a_request_to_its_decision(world, reviewer, inspector):
    step = next_step(world["responded"], actor=reviewer)
    assert step.url == reverse("decisions:response", args=[world["response"].pk]) and step.action
    assert next_step(world["responded"], actor=inspector).action == ""  # may look, not decide
    step = next_step(world["ordered"], actor=reviewer)
    assert step.url == reverse("decisions:extension", args=[world["extension"].pk])


def test_verifying_overdue_named_and_closed(world, reviewer):
    case = world["responded"]
    responses.response_accept(actor=reviewer, response=world["response"])
    case.refresh_from_db()
    assert next_step(case, actor=reviewer).url == reverse("decisions:case", args=[case.pk])
    assert next_step(world["overdue"], actor=reviewer).url.endswith(f"?kind=naming&case={world['overdue'].pk}")
    named = _set(factories.CaseFactory(number="RC-NS-1"), CaseStatus.NAMED, deadline=TODAY - datetime.timedelta(1))
    assert next_step(named, actor=reviewer).url.endswith(f"?kind=removal&case={named.pk}")
    waiting = _set(factories.CaseFactory(number="RC-NS-2"), CaseStatus.NAMED, deadline=TODAY + datetime.timedelta(9))
    assert next_step(waiting, actor=reviewer).url == ""
    closed = _set(factories.CaseFactory(number="RC-NS-3"), CaseStatus.CLOSED)
    assert next_step(closed, actor=reviewer).url == ""


def test_vendor_steps(world):
    staff = world["staff"]
    ordered = world["ordered"]
    step = next_step(ordered, actor=staff)
    assert step.url == reverse("portal:respond", args=[ordered.pk]) and "2025-10-10" in step.text
    assert next_step(world["responded"], actor=staff).url == ""


def test_steps_are_translated(world, reviewer):
    with translation.override("zh-hans"):
        assert next_step(world["awaiting_order"], actor=reviewer).text == "起草责令整改通知。"
    with translation.override("en"):
        assert next_step(world["awaiting_order"], actor=reviewer).text == "Draft the order to rectify."


def test_case_pages_show_the_step_and_link_every_report_and_request(client, world, reviewer):
    client.force_login(reviewer)
    for case, url in (
        (world["responded"], reverse("decisions:response", args=[world["response"].pk])),
        (world["ordered"], reverse("decisions:extension", args=[world["extension"].pk])),
    ):
        for page in (reverse("case-detail", args=[case.pk]), reverse("decisions:case", args=[case.pk])):
            html = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
            assert 'data-testid="next-step"' in html
            assert f'href="{url}"' in html


def test_each_step_flashes_the_next(client, world, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("decisions:response-accept", args=[world["response"].pk]), {"reason": ""}, follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith("Next step") or t.startswith("下一步") for t in texts), texts


def test_vendor_flash_after_a_report(client, world):
    client.force_login(world["staff"])
    response = client.post(
        reverse("portal:respond", args=[world["ordered"].pk]),
        {"summary": "已修复", "files": [png()]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert "下一步：监管部门正在审核您的报告" in response.content.decode()


def test_drafting_and_approving_an_order_flash_the_next_step(client, inspector, reviewer):
    from tests.cases.served import served_case

    case = served_case(actor=inspector, served_on=None)
    client.force_login(inspector)
    response = client.post(
        f"{reverse('notices:regulator-draft')}?kind=order",
        {"kind": "order", "cases": [case.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    texts = [str(m) for m in response.context["messages"]]
    assert "Next step: The draft waits for approval by a second person." in texts, texts
    notice = Notice.objects.get(case=case)
    client.force_login(reviewer)
    response = client.post(
        reverse("notices:regulator-approve", args=[notice.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    texts = [str(m) for m in response.context["messages"]]
    assert "Next step: Publish the approved notice." in texts, texts
