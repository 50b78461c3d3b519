"""Delegation in a real browser (issue 17), in Chinese and in English: a provincial administrator
opens the authorities from the navigation, grants delegation to national users with a reason, and
reads the grant in the authority's history. axe-core finds no serious or critical violation on the
two pages and neither is wider than a 390 px phone (the full walk's checks, on these two pages:
tests/browser/test_accessibility.py)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Authority, AuthorityEvent
from accounts.roles import Role
from tests import factories
from tests.browser.walk import AXE_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-Rectify-2025"  # tests/factories.py
REASON = "省局人手不足，请部局代为办理"
WORDS = {
    "zh-CN": {"lang": "zh-CN", "nav": "管理机关", "grant": "委托部级用户办理", "granted": "部级用户现在可以办理"},
    "en-US": {"lang": "en", "nav": "Authorities", "grant": "Grant delegation", "granted": "may now act"},
}
HISTORY = {"zh-CN": "委托部级用户办理", "en-US": "Delegation to national users granted"}
PHONE = {"width": 390, "height": 844}
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ' ' + v.nodes.length)"""


def _blocking_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(AXE_RUN)


@pytest.mark.parametrize("locale", WORDS)
def test_a_provincial_administrator_grants_delegation_and_reads_it_in_the_history(
    live_server, browser, seed_data, locale
):
    factories.all_authorities()
    beijing = factories.province("110000")
    admin = factories.UserFactory(role=Role.ADMIN, authority=beijing, username="bj-admin", first_name="京管")
    words = WORDS[locale]
    context = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/?next=/cases/")
        page.fill("#id_username", admin.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}/cases/")
        expect(page.locator("html")).to_have_attribute("lang", words["lang"])

        page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
        expect(page).to_have_url(f"{live_server.url}/authorities/")
        expect(page.get_by_test_id("authorities").locator("tbody tr")).to_have_count(32)
        assert _blocking_violations(page) == []

        page.get_by_role("link", name="北京市通信管理局").click()
        expect(page).to_have_url(f"{live_server.url}/authorities/110000/")
        expect(page.get_by_test_id("edit-form")).to_have_count(0)  # national administrators only
        form = page.get_by_test_id("delegation-form")
        form.get_by_role("textbox").fill(REASON)
        form.get_by_role("button", name=words["grant"]).click()

        expect(page).to_have_url(f"{live_server.url}/authorities/110000/")
        expect(page.locator(".messages")).to_contain_text(words["granted"])
        history = page.get_by_test_id("authority-history")
        expect(history).to_contain_text(HISTORY[locale])
        expect(history).to_contain_text(REASON)
        expect(history).to_contain_text("京管")
        assert _blocking_violations(page) == []

        # On a 390 px phone neither page scrolls sideways (wide tables scroll in their own frame).
        page.set_viewport_size(PHONE)
        for path in ("/authorities/110000/", "/authorities/"):
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate(FITS), path
    finally:
        context.close()

    assert Authority.objects.get(code="110000").delegated_to_national is True
    assert list(AuthorityEvent.objects.values_list("kind", "actor__username")) == [("granted", "bj-admin")]
