"""Issue 17 in a real browser, in Chinese and in English: Beijing's reviewer transfers a case to
Guangdong from the case page with a reason and lands on the case list with the message; Guangdong's
reviewer finds the case in their list, the transfer in the transfers page and in the case's timeline."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases import events
from cases.models import Case
from outbox.models import OutboxJob
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-Rectify-2025"  # tests/factories.py
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
BEIJING, GUANGDONG = "北京市通信管理局", "广东省通信管理局"
REASON = "经营者注册地在广东省深圳市"
TEXT = {
    "zh-hans": {
        "panel": "移交其他管理机关",
        "button": "移交",
        "moved": "案件 {number} 已移交广东省通信管理局。",
        "transfers": "案件移交记录",
        "timeline": f"由{BEIJING}移交{GUANGDONG}",
    },
    "en": {
        "panel": "Transfer to another authority",
        "button": "Transfer",
        "moved": "Case {number} was transferred to 广东省通信管理局.",
        "transfers": "Case transfers",
        "timeline": f"Transferred from {BEIJING} to {GUANGDONG}",
    },
}


def _sign_in(browser, live_server, lang, username):
    context = browser.new_context(
        locale=LOCALES[lang], timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the forms' data-confirm questions
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    return context, page


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_beijing_transfers_a_case_to_guangdong_who_finds_it(live_server, browser, seed_data, lang, preview_dir):
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    factories.UserFactory(role=Role.REVIEWER, authority=beijing, username="bj-reviewer", email="bj@miit.test")
    factories.UserFactory(role=Role.REVIEWER, authority=guangdong, username="gd-reviewer", email="gd@miit.test")
    case = factories.CaseFactory(authority=beijing, product__name="晴空天气")
    text = TEXT[lang]

    # Beijing's reviewer opens the case and transfers it with a reason.
    context, page = _sign_in(browser, live_server, lang, "bj-reviewer")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("[data-testid=case-authority]")).to_have_text(BEIJING)
    panel = page.locator("[data-testid=case-transfer]")
    expect(panel.locator("h2")).to_have_text(text["panel"])
    panel.locator("select[name=transfer-authority]").select_option(label=GUANGDONG)
    panel.locator("textarea[name=transfer-reason]").fill(REASON)
    page.screenshot(path=str(preview_dir / f"case-transfer-form-{lang}.png"), full_page=True)
    panel.get_by_role("button", name=text["button"], exact=True).click()
    # Beijing no longer sees the case: the case list, with the message.
    page.wait_for_url(re.compile(r"/cases/$"))
    expect(page.locator(".messages")).to_contain_text(text["moved"].format(number=case.number))
    expect(page.locator("main table.data")).not_to_contain_text(case.number)
    context.close()

    case = Case.objects.get(pk=case.pk)
    assert case.authority == guangdong
    assert case.events.get(kind=events.TRANSFERRED).reason == REASON
    assert OutboxJob.objects.filter(kind="case.transfer_email").count() == 1

    # Guangdong's reviewer: the case in their list, the transfer in the transfers page and the timeline.
    context, page = _sign_in(browser, live_server, lang, "gd-reviewer")
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("main table.data")).to_contain_text(case.number)
    page.get_by_role("link", name=text["transfers"], exact=True).click()
    page.wait_for_url(re.compile(r"/cases/transfers/$"))
    row = page.locator("[data-testid=transfers] tbody tr").first
    for cell in (case.number, BEIJING, GUANGDONG, "bj-reviewer", REASON):
        expect(row).to_contain_text(cell)
    page.screenshot(path=str(preview_dir / f"case-transfers-{lang}.png"), full_page=True)
    row.get_by_role("link", name=case.number).click()
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("[data-testid=case-authority]")).to_have_text(GUANGDONG)
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text(text["timeline"])
    expect(timeline).to_contain_text(REASON)
    context.close()
