"""The November upkeep in a real browser: the banner warns, an administrator pastes next year's notice,
reads the preview month by month, saves it, and the warning goes.

Run on the real clock: from 1 November 2026 on, with 2027 not yet known, the banner shows on every
regulator page by itself. The imported 2027 is the test's own notice (tests/cases/clock/test_upkeep.py).
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.clock.upkeep import calendar_warning
from cases.models import CalendarImport, OfficialDay
from tests import factories
from tests.cases.clock.test_upkeep import NOTICE_2027

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-Rectify-2025"  # tests/factories.py

WORDS = {
    "zh-CN": {"lang": "zh-CN", "save": "保存 2027 年", "month": "1 月", "saved": "2027 年日历已保存"},
    "en-GB": {"lang": "en", "save": "Save 2027", "month": "Month 1", "saved": "2027 calendar was saved"},
}
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def sign_in(page, url, user, next_path):
    page.goto(f"{url}/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{url}{next_path}")


def assert_no_sideways_scroll(page):
    """The page itself never scrolls sideways; wide tables scroll inside their own frame."""
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), wide


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", WORDS)
def test_an_administrator_imports_next_year_from_the_banner(
    live_server, browser, seed_data, preview_dir, locale, width
):
    assert calendar_warning(today=timezone.localdate()) is not None  # 2027 unknown: the cliff is near or passed
    admin = factories.UserFactory(role="admin", username="calendar-admin")
    words = WORDS[locale]
    context = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", viewport=WIDTHS[width])
    page = context.new_page()
    try:
        sign_in(page, live_server.url, admin, "/cases/")
        expect(page.locator("html")).to_have_attribute("lang", words["lang"])
        banner = page.get_by_test_id("calendar-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("2026-12-31")
        assert_no_sideways_scroll(page)

        banner.locator("a").click()
        expect(page).to_have_url(f"{live_server.url}/calendar/import/")
        page.fill("#id_text", NOTICE_2027)
        page.get_by_test_id("calendar-preview").click()
        expect(page.get_by_test_id("preview-year")).to_have_text("2027")
        expect(page.get_by_test_id("preview-holidays")).to_have_text("10")  # 3 New Year + 7 Spring Festival
        expect(page.get_by_test_id("preview-workdays")).to_have_text("1")
        months = page.get_by_test_id("preview-months").locator("table.cal-month")
        expect(months).to_have_count(12)
        expect(months.first.locator("caption")).to_contain_text(words["month"])
        # 13 February 2027 is a Saturday worked; 5 February a Friday off.
        expect(page.locator('td[data-date="2027-02-13"]')).to_have_class("cal-day cal-day--workday")
        expect(page.locator('td[data-date="2027-02-05"]')).to_have_class("cal-day cal-day--holiday")
        assert not OfficialDay.objects.filter(date__year=2027).exists()  # the preview saved nothing
        assert_no_sideways_scroll(page)
        page.screenshot(path=str(preview_dir / f"calendar-preview-{locale}-{width}.png"), full_page=True)

        save = page.get_by_test_id("calendar-save")
        expect(save).to_have_text(words["save"])
        save.click()
        expect(page).to_have_url(f"{live_server.url}/calendar/")
        expect(page.locator("main")).to_contain_text(words["saved"])
        expect(page.get_by_test_id("known-until")).to_have_text("2027-12-31")
        record = CalendarImport.objects.get(year=2027)
        assert (record.kind, record.imported_by) == ("notice", admin)
        assert OfficialDay.objects.filter(date__year=2027).count() == 11

        if calendar_warning(today=timezone.localdate()) is None:
            expect(page.get_by_test_id("calendar-banner")).to_have_count(0)
        else:  # run on or after 1 November 2027: the banner stays, now about 2028
            expect(page.get_by_test_id("calendar-banner")).to_contain_text("2027-12-31")
        assert_no_sideways_scroll(page)
    finally:
        context.close()


@pytest.mark.parametrize("locale", WORDS)
def test_a_reviewer_is_warned_and_sent_to_an_administrator(live_server, browser, seed_data, locale):
    reviewer = factories.UserFactory(role="reviewer", username="calendar-reviewer")
    context = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", viewport=WIDTHS["phone"])
    page = context.new_page()
    try:
        sign_in(page, live_server.url, reviewer, "/cases/")
        banner = page.get_by_test_id("calendar-banner")
        expect(banner).to_be_visible()
        banner.locator("a").click()
        expect(page).to_have_url(f"{live_server.url}/calendar/")
        expect(page.get_by_test_id("calendar-import-link")).to_have_count(0)
        expect(page.get_by_test_id("known-until")).to_have_text("2026-12-31")
        assert page.goto(f"{live_server.url}/calendar/import/").status == 403
    finally:
        context.close()
