"""An offline scenario from inspection to a naming notice (issue 16), in Debian's chromium, in
Chinese and English.

The inspector opens the venue's page, logs an on-site inspection and records a finding with a
photo; the reviewer confirms it and opens a case. The order is served and the clock runs out
(server side, as the publication worker and the hourly clock would); the inspector drafts the naming
notice, the reviewer approves and publishes it (Celery runs eagerly: the real PDF is rendered), and
an anonymous visitor finds it in the register by subject and region, with the venue columns.
"""

import datetime
import os
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from cases import workflow as case_workflow
from cases.clock import marks
from cases.models import CalendarYear, Case, CaseStatus, Finding, FindingStatus, ViolationType
from notices.models import Notice, NoticeSeries, NoticeStatus
from products.models import ScenarioType
from tests import factories
from tests.cases.served import PNG

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
TEXT = {
    "zh-hans": {"onsite": "记录现场检查", "columns": ("场所", "经营者", "地址", "场景"), "scenario": "扫码点餐"},
    "en": {"onsite": "Log an on-site inspection", "columns": ("Venue", "Operator", "Address", "Scenario")},
}


def _cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def _as(browser, user, live_server, lang):
    context = browser.new_context(
        locale=LOCALES[lang], timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
    )
    context.add_cookies([_cookie(user, live_server)])
    return context, context.new_page()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_scenario_from_inspection_to_a_naming_notice(live_server, browser, seed_data, lang, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REGISTER_EXPORT_DIR = tmp_path / "exports"
    today = timezone.localdate()
    for year in {today.year, (today + datetime.timedelta(days=60)).year}:
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "test"})
    inspector = factories.UserFactory(role=Role.INSPECTOR, username=f"inspector-{lang}")
    reviewer = factories.UserFactory(role=Role.REVIEWER, username=f"reviewer-{lang}")
    campaign = factories.CampaignFactory(start_date=today - datetime.timedelta(days=30))
    agency = factories.TestingAgencyFactory(name="东方数安检测中心")
    venue = factories.OfflineScenarioFactory(
        product__name="蜀香川菜馆（望京店）",
        product__vendor__name="北京蜀香餐饮管理有限公司",
        address="北京市朝阳区望京街10号",
        division_code="110105",
        scenario_type=ScenarioType.QR_ORDERING,
    ).product
    base = live_server.url
    photo = tmp_path / "table-sticker.png"
    photo.write_bytes(PNG)

    # The inspector: the venue's page, an on-site inspection, a finding with a photo.
    context, page = _as(browser, inspector, live_server, lang)
    page.goto(f"{base}/products/{venue.pk}/")
    page.click(f"text={TEXT[lang]['onsite']}")
    page.wait_for_url(re.compile(rf"/inspections/onsite/new/\?scenario={venue.pk}$"))
    page.select_option("select[name=campaign]", str(campaign.pk))
    page.select_option("select[name=agency]", str(agency.pk))
    page.fill("textarea[name=notes]", "桌贴二维码：扫码后须关注公众号并授权手机号")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r"/inspections/\d+/$"))
    inspection_url = page.url
    page.select_option("select[name=violation_type]", str(ViolationType.objects.get(code="OS-01").pk))
    page.fill("#add-finding input[name=title]", "扫码点餐强制授权手机号")
    page.set_input_files("#add-finding input[type=file]", str(photo))
    page.click("#add-finding button[type=submit]")
    page.wait_for_load_state("load")
    finding = Finding.objects.get(inspection__product_version__product=venue)
    assert finding.violation_type.code == "OS-01" and finding.evidence_files.count() == 1
    context.close()

    # The reviewer confirms it and opens a case.
    context, page = _as(browser, reviewer, live_server, lang)
    page.goto(inspection_url)
    page.click(f"form[action='/findings/{finding.pk}/confirm/'] button[type=submit]")
    page.wait_for_load_state("load")
    page.check(f"input[name=findings][value='{finding.pk}']")
    page.click("button[form=open-case-form]")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(product=venue)
    assert (
        case.status == CaseStatus.OPEN
        and finding.__class__.objects.get(pk=finding.pk).status == FindingStatus.CONFIRMED
    )
    context.close()

    # Served, and the clock runs out (the order's publication is tested in tests/notices).
    served_on = today - datetime.timedelta(days=30)
    case_workflow.order_case(
        case=case, actor=reviewer, served_on=served_on, deadline=served_on + datetime.timedelta(days=7), reason="送达"
    )
    marks.cases_mark_overdue(today=today)
    case.refresh_from_db()
    assert case.status == CaseStatus.OVERDUE

    # The inspector drafts the naming notice; the reviewer approves and publishes it.
    context, page = _as(browser, inspector, live_server, lang)
    page.goto(f"{base}/notices/new/?kind=naming")
    page.check(f"input[name=cases][value='{case.pk}']")
    page.click("form[action='/notices/new/?kind=naming'] button[type=submit]")
    page.wait_for_url(re.compile(r"/notices/\d+/$"))
    notice = Notice.objects.get(series=NoticeSeries.SCENARIO)
    entry = notice.entries.get()  # a draft's row is a form: its cells are inputs
    assert page.input_value(f"[name=e{entry.pk}-address]") == "北京市朝阳区望京街10号"
    assert page.input_value(f"[name=e{entry.pk}-scenario]") == "扫码点餐"
    context.close()

    context, page = _as(browser, reviewer, live_server, lang)
    page.goto(f"{base}/notices/{notice.pk}/")
    page.click("#approve")
    page.wait_for_selector('#notice-status[data-status="approved"]')
    page.click("#publish")
    page.wait_for_selector('#notice-status[data-status="published"]', timeout=60_000)
    notice.refresh_from_db()
    case.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED and case.status == CaseStatus.NAMED
    context.close()

    # Anyone: the register by subject and region, the notice with the venue columns.
    visitor = browser.new_context(locale=LOCALES[lang])
    page = visitor.new_page()
    page.goto(f"{base}/register/")
    page.select_option("select[name=subject]", NoticeSeries.SCENARIO)
    page.fill("input[name=region]", "31")
    page.click(".register-search button[type=submit]")
    page.wait_for_load_state("load")
    assert page.query_selector(f'a[href="/register/{notice.pk}/"]') is None  # Shanghai: not this venue
    page.fill("input[name=region]", "11")
    page.click(".register-search button[type=submit]")
    page.click(f'a[href="/register/{notice.pk}/"]')
    page.wait_for_url(re.compile(rf"/register/{notice.pk}/$"))
    table = page.inner_text(".notice-table")
    for heading in TEXT[lang]["columns"]:
        assert heading in table
    assert "蜀香川菜馆（望京店）" in table and "北京蜀香餐饮管理有限公司" in table and "扫码点餐" in table
    visitor.close()
