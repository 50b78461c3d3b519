"""Issue 18 walk-through: a reviewer reads the demo's consent timeline (consent in the middle),
scrolls it, filters and zooms it with the keyboard, cites a window on the confirmed finding, drafts
the order to rectify and finds the window in its PDF as an annex table; in Chinese and English."""

import io
import os
import re
import subprocess

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cases.models import Case, Inspection, TimelineCitation
from cases.timeline.demo import NOTES

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "rectify-demo"
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
TEXT = {
    "zh-hans": {"link": "证据时间线", "before": "同意前", "after": "同意后", "cited": "已引用此时间线窗口"},
    "en": {"link": "Evidence timeline", "before": "Before consent", "after": "After consent", "cited": "now cites"},
}


@pytest.fixture
def demo(seed_data, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    return Inspection.objects.get(notes=NOTES)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_walk_the_demo_timeline_cite_a_window_and_read_the_order_annex(
    live_server, browser, demo, lang, preview_dir, tmp_path
):
    words = TEXT[lang]
    context = browser.new_context(
        locale=LOCALES[lang], timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(f"{base}/login/?next=/inspections/{demo.pk}/")
        page.fill("input[name=username]", "reviewer")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/inspections/{demo.pk}/$"))
        page.locator("#timeline-link").click()
        page.wait_for_url(re.compile(rf"/inspections/{demo.pk}/timeline/"))
        expect(page.locator("#timeline-link")).to_have_count(0)
        expect(page.locator("h1")).to_contain_text("5.3.0")

        # The consent: the hook tool's marker, in the middle of the axis.
        expect(page.locator("#consent-summary")).to_contain_text("09:00:12.000")
        rows = page.locator("#timeline-rows tr.timeline-row")
        expect(rows).to_have_count(100)
        # Scrolling loads the next rows (no full load up front).
        page.locator("tr.timeline-more").scroll_into_view_if_needed()
        expect(rows).to_have_count(109)
        expect(page.locator("tr.timeline-more")).to_have_count(0)
        classes = rows.evaluate_all("rows => rows.map(r => r.className)")
        consent_at = next(i for i, c in enumerate(classes) if "timeline-row--consent" in c)
        assert 20 < consent_at < len(classes) - 20
        assert all("timeline-row--before" in c for c in classes[:consent_at])
        assert not any("timeline-row--before" in c for c in classes[consent_at + 1 :])
        expect(page.locator("#timeline-rows")).to_contain_text("com.umeng.commonsdk")
        expect(page.locator("#timeline-rows")).to_contain_text(words["before"])
        expect(page.locator("#timeline-rows")).to_contain_text(words["after"])
        page.screenshot(path=str(preview_dir / f"timeline-{lang}.png"), full_page=False)

        # Keyboard only: an SDK, before consent.
        page.locator("#id_consent").focus()
        page.keyboard.press("ArrowDown")  # 同意前 / Before consent
        expect(page.locator("#id_consent")).to_have_value("before")
        page.keyboard.press("Shift+Tab")  # back to the SDK or host
        page.keyboard.type("com.umeng.commonsdk")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"party=com.umeng.commonsdk"))
        expect(rows).to_have_count(12)
        assert set(rows.locator("[data-field=party]").all_inner_texts()) == {"com.umeng.commonsdk"}

        # Zoom to a window around the consent: 09:00:08 to 09:00:16, every kind and party.
        day = demo.date.isoformat()
        page.goto(f"{base}/inspections/{demo.pk}/timeline/")
        page.fill("#id_from", f"{day}T09:00:08")
        page.fill("#id_to", f"{day}T09:00:16")
        page.locator("#id_to").press("Enter")
        page.wait_for_url(re.compile(r"from="))
        count = rows.count()
        assert 10 < count < 60
        times = rows.locator("time").all_inner_texts()
        assert all(f"{day} 09:00:08" <= t < f"{day} 09:00:16" for t in times), times
        expect(page.locator("tr.timeline-row--consent")).to_have_count(1)

        # Cite the window on the confirmed finding.
        finding = demo.findings.get(status="confirmed")
        page.select_option("#cite-form select[name=finding]", str(finding.pk))
        page.fill("#cite-form input[name=note]", "同意前后8秒")
        page.locator("#cite-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"#citations"))
        expect(page.locator("ul.messages")).to_contain_text(words["cited"])
        citation = TimelineCitation.objects.get(finding=finding)
        expect(page.locator(f"#citation-{citation.pk}")).to_contain_text("09:00:08")
        page.screenshot(path=str(preview_dir / f"timeline-cited-{lang}.png"), full_page=True)

        # Draft the order for the case and read its PDF preview: the window is an annex.
        case = Case.objects.get(findings=finding)
        page.goto(f"{base}/notices/new/?kind=order")
        page.check(f"input[name=cases][value='{case.pk}']")
        page.locator("main form[method=post] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/notices/\d+/$"))
        notice_id = re.search(r"/notices/(\d+)/$", page.url).group(1)
        response = page.request.get(f"{base}/notices/{notice_id}/preview.pdf")
        assert response.ok and response.headers["content-type"].startswith("application/pdf")
        pdf = tmp_path / "order.pdf"
        pdf.write_bytes(response.body())
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        flat = "".join(text.split())
        assert f"附件：时间线证据：违规收集个人信息（{day}09:00:08至{day}09:00:16）" in flat
        assert f"{day}09:00:12.000点击隐私协议确认隐私合规同意时刻" in flat
        assert "同意前" in flat and "同意后" in flat
        assert "com.umeng.commonsdk" in flat
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "4", "-l", "4", str(pdf), str(preview_dir / f"order-annex-{lang}")],
            check=False,
        )
    finally:
        context.close()
