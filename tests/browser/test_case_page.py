"""A reviewer signs in through the real form, reads a case page in Chinese, then switches to English."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.errors import DomainError
from cases import services, workflow
from cases.clock.calendar import working_days_between
from cases.models import ViolationType
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-Rectify-2025"  # tests/factories.py


def _png(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "navy").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def ordered_case(seed_data, inspector, reviewer):
    """A case built the way the pages build it: inspection, manual findings with evidence, order."""
    version = factories.ProductVersionFactory(
        product__name="晴空天气",
        product__vendor__name="示例网络科技（杭州）有限公司",
        product__vendor__name_en="Example Network Technology (Hangzhou) Co., Ltd.",
        version="3.2.1",
    )
    campaign = factories.CampaignFactory(
        name="2026年APP侵害用户权益专项整治行动", name_en="2026 campaign on apps infringing user rights"
    )
    inspection = services.inspection_create(
        actor=inspector,
        campaign=campaign,
        product_version=version,
        agency=factories.TestingAgencyFactory(name="中国信息通信研究院"),
        date=timezone.localdate() - datetime.timedelta(days=7),
        method="dynamic",
    )
    findings = [
        services.finding_create_manual(
            actor=inspector,
            inspection=inspection,
            violation_type=ViolationType.objects.get(code=code),
            title=title,
            files=[_png(f"{code}.png")],
        )
        for code, title in (("PI-01", "首次启动即收集设备IMEI和MAC地址"), ("PI-02", "隐私政策未列明第三方SDK"))
    ]
    for finding in findings:
        services.finding_confirm(actor=reviewer, finding=finding)
    case = services.case_open(actor=inspector, findings=findings)
    today = timezone.localdate()
    return workflow.order_case(
        case=case,
        actor=reviewer,
        served_on=today,
        deadline=today + datetime.timedelta(days=14),
        reason="依据《个人信息保护法》责令限期整改",
    )


def test_case_page_in_chinese_then_english(live_server, page, reviewer, ordered_case, preview_dir):
    case_url = f"{live_server.url}/cases/{ordered_case.pk}/"
    try:
        days_left = working_days_between(timezone.localdate(), ordered_case.deadline)
    except DomainError:  # a deadline in a year the calendar does not know yet
        days_left = None

    # Anonymous: the case page sends the visitor to the sign-in form, in Chinese by default.
    page.goto(case_url)
    expect(page).to_have_url(f"{live_server.url}/login/?next=/cases/{ordered_case.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()

    # The case page, in Chinese.
    expect(page).to_have_url(case_url)
    expect(page.locator("h1")).to_contain_text(f"案件 {ordered_case.number}")
    expect(page.locator("h1 .badge")).to_have_text("已责令整改")
    body = page.locator("main")
    for text in (
        "晴空天气",
        "3.2.1",
        "示例网络科技（杭州）有限公司",
        ordered_case.vendor.credit_code,
        "首次启动即收集设备IMEI和MAC地址",
        ViolationType.objects.get(code="PI-02").name_zh,
        "PI-01.png",
        "整改期限",
        ordered_case.deadline.strftime("%Y-%m-%d"),
        "办理记录",
        "已立案 → 已责令整改",
        "依据《个人信息保护法》责令限期整改",
        "撤销案件",
    ):
        expect(body).to_contain_text(text)
    clock = page.locator("[data-testid=clock]")
    if days_left is None:
        expect(clock).to_contain_text("尚未录入")
    else:
        expect(clock.locator(".clock__days")).to_have_text(str(days_left))
        expect(clock).to_contain_text("个工作日后到期")
    expect(page.locator(".site-nav a.active")).to_have_text("案件")
    page.screenshot(path=str(preview_dir / "case-zh.png"), full_page=True)

    # The language switch posts set_language and comes back to the same page in English.
    page.locator("[data-testid=lang-switch]").click()
    expect(page).to_have_url(case_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text(f"Case {ordered_case.number}")
    expect(page.locator("h1 .badge")).to_have_text("Ordered to rectify")
    for text in (
        "Rectification deadline",
        "Timeline",
        "Open → Ordered to rectify",
        ViolationType.objects.get(code="PI-01").name_en,
        "Withdraw the case",
        "2026 campaign on apps infringing user rights",
    ):
        expect(body).to_contain_text(text)
    if days_left is not None:
        expect(clock).to_contain_text("working days left" if days_left != 1 else "working day left")
    expect(page.locator("[data-testid=lang-switch]")).to_have_text("中文")
    page.screenshot(path=str(preview_dir / "case-en.png"), full_page=True)
