"""The vendor's journey in Debian's chromium (Playwright; never `playwright install`).

An order is served (through the case services: the notices engineer's publication renders the
PDF; here a published order row with a small PDF stands for it), the vendor claims access with the
code, signs in, sees the order and sends a report with a file; the reviewer accepts; a re-test
proposes closure; the reviewer confirms; the vendor sees the case rectified.
"""

import datetime
import os
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cases import access, events, notifications, workflow
from cases.models import CaseEvent, CaseStatus, Evidence
from notices.models import Notice, NoticeKind, NoticeSeries, NoticeStatus
from tests import factories
from tests.cases.served import PNG, served_case

# The live server runs in a thread beside this test's database access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Vendor-Journey-2025"
REVIEWER_PASSWORD = "pw-Rectify-2025"  # tests.factories.UserFactory


def _serve(reviewer):
    """Serve an order on a new vendor: the case is ordered, a code is issued, the vendor is emailed."""
    case = served_case(actor=reviewer, served_on=None)
    today = timezone.localdate()
    case = workflow.order_case(case=case, actor=reviewer, served_on=today, deadline=today + datetime.timedelta(days=7))
    code = access.case_access_code_issue(case=case, actor=reviewer)
    order = Notice(
        kind=NoticeKind.ORDER,
        series=NoticeSeries.ORDER,
        status=NoticeStatus.PUBLISHED,
        case=case,
        vendor=case.vendor,
        title="关于责令限期整改侵害用户权益行为的通知",
        authority="工业和信息化部信息通信管理局",
        opening="正文",
        closing="结尾",
        signature="工业和信息化部信息通信管理局",
        drafted_by=reviewer,
        year=today.year,
        doc_sequence=case.pk,
        doc_number=f"工信管函〔{today.year}〕{case.pk}号",
        published_on=today,
        pdf_sha256="b" * 64,
    )
    order.pdf.save("order.pdf", ContentFile(b"%PDF-1.7\n%journey\n"), save=False)
    order.save()
    assert notifications.case_email_send(kind=notifications.ORDER_SERVED, case=case)
    return case, code, order


def _login(page, base, username, password):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login/'] button[type=submit]")


def test_vendor_journey(live_server, page, browser, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    base = live_server.url
    steps = []
    reviewer = factories.UserFactory(role=Role.REVIEWER, username="reviewer-j")
    case, code, order = _serve(reviewer)
    steps.append(f"1. order served on case {case.number}: deadline {case.deadline}, access code issued, email sent")

    # The vendor claims access with the case number and the code printed on the order.
    page.goto(f"{base}/portal/claim/")
    page.fill("input[name=case_number]", case.number)
    page.fill("input[name=code]", code.lower())
    page.fill("input[name=username]", "acme-compliance")
    page.fill("input[name=email]", "compliance@acme.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=claim-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/login/"))
    vendor_user = User.objects.get(username="acme-compliance")
    assert vendor_user.membership.vendor == case.vendor and vendor_user.membership.is_vendor_admin
    steps.append("2. vendor claimed access with case number + code (account created, linked as vendor admin)")

    _login(page, base, "acme-compliance", PASSWORD)
    page.wait_for_url(re.compile(r"/portal/$"))
    assert case.number in page.inner_text("[data-testid=portal-cases]")
    steps.append("3. vendor signed in and sees the case in the portal list")

    page.click(f"text={case.number}")
    page.wait_for_url(re.compile(rf"/portal/cases/{case.pk}/$"))
    assert order.doc_number in page.inner_text("[data-testid=order-pdf]")
    assert "启动即收集IMEI" in page.inner_text("[data-testid=findings]")
    assert "候选问题-内部" not in page.content()
    with page.expect_download() as download:
        page.click("[data-testid=order-pdf]")
    assert download.value.suggested_filename == f"{case.number}-v1.pdf"
    steps.append("4. vendor sees the order (PDF downloaded) and the confirmed finding only")

    page.click("[data-testid=respond-link]")
    page.fill("textarea[name=summary]", "删除了启动时读取IMEI的代码，改为同意后读取")
    page.fill("input[name=fixed_version]", "3.3.0")
    evidence = tmp_path / "after-fix.png"
    evidence.write_bytes(PNG)
    page.set_input_files("input[name=files]", str(evidence))
    page.click("[data-testid=response-form] button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/cases/{case.pk}/$"))
    assert "badge--responded" in page.get_attribute("[data-testid=case-status]", "class")
    stored = Evidence.objects.get(response__case=case)
    assert stored.sha256 in page.inner_text("[data-testid=response]")
    steps.append(f"5. vendor sent a report with after-fix.png (SHA-256 {stored.sha256[:12]}…); case responded")

    # The reviewer accepts, in a browser context of their own.
    reviewer_context = browser.new_context()
    rpage = reviewer_context.new_page()
    _login(rpage, base, "reviewer-j", REVIEWER_PASSWORD)
    rpage.goto(f"{base}/decisions/")
    rpage.click(f"[data-testid=pending-responses] >> text={case.number}")
    rpage.fill("[data-testid=accept-form] textarea[name=reason]", "材料齐全，安排复检")
    rpage.click("[data-testid=accept-form] button[type=submit]")
    rpage.wait_for_url(re.compile(rf"/decisions/cases/{case.pk}/$"))
    assert "badge--verifying" in rpage.get_attribute("[data-testid=case-status]", "class")
    steps.append("6. reviewer accepted the report; case verifying")

    # A re-test of the fixed version, without the finding: its comparison proposes closure.
    fixed = factories.ProductVersionFactory(product=case.product, version="3.3.0")
    retest = factories.InspectionFactory(
        product_version=fixed, campaign=case.campaign, created_by=reviewer, date=timezone.localdate()
    )
    rpage.reload()
    rpage.select_option("[data-testid=retest-link-form] select[name=inspection]", str(retest.pk))
    rpage.click("[data-testid=retest-link-form] button[type=submit]")
    rpage.wait_for_url(re.compile(rf"/decisions/cases/{case.pk}/$"))
    proposal = rpage.inner_text("[data-testid=retest-proposal]")
    assert "closure" in proposal or "关闭" in proposal or "整改" in proposal
    steps.append(f"7. reviewer linked re-test inspection #{retest.pk}; the comparison proposes closure")

    rpage.click("[data-testid=confirm-form] button[type=submit]")
    rpage.wait_for_url(re.compile(rf"/decisions/cases/{case.pk}/$"))
    case.refresh_from_db()
    assert case.status == CaseStatus.RECTIFIED
    steps.append("8. reviewer confirmed; case rectified")
    reviewer_context.close()

    page.goto(f"{base}/portal/cases/{case.pk}/")
    assert "badge--rectified" in page.get_attribute("[data-testid=case-status]", "class")
    assert "reviewer-j" not in page.content()
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    for kind in (access.ACCESS_CLAIMED, events.RESPONSE_SUBMITTED, events.RESPONSE_ACCEPTED, events.RETEST_LINKED):
        assert kind in kinds
    steps.append("9. vendor sees the case rectified (no reviewer name on the page)")
    print("\n".join(["vendor journey:", *steps]))
