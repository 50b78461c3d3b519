"""The campaign dashboard draws its five charts in a real browser; long bar labels wrap, whole in tooltips."""

import pytest
from playwright.sync_api import expect

from cases.models import ViolationType
from tests import factories
from tests.cases.served import served_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-Rectify-2025"  # tests/factories.py


def test_dashboard_charts_in_english_with_wrapped_labels(live_server, browser, reviewer, seed_data, preview_dir):
    campaign = factories.CampaignFactory(name="2025年专项行动", name_en="2025 campaign")
    served_case(campaign=campaign)
    served_case(campaign=campaign)
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/?next=/dashboard/campaigns/{campaign.pk}/")
        page.fill("#id_username", reviewer.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}/dashboard/campaigns/{campaign.pk}/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("main .subtitle")).to_contain_text("2025 campaign")

        # The charts are drawn after the page's scripts load: wait for them (a loaded machine is slow).
        page.wait_for_function(
            "() => { const c = document.querySelectorAll('canvas[data-chart]');"
            " return c.length === 5 && Array.from(c).every(x => !!x.chart); }"
        )
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => [c.dataset.chart, !!c.chart])"
        )
        assert drawn == [
            ["by_state", True],
            ["overdue", True],
            ["by_violation", True],
            ["by_category", True],
            ["by_month", True],
        ]
        assert (
            page.evaluate("() => document.getElementById('chart-by_state').chart.data.datasets[0].data[1]") == 2
        )  # ordered

        full = f"PI-01 {ViolationType.objects.get(code='PI-01').name_en}"
        label = page.evaluate("() => document.getElementById('chart-by_violation').chart.data.labels[0]")
        assert isinstance(label, list) and " ".join(label) == full
        assert all(len(line) <= 28 for line in label)  # LABEL_WIDTH in static/cases/dashboard.js
        title = page.evaluate(
            """() => {
                const chart = document.getElementById('chart-by_violation').chart;
                return chart.options.plugins.tooltip.callbacks.title([{dataIndex: 0}]);
            }"""
        )
        assert title == full
        # Every violation type's bar carries its label (none skipped for want of room).
        shown, bars = page.evaluate(
            """() => { const chart = document.getElementById('chart-by_violation').chart;
                       return [chart.scales.y.ticks.length, chart.data.labels.length]; }"""
        )
        assert shown == bars >= 1
        # With all 11 of the taxonomy's long English names, none is skipped either.
        shown = page.evaluate(
            """() => { const chart = document.getElementById('chart-by_violation').chart;
                       chart.data.labels = Array.from({length: 11}, (_, i) =>
                         [`PI-${i} Collecting personal information`, 'without the consent of the user']);
                       chart.data.datasets[0].data = Array(11).fill(1);
                       chart.update();
                       return chart.scales.y.ticks.length; }"""
        )
        assert shown == 11
        page.screenshot(path=str(preview_dir / "dashboard-en.png"), full_page=True)
    finally:
        context.close()


def test_a_national_reviewer_drills_down_and_the_charts_follow(live_server, browser, reviewer, seed_data):
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    campaign = factories.CampaignFactory(name="2025年专项行动", name_en="2025 campaign")
    campaign.participants.add(beijing, guangdong)
    for authority, n in ((beijing, 1), (guangdong, 2)):
        actor = factories.UserFactory(role="reviewer", authority=authority)
        for _ in range(n):
            served_case(campaign=campaign, actor=actor)
    served_case(campaign=campaign)  # the ministry's
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    cases_drawn = "() => document.getElementById('chart-by_state').chart.data.datasets[0].data.reduce((a, b) => a + b)"
    try:
        page.goto(f"{live_server.url}/login/?next=/dashboard/campaigns/{campaign.pk}/")
        page.fill("#id_username", reviewer.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("[data-testid=scope]")).to_have_text("全国")
        page.wait_for_function("() => !!document.getElementById('chart-by_state').chart")
        assert page.evaluate(cases_drawn) == 4

        page.select_option("#id_authority", str(guangdong.pk))
        page.locator("[data-testid=drill-down] button[type=submit]").click()
        expect(page.locator("[data-testid=scope]")).to_have_text("广东省通信管理局")
        assert f"authority={guangdong.pk}" in page.url  # a shareable address
        page.wait_for_function("() => !!document.getElementById('chart-by_state').chart")
        assert page.evaluate(cases_drawn) == 2

        page.goto(f"{live_server.url}/dashboard/campaigns/{campaign.pk}/")
        page.select_option("#id_region", "1")
        page.locator("[data-testid=drill-down] button[type=submit]").click()
        expect(page.locator("[data-testid=scope]")).to_have_text("华北大区")
        page.wait_for_function("() => !!document.getElementById('chart-by_state').chart")
        assert page.evaluate(cases_drawn) == 1
    finally:
        context.close()
