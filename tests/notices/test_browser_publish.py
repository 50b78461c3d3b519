"""End to end in a real browser: four-eyes publication, then an anonymous visitor finds the notice
in the register, downloads its PDF and verifies it with the upload form.

Playwright drives Debian's chromium (never ``playwright install``) against pytest-django's live
server; Celery runs eagerly in tests, so publishing renders the real PDF in the server thread.
"""

import datetime
import os
import shutil

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from cases.models import CalendarYear
from notices import services
from notices.models import Notice, NoticeKind, NoticeStatus
from tests import factories

from .conftest import ensure_reference_data, make_case, sha256

# The sync Playwright API runs an event loop in this thread; the test's own ORM calls need this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium_browser():
    if not os.access(CHROMIUM, os.X_OK):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _session_cookie(user, live_server) -> dict:
    """Sign in by session cookie (the login page is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_reviewer_publishes_and_the_public_verifies(chromium_browser, live_server, tmp_path):
    browser = chromium_browser
    ensure_reference_data()
    # Publication counts working days from today; make sure the calendar knows the coming weeks
    # whatever the date the test runs on (the calendar itself is tested in tests/cases).
    today = timezone.localdate()
    for year in {today.year, (today + datetime.timedelta(days=60)).year}:
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "test"})
    inspector = factories.UserFactory(role=Role.INSPECTOR, username="inspector-b")
    reviewer = factories.UserFactory(role=Role.REVIEWER, username="reviewer-b")
    product = factories.ProductFactory(name="晴空天气", vendor__name="示例网络科技（杭州）有限公司")
    case = make_case(product=product, version="3.2.1", codes=("PI-01", "PI-02"))
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[case.pk])

    # The reviewer approves and publishes the inspector's draft.
    regulator = browser.new_context(locale="zh-CN")
    regulator.add_cookies([_session_cookie(reviewer, live_server)])
    page = regulator.new_page()
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    page.click("#approve")
    page.wait_for_selector('#notice-status[data-status="approved"]')
    page.click("#publish")
    page.wait_for_selector('#notice-status[data-status="published"]', timeout=60_000)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED and notice.approved_by == reviewer
    assert notice.batch_label.startswith(f"（{today.year}年第1批")
    regulator.close()

    # An anonymous visitor finds it by product name, downloads the PDF and verifies it.
    visitor = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = visitor.new_page()
    page.goto(f"{live_server.url}/register/")
    page.fill("input[name=q]", "晴空天气")
    page.click(".register-search button[type=submit]")
    page.click(f'a[href="/register/{notice.pk}/"]')
    assert "违规收集个人信息、超范围收集个人信息" in page.inner_text(".notice-table")
    with page.expect_download() as download_info:
        page.click(f'a[href="/register/{notice.pk}/pdf/"]')
    pdf_path = tmp_path / "notice.pdf"
    download_info.value.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF") and sha256(data) == notice.pdf_sha256

    page.goto(f"{live_server.url}/register/verify/")
    page.set_input_files("input[type=file]", str(pdf_path))
    page.click("form[enctype] button[type=submit]")
    result = page.wait_for_selector(".verify-result")
    assert result.get_attribute("data-authentic") == "true"
    assert notice.pdf_sha256 in result.inner_text()
    assert page.query_selector(".verify-current") is not None
    visitor.close()
    assert Notice.objects.filter(status=NoticeStatus.PUBLISHED).count() == 1


def test_the_notice_page_follows_a_publication_live(chromium_browser, live_server):
    """The page stays open while the worker publishes: it shows the new status and reloads itself
    into the published page (static/notices/publication.js), no manual reload."""
    from notices import workflow
    from outbox.models import OutboxJob, OutboxStatus

    ensure_reference_data()
    today = timezone.localdate()
    for year in {today.year, (today + datetime.timedelta(days=60)).year}:
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "test"})
    inspector = factories.UserFactory(role=Role.INSPECTOR, username="inspector-l")
    reviewer = factories.UserFactory(role=Role.REVIEWER, username="reviewer-l")
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    notice = workflow.notice_approve(actor=reviewer, notice=notice)
    # Publication requested, its job waiting for a worker (none runs here).
    job = OutboxJob.objects.create(
        kind=workflow.PUBLISH_JOB,
        key=workflow.publish_job_key(notice.pk),
        payload={"notice_id": notice.pk, "actor_id": reviewer.pk},
        status=OutboxStatus.QUEUED,
    )

    context = chromium_browser.new_context(locale="en-US")
    context.add_cookies([_session_cookie(reviewer, live_server)])
    page = context.new_page()
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    page.wait_for_selector('.publication-job[data-status="queued"]')
    assert page.query_selector('#notice-status[data-status="approved"]') is not None

    # The worker publishes while the page is open.
    workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    OutboxJob.objects.filter(pk=job.pk).update(status=OutboxStatus.DONE)

    page.wait_for_selector('#notice-status[data-status="published"]', timeout=20_000)
    page.wait_for_load_state("load")
    notice.refresh_from_db()
    page.wait_for_selector(f"text={notice.pdf_sha256}", timeout=20_000)
    context.close()
