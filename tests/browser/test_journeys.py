"""Every role finds its next step (issue 15): journeys from the login page through the home page, in
Debian's chromium, in Chinese and English, counting the clicks; and no horizontal overflow on a phone.

A click is one user action that loads a page (following a link or submitting a form); typing in a
field is not counted.
"""

import datetime
import os
import re

import pytest
from django.utils import timezone

from accounts.roles import Role
from cases import access, workflow
from cases.models import CaseStatus, DecisionStatus
from notices.models import Notice, NoticeKind, NoticeStatus
from tests import factories
from tests.cases.home.world import PASSWORD, draft_notice, work_world
from tests.cases.served import served_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


class Clicks:
    def __init__(self, page):
        self.page = page
        self.count = 0

    def __call__(self, selector: str, url: str):
        self.page.click(selector)
        self.page.wait_for_url(re.compile(url))
        self.count += 1


def _new_page(browser, lang, viewport=None):
    context = browser.new_context(
        locale=LOCALES[lang], timezone_id="Asia/Shanghai", viewport=viewport or {"width": 1366, "height": 900}
    )
    return context, context.new_page()


def _sign_in(page, base, clicks, username, password=PASSWORD, *, lands=r"/$"):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    clicks("form[action='/login/'] button[type=submit]", lands)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_reviewer_decides_a_report_from_the_home_page(live_server, browser, seed_data, lang, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = work_world()
    response = world["response"]
    context, page = _new_page(browser, lang)
    clicks = Clicks(page)

    _sign_in(page, live_server.url, clicks, world["reviewer"].username)
    tile = page.inner_text("[data-testid=tile-responses]")
    assert tile.split()[0] == "1"
    clicks(f"[data-testid=work-responses] a[href='/decisions/responses/{response.pk}/']", r"/decisions/responses/")
    page.fill("[data-testid=accept-form] textarea[name=reason]", "材料齐全" if lang == "zh-hans" else "Complete")
    clicks("[data-testid=accept-form] button[type=submit]", rf"/decisions/cases/{response.case_id}/$")

    response.refresh_from_db()
    assert response.status == DecisionStatus.ACCEPTED
    hint = page.inner_text("[data-testid=next-step]")
    assert ("复测" in hint) if lang == "zh-hans" else ("re-test" in hint)
    assert (
        ("下一步" in page.inner_text(".messages"))
        if lang == "zh-hans"
        else ("Next step" in page.inner_text(".messages"))
    )
    assert clicks.count == 3  # sign in, the report on the home page, accept
    context.close()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_inspector_drafts_an_order_and_the_approver_approves_it_from_home(
    live_server, browser, seed_data, lang, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    inspector = factories.UserFactory(role=Role.INSPECTOR, username="inspector-j")
    approver = factories.UserFactory(role=Role.REVIEWER, username="approver-j")
    case = served_case(actor=inspector, served_on=None)  # open, with a confirmed finding
    assert case.status == CaseStatus.OPEN
    base = live_server.url

    context, page = _new_page(browser, lang)
    clicks = Clicks(page)
    _sign_in(page, base, clicks, inspector.username)
    clicks(f"[data-testid=work-awaiting_order] a[href='/cases/{case.pk}/']", rf"/cases/{case.pk}/$")
    clicks("[data-testid=next-step-link]", r"/notices/new/\?kind=order")
    page.check(f"input[name=cases][value='{case.pk}']")
    clicks("main form[method=post] button[type=submit]", r"/notices/\d+/$")
    notice = Notice.objects.get(case=case, kind=NoticeKind.ORDER)
    assert notice.status == NoticeStatus.DRAFT and notice.drafted_by == inspector
    assert clicks.count == 4  # sign in, the case on the home page, "draft it", create
    context.close()

    context, page = _new_page(browser, lang)
    clicks = Clicks(page)
    _sign_in(page, base, clicks, approver.username)
    clicks(f"[data-testid=work-approve] a[href='/notices/{notice.pk}/']", rf"/notices/{notice.pk}/$")
    clicks("#approve", rf"/notices/{notice.pk}/$")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.APPROVED and notice.approved_by == approver
    assert clicks.count == 3  # sign in, the draft on the home page, approve
    context.close()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_vendor_finds_the_claim_page_from_login(live_server, browser, seed_data, lang, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    reviewer = factories.UserFactory(role=Role.REVIEWER, username="reviewer-c")
    case = served_case(actor=reviewer, served_on=None)
    today = timezone.localdate()
    case = workflow.order_case(case=case, actor=reviewer, served_on=today, deadline=today + datetime.timedelta(days=9))
    code = access.case_access_code_issue(case=case, actor=reviewer)
    base = live_server.url

    context, page = _new_page(browser, lang)
    clicks = Clicks(page)
    page.goto(f"{base}/login/")
    clicks("[data-testid=claim-link] a", r"/portal/claim/$")
    page.fill("input[name=case_number]", case.number)
    page.fill("input[name=code]", code)
    page.fill("input[name=username]", f"acme-{lang}")
    page.fill("input[name=email]", "compliance@acme.test")
    page.fill("input[name=password]", "Vendor-Journey-2025")
    clicks("[data-testid=claim-form] button[type=submit]", r"/login/")
    _sign_in(page, base, clicks, f"acme-{lang}", "Vendor-Journey-2025", lands=r"/portal/$")
    clicks(f"[data-testid=portal-cases] a[href='/portal/cases/{case.pk}/']", rf"/portal/cases/{case.pk}/$")
    assert page.locator("[data-testid=next-step-link]").get_attribute("href") == f"/portal/cases/{case.pk}/respond/"
    assert clicks.count == 4  # the claim link, claim, sign in, the case
    context.close()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}])
def test_home_case_product_and_notice_pages_do_not_overflow(
    live_server, browser, seed_data, lang, viewport, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    reviewer = factories.UserFactory(
        role=Role.REVIEWER, username="reviewer-with-a-long-name", first_name="欧阳", last_name="审核员·长名字"
    )
    world = work_world(reviewer=reviewer)
    for _ in range(2):
        draft_notice(actor=world["inspector"], case=served_case(actor=reviewer, served_on=None))
    context, page = _new_page(browser, lang, viewport)
    clicks = Clicks(page)
    _sign_in(page, live_server.url, clicks, reviewer.username)
    responded = world["responded"]
    pages = (
        "/",
        f"/cases/{responded.pk}/",
        f"/decisions/cases/{responded.pk}/",
        f"/products/{responded.product_id}/",
        f"/notices/{world['draft'].pk}/",
        "/decisions/",
    )
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{path} is {width}px wide in a {inner}px window ({lang})"
    page.goto(f"{live_server.url}/")
    badge = page.locator(".user-badge").bounding_box()
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.user-badge')).lineHeight) || 24")
    assert badge["height"] <= line * 1.5, "the user badge wraps"
    context.close()
