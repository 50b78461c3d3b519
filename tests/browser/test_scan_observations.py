"""An inspector reads what an nmap scan saw, on a phone-sized screen, in Chinese: counts by kind at the
top, the observations below, filtered by kind; the page never scrolls sideways."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from cases.ingest import jobs
from cases.models import ScanJob, ScanStatus
from tests import factories
from tests.cases.scanners.conftest import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-Rectify-2025"  # tests/factories.py


@pytest.fixture
def scanned(seed_data, inspector, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    inspection = factories.InspectionFactory()
    job, _ = jobs.scan_job_create(
        actor=inspector,
        inspection=inspection,
        uploaded=SimpleUploadedFile("lab_scan.xml", (FIXTURES / "lab_scan.xml").read_bytes()),
    )
    # Committed at once (transactional test): the message ran the job as it left.
    job = ScanJob.objects.get(pk=job.pk)
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    return job


def test_observations_page_at_phone_width(live_server, browser, inspector, scanned, preview_dir):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/?next=/inspections/{scanned.inspection_id}/scans/")
        page.fill("#id_username", inspector.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()

        # From the scan jobs, the observation count leads to the job's observations.
        page.locator(f"#scan-job-{scanned.pk} [data-field=observations] a").click()
        expect(page).to_have_url(f"{live_server.url}/scans/{scanned.pk}/observations/")
        counts = page.locator("#scan-counts")
        expect(counts).to_contain_text("按类型计数")
        expect(counts).to_contain_text("在线主机")
        expect(counts).to_contain_text("离线主机")
        expect(counts).to_contain_text("开放端口")
        expect(page.locator("#observations tbody tr")).to_have_count(10)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(preview_dir / "scan-observations-phone-zh.png"), full_page=True)

        page.select_option("#id_kind", "open_port")
        page.locator("form.filters button[type=submit]").click()
        expect(page.locator("#observations tbody tr")).to_have_count(4)
        expect(page.locator("#observations tbody")).to_contain_text("open_port")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()
