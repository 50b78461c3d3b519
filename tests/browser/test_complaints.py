"""A complaint from the public form to an inspection (issue 16), in Debian's chromium: a visitor sends
it with a screenshot and keeps the private link; an inspector finds it, matches the suggested product
and opens an inspection with one form; the link then shows the outcome, and never the contact."""

import os
import re

import pytest

from accounts.roles import Role
from complaints.models import Complaint, ComplaintStatus
from tests import factories
from tests.cases.home.world import PASSWORD
from tests.cases.served import PNG

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
TEXTS = {
    "zh-hans": {"received": "已接收", "inspection": "已立项检测", "sent": "您的投诉已收到"},
    "en": {"received": "Received", "inspection": "Inspection opened", "sent": "Your complaint was received"},
}


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_complaint_from_the_public_form_to_an_inspection(live_server, browser, seed_data, lang, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    text = TEXTS[lang]
    version = factories.ProductVersionFactory(package_name="com.sunny.weather")
    campaign = factories.CampaignFactory()
    agency = factories.TestingAgencyFactory()
    factories.UserFactory(role=Role.INSPECTOR, username="inspector-c")
    violations = []

    visitor = browser.new_context(locale=LOCALES[lang], timezone_id="Asia/Shanghai")
    visitor.add_init_script(LISTEN)
    page = visitor.new_page()
    page.goto(f"{live_server.url}/register/")
    page.click("a[href='/complain/']")
    page.wait_for_url(re.compile(r"/complain/$"))
    page.fill("input[name=subject_name]", version.product.name)
    page.fill("input[name=subject_package]", "com.sunny.weather")
    page.fill("textarea[name=text]", "打开即索要通讯录权限，拒绝后无法使用。")
    page.fill("input[name=contact_email]", "visitor@mail.test")
    page.fill("input[name=contact_phone]", "13712345678")
    page.set_input_files("input[name=files]", {"name": "screen.png", "mimeType": "image/png", "buffer": PNG})
    page.click("[data-testid=complaint-submit]")
    page.wait_for_selector("[data-testid=status-link]")
    assert text["sent"] in page.content()
    status_link = page.get_attribute("[data-testid=status-link]", "href")
    page.goto(status_link)
    assert page.inner_text("[data-testid=complaint-status]") == text["received"]
    violations += page.evaluate("window.__cspViolations")

    regulator = browser.new_context(locale=LOCALES[lang], timezone_id="Asia/Shanghai")
    regulator.add_init_script(LISTEN)
    desk = regulator.new_page()
    desk.goto(f"{live_server.url}/login/")
    desk.fill("input[name=username]", "inspector-c")
    desk.fill("input[name=password]", PASSWORD)
    desk.click("form[action='/login/'] button[type=submit]")
    desk.wait_for_url(re.compile(r"/$"))
    desk.click("a[href='/complaints/']")
    desk.wait_for_url(re.compile(r"/complaints/$"))
    complaint = Complaint.objects.get()
    desk.click(f"[data-testid=complaint-list] a[href='/complaints/{complaint.pk}/']")
    desk.wait_for_url(re.compile(rf"/complaints/{complaint.pk}/$"))
    assert "13712345678" in desk.inner_text("[data-testid=complainant-contact]")
    desk.click("[data-testid=match-1]")  # the product found by its package name
    desk.wait_for_selector("[data-testid=inspection-form]")
    assert version.product.name in desk.inner_text("[data-testid=matched-product]")
    desk.select_option("select[name=product_version]", str(version.pk))
    desk.select_option("select[name=campaign]", str(campaign.pk))
    desk.select_option("select[name=agency]", str(agency.pk))
    desk.fill("input[name=date]", "2025-09-20")
    desk.select_option("select[name=method]", "manual")
    desk.click("[data-testid=open-inspection]")
    desk.wait_for_selector("[data-testid=complaint-inspection]")
    assert desk.inner_text("[data-testid=complaint-status]") == text["inspection"]
    desk.click("[data-testid=complaint-inspection]")
    desk.wait_for_url(re.compile(r"/inspections/\d+/$"))
    violations += desk.evaluate("window.__cspViolations")

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INSPECTION
    assert complaint.inspection.product_version == version
    assert list(complaint.events.values_list("to_status", flat=True)) == ["received", "matched", "inspection"]

    page.goto(status_link)
    assert page.inner_text("[data-testid=complaint-status]") == text["inspection"]
    body = page.content()
    assert "visitor@mail.test" not in body and "13712345678" not in body
    violations += page.evaluate("window.__cspViolations")
    assert violations == []
    visitor.close()
    regulator.close()
