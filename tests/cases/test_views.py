"""Regulator pages for cases, inspections, findings and evidence (Django test client)."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time
from PIL import Image

from accounts.error_codes import NOT_FOUND
from cases import events, workflow
from cases.clock.calendar import add_working_days, working_days_between
from cases.dashboard.selectors import campaign_dashboard
from cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Evidence,
    Finding,
    FindingSource,
    FindingStatus,
    Inspection,
    ViolationType,
)
from cases.services import evidence_store
from products.models import ProductKind
from tests import factories

from .served import DEADLINE
from .served import served_case as vendor_case

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def png_file(name="screen.png", colour="red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def mp4_file(name="recording.mp4") -> SimpleUploadedFile:
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"\x00" * 64
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def _force(case, status, **fields):
    """Put a case in a state for the test (bypassing the workflow on purpose)."""
    Case.objects.filter(pk=case.pk).update(status=status, **fields)
    case.refresh_from_db()
    return case


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


@pytest.fixture
def served_case(reviewer, inspector):
    """A case ordered on 2025-09-26 with a deadline five working days later, one finding with evidence."""
    with freeze_time("2025-09-20 02:30:00"):
        inspection = factories.InspectionFactory(created_by=inspector)
        finding = factories.FindingFactory(
            inspection=inspection, status=FindingStatus.CONFIRMED, title="启动即收集设备IMEI"
        )
    with freeze_time("2025-09-22 02:30:00"):  # 10:30 in Beijing
        from cases.services import case_open

        case = case_open(actor=inspector, findings=[finding])
    evidence_store(actor=inspector, uploaded=png_file("首页截图.png"), inspection=inspection, finding=finding)
    with freeze_time("2025-09-26 06:15:00"):  # 14:15 in Beijing
        case = workflow.order_case(
            case=case,
            actor=reviewer,
            served_on=datetime.date(2025, 9, 26),
            deadline=add_working_days(datetime.date(2025, 9, 26), 5),
            reason="责令限期整改",
        )
    return case


# --- access -----------------------------------------------------------------------------------


REGULATOR_PAGES = ["/", "/cases/", "/inspections/", "/inspections/new/"]


@pytest.mark.parametrize("path", REGULATOR_PAGES)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", ["/cases/", "/inspections/", "/inspections/new/"])
def test_vendor_user_gets_403_on_regulator_pages(login, vendor_user, path):
    assert login(vendor_user).get(path).status_code == 403


def test_vendor_user_gets_403_on_case_inspection_and_evidence(login, vendor_user, served_case):
    client = login(vendor_user)
    finding = served_case.findings.get()
    evidence = Evidence.objects.get(finding=finding)
    assert client.get(f"/cases/{served_case.pk}/").status_code == 403
    assert client.get(f"/inspections/{finding.inspection_id}/").status_code == 403
    assert client.get(f"/evidence/{evidence.pk}/download/").status_code == 403
    assert client.post(f"/cases/{served_case.pk}/withdraw/", {"reason": "x"}).status_code == 403


def test_home_sends_vendor_users_to_their_portal(login, vendor_user):
    response = login(vendor_user).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


# --- home -------------------------------------------------------------------------------------


# The home page's own tests are in tests/cases/home/.


# --- case list --------------------------------------------------------------------------------


def test_case_list_renders_in_both_languages(login, reviewer, served_case):
    client = login(reviewer)
    zh = client.get("/cases/", **ZH).content.decode()
    assert "案件" in zh and "整改期限" in zh and "已责令整改" in zh
    assert served_case.number in zh
    en = client.get("/cases/", **EN).content.decode()
    assert "Ordered to rectify" in en and "Overdue only" in en


def test_case_list_filters(login, reviewer, served_case):
    other_campaign = factories.CampaignFactory()
    terminal = factories.ProductVersionFactory(product__kind=ProductKind.TERMINAL, product__terminal_category="toy")
    terminal_case = factories.CaseFactory(campaign=other_campaign, product_version=terminal)
    late = _force(factories.CaseFactory(), CaseStatus.ORDERED, deadline=datetime.date(2025, 1, 10))
    client = login(reviewer)

    def numbers(**params):
        response = client.get("/cases/", params)
        assert response.status_code == 200
        return {c.number for c in response.context["cases"]}

    assert numbers(status="ordered") == {served_case.number, late.number}
    assert numbers(campaign=other_campaign.pk) == {terminal_case.number}
    assert numbers(vendor=served_case.vendor_id) == {served_case.number}
    assert numbers(kind="terminal") == {terminal_case.number}
    with freeze_time("2025-10-02"):
        assert numbers(overdue="on") == {late.number}
    assert numbers(q=served_case.number) == {served_case.number}
    # An unknown filter value is ignored, not a 500.
    assert numbers(status="nonsense") == {served_case.number, late.number, terminal_case.number}


def test_case_list_paginates(login, reviewer):
    campaign = factories.CampaignFactory()
    factories.CaseFactory.create_batch(27, campaign=campaign)
    client = login(reviewer)
    first = client.get("/cases/", {"campaign": campaign.pk})
    assert len(first.context["cases"]) == 25
    second = client.get("/cases/", {"campaign": campaign.pk, "page": 2})
    assert len(second.context["cases"]) == 2
    assert f"campaign={campaign.pk}" in first.content.decode().split('class="pagination"')[1]


def test_case_list_sorts_by_its_whitelisted_columns(login, reviewer):
    campaign = factories.CampaignFactory()
    soon, late, unserved = (factories.CaseFactory(campaign=campaign) for _ in range(3))
    Case.objects.filter(pk=soon.pk).update(deadline=datetime.date(2025, 10, 1))
    Case.objects.filter(pk=late.pk).update(deadline=datetime.date(2025, 12, 1))
    client = login(reviewer)

    def order(**params):
        response = client.get("/cases/", {"campaign": campaign.pk, **params})
        return [c.pk for c in response.context["cases"]], response.content.decode()

    # Unserved cases (no deadline) come last in both directions.
    assert order(ordering="deadline")[0] == [soon.pk, late.pk, unserved.pk]
    pks, html = order(ordering="-deadline")
    assert pks == [late.pk, soon.pk, unserved.pk]
    assert 'aria-sort="descending"' in html and "ordering=deadline" in html  # the heading reverses it
    assert order(ordering="number")[0] == sorted(
        [soon.pk, late.pk, unserved.pk], key=lambda pk: Case.objects.get(pk=pk).number
    )
    # An order not on the list is the default (newest first), never an error or an unindexed sort.
    assert order(ordering="vendor__name")[0] == order()[0] == [unserved.pk, late.pk, soon.pk]


def test_case_list_query_count_does_not_grow(login, reviewer, django_assert_num_queries):
    client = login(reviewer)
    factories.CaseFactory.create_batch(2)
    # session, user, page count (capped), page rows (with their findings counted), the campaign
    # choices of the filter form, and the last known calendar year (the calendar banner reviewers
    # see). No vendor list: the vendor filter comes from a link.
    with django_assert_num_queries(6):
        assert client.get("/cases/").status_code == 200
    factories.CaseFactory.create_batch(12)
    with django_assert_num_queries(6):
        response = client.get("/cases/")
    assert len(response.context["cases"]) == 14


# --- case page --------------------------------------------------------------------------------


@freeze_time("2025-09-29 09:00:00")  # Monday 17:00 in Beijing: one working day after service
def test_case_page_in_chinese(login, reviewer, served_case):
    response = login(reviewer).get(f"/cases/{served_case.pk}/", **ZH)
    assert response.status_code == 200
    html = response.content.decode()
    version = served_case.product_version
    for text in (
        served_case.number,
        version.product.name,
        version.version,
        served_case.vendor.name,
        served_case.vendor.credit_code,
        "启动即收集设备IMEI",
        "首页截图.png",
        "整改期限",
        # Five working days after Fri 26 Sep 2025: Sun 28 Sep (make-up day), 29 and 30 Sep, then the
        # National Day holiday (1-8 Oct), 9 and 10 Oct.
        "2025-10-10",
        "个工作日",
        "已责令整改",
        "责令限期整改",
    ):
        assert text in html, text
    assert response.context["clock"]["left"] == 3  # 30 Sep, 9 Oct, 10 Oct
    # Event times are shown in Asia/Shanghai.
    assert "2025-09-22 10:30" in html
    assert "2025-09-26 14:15" in html
    timeline = response.context["timeline"]
    assert [(t["event"].kind, t["event"].from_status, t["event"].to_status) for t in timeline] == [
        (events.OPENED, "", "open"),
        (events.TRANSITION, "open", "ordered"),
    ]
    assert reviewer.username in html
    violation = ViolationType.objects.get(code="PI-01")
    assert violation.name_zh in html


@freeze_time("2025-09-29 09:00:00")
def test_case_page_in_english(login, reviewer, served_case):
    html = login(reviewer).get(f"/cases/{served_case.pk}/", **EN).content.decode()
    assert "Rectification deadline" in html
    assert "working days left" in html
    assert "Ordered to rectify" in html
    assert "Open → Ordered to rectify" in html
    assert ViolationType.objects.get(code="PI-01").name_en in html


@freeze_time("2025-10-14 09:00:00")
def test_case_page_counts_working_days_overdue(login, reviewer, served_case):
    response = login(reviewer).get(f"/cases/{served_case.pk}/", **EN)
    assert response.context["clock"]["late_by"] == 3  # Sat 11 Oct (make-up day), 13 and 14 Oct
    assert "working days overdue" in response.content.decode()


def test_case_page_of_missing_case_is_404(login, reviewer):
    assert login(reviewer).get("/cases/999999/").status_code == 404


def test_withdraw_form_shown_only_to_case_deciders(login, reviewer, inspector, served_case):
    assert login(reviewer).get(f"/cases/{served_case.pk}/").context["can_withdraw"] is True
    response = login(inspector).get(f"/cases/{served_case.pk}/")
    assert response.context["can_withdraw"] is False
    assert f"/cases/{served_case.pk}/withdraw/" not in response.content.decode()


def test_withdraw_moves_the_case_and_writes_the_event(login, reviewer, served_case):
    response = login(reviewer).post(f"/cases/{served_case.pk}/withdraw/", {"reason": "重复立案"}, follow=True, **ZH)
    assert response.redirect_chain == [(f"/cases/{served_case.pk}/", 302)]
    served_case.refresh_from_db()
    assert served_case.status == CaseStatus.WITHDRAWN
    event = CaseEvent.objects.filter(case=served_case).last()
    assert (event.from_status, event.to_status, event.reason, event.actor) == (
        "ordered",
        "withdrawn",
        "重复立案",
        reviewer,
    )
    assert "已撤销" in response.content.decode()


def test_withdraw_without_reason_shows_the_field_error(login, reviewer, served_case):
    response = login(reviewer).post(f"/cases/{served_case.pk}/withdraw/", {"reason": "  "}, **EN)
    assert response.status_code == 400
    assert response.context["withdraw_form"].errors["reason"] == ["This field is required."]
    served_case.refresh_from_db()
    assert served_case.status == CaseStatus.ORDERED


def test_withdraw_of_a_closed_case_is_a_message_not_a_500(login, reviewer, served_case):
    _force(served_case, CaseStatus.CLOSED)
    response = login(reviewer).post(f"/cases/{served_case.pk}/withdraw/", {"reason": "重复"}, follow=True, **EN)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["A case in state “closed” cannot move to “withdrawn”."]
    served_case.refresh_from_db()
    assert served_case.status == CaseStatus.CLOSED


def test_inspector_may_not_withdraw(login, inspector, served_case):
    assert login(inspector).post(f"/cases/{served_case.pk}/withdraw/", {"reason": "x"}).status_code == 403


# --- evidence ---------------------------------------------------------------------------------


def test_evidence_is_downloaded_as_an_attachment_never_inline(login, reviewer, served_case):
    evidence = Evidence.objects.get(finding__case=served_case)
    response = login(reviewer).get(f"/evidence/{evidence.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E9%A6%96%E9%A1%B5%E6%88%AA%E5%9B%BE.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Content-Type"] == "image/png"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\x89PNG")


def test_evidence_download_missing_is_404_and_anonymous_goes_to_login(client, login, reviewer):
    assert client.get("/evidence/1/download/")["Location"] == "/login/?next=/evidence/1/download/"
    assert login(reviewer).get("/evidence/999999/download/").status_code == 404


# --- inspections ------------------------------------------------------------------------------


def test_inspection_list_in_both_languages(login, inspector):
    inspection = factories.InspectionFactory()
    factories.FindingFactory(inspection=inspection)
    client = login(inspector)
    zh = client.get("/inspections/", **ZH)
    assert "检测记录" in zh.content.decode() and "检测机构" in zh.content.decode()
    assert [i.candidate_count for i in zh.context["inspections"]] == [1]
    en = client.get("/inspections/", **EN).content.decode()
    assert "Testing agency" in en and inspection.product_version.product.name in en


def test_log_an_inspection(login, inspector):
    version = factories.ProductVersionFactory()
    campaign = factories.CampaignFactory()
    agency = factories.TestingAgencyFactory()
    client = login(inspector)
    page = client.get(f"/inspections/new/?version={version.pk}", **ZH)
    assert "检测日期" in page.content.decode()
    assert page.context["form"].initial["product_version"] == str(version.pk)
    response = client.post(
        "/inspections/new/",
        {
            "campaign": campaign.pk,
            "product_version": version.pk,
            "agency": agency.pk,
            "date": "2025-09-20",
            "method": "dynamic",
            "notes": "首次启动即弹出隐私政策",
        },
    )
    inspection = Inspection.objects.get()
    assert response["Location"] == f"/inspections/{inspection.pk}/"
    assert (inspection.created_by, inspection.method, inspection.notes) == (
        inspector,
        "dynamic",
        "首次启动即弹出隐私政策",
    )


@freeze_time("2026-12-03 02:00:00")
@pytest.mark.parametrize("lang", [ZH, EN])
def test_inspection_date_is_iso_in_every_language_and_a_round_trip_saves(login, inspector, lang):
    """<input type=date> takes YYYY-MM-DD only: the Chinese format (2026/12/03) left it empty, and the
    first save failed with 该字段是必填项 (issue 15)."""
    version = factories.ProductVersionFactory()
    campaign = factories.CampaignFactory()
    agency = factories.TestingAgencyFactory()
    client = login(inspector)
    html = client.get(f"/inspections/new/?version={version.pk}", **lang).content.decode()
    field = re.search(r'<input type="date" name="date"[^>]*>', html).group(0)
    assert 'value="2026-12-03"' in field
    response = client.post(
        "/inspections/new/",
        {
            "campaign": campaign.pk,
            "product_version": version.pk,
            "agency": agency.pk,
            "date": "2026-12-03",
            "method": "dynamic",
        },
        **lang,
    )
    assert response.status_code == 302
    assert Inspection.objects.get().date == datetime.date(2026, 12, 3)


def test_log_an_inspection_needs_the_fields(login, inspector):
    response = login(inspector).post("/inspections/new/", {"method": "dynamic"}, **EN)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"campaign", "product_version", "agency", "date"}
    assert not Inspection.objects.exists()


def test_reviewer_may_view_but_not_log_inspections(login, reviewer):
    client = login(reviewer)
    assert client.get("/inspections/").status_code == 200
    assert client.get("/inspections/new/").status_code == 403


@pytest.fixture
def inspection(inspector):
    return factories.InspectionFactory(created_by=inspector)


def test_inspection_page_lists_findings_in_both_languages(login, inspector, inspection):
    finding = factories.FindingFactory(inspection=inspection, title="未经同意向第三方提供个人信息")
    client = login(inspector)
    zh = client.get(f"/inspections/{inspection.pk}/", **ZH)
    html = zh.content.decode()
    assert finding.title in html and "记录人工发现" in html and "确认" in html
    en = client.get(f"/inspections/{inspection.pk}/", **EN).content.decode()
    assert "Record a manual finding" in en and "Candidate" in en


@pytest.mark.parametrize("user", ["inspector", "reviewer"])
def test_inspection_page_links_the_scan_page_and_explains_merged_findings(request, login, inspection, user):
    scanned = factories.FindingFactory(
        inspection=inspection,
        source=FindingSource.SCAN,
        rule="android.permission.READ_PHONE_STATE",
        locus="com.example.app/MainActivity",
        occurrences=3,
    )
    client = login(request.getfixturevalue(user))
    html = client.get(f"/inspections/{inspection.pk}/", **EN).content.decode()
    assert f'href="{reverse("scan-page", args=[inspection.pk])}"' in html
    assert '<td class="num">3</td>' in html
    assert "Why merged: 3 observations" in html
    for part in (scanned.rule, scanned.locus, scanned.fingerprint):
        assert part in html
    zh = client.get(f"/inspections/{inspection.pk}/", **ZH).content.decode()
    assert "合并原因：3 条检测记录" in zh and "出现次数" in zh


def test_manual_findings_have_no_why_merged_part(login, inspector, inspection):
    factories.FindingFactory(inspection=inspection, source=FindingSource.MANUAL)
    html = login(inspector).get(f"/inspections/{inspection.pk}/", **EN).content.decode()
    assert "why-merged" not in html and '<td class="num">1</td>' in html


def test_add_manual_finding_with_several_evidence_files(login, inspector, inspection):
    client = login(inspector)
    response = client.post(
        f"/inspections/{inspection.pk}/findings/",
        {
            "violation_type": ViolationType.objects.get(code="PI-01").pk,
            "title": "频繁索取通讯录权限",
            "description": "拒绝后48小时内再次弹窗",
            "files": [png_file("弹窗.png"), mp4_file("录屏.mp4")],
        },
    )
    finding = Finding.objects.get(inspection=inspection)
    assert response.status_code == 302
    assert response["Location"] == f"/inspections/{inspection.pk}/#finding-{finding.pk}"
    assert (finding.title, finding.status, finding.created_by) == ("频繁索取通讯录权限", "candidate", inspector)
    stored = list(finding.evidence_files.order_by("id").values_list("original_name", "content_type"))
    assert stored == [("弹窗.png", "image/png"), ("录屏.mp4", "video/mp4")]


def test_evidence_of_a_refused_type_is_a_form_error(login, inspector, inspection):
    html_file = SimpleUploadedFile("page.png", b"<html><body>not an image</body></html>", content_type="image/png")
    response = login(inspector).post(
        f"/inspections/{inspection.pk}/findings/",
        {"violation_type": ViolationType.objects.get(code="PI-01").pk, "title": "x", "files": [html_file]},
        **EN,
    )
    assert response.status_code == 400
    assert response.context["finding_form"].errors["files"] == [
        "page.png: Files of type text/html are not accepted as evidence."
    ]
    assert not Finding.objects.exists()
    assert not Evidence.objects.exists()


def test_evidence_too_large_is_a_form_error(login, inspector, inspection, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.png", png_file().read() + b"\x00" * (1024 * 1024 + 1), content_type="image/png")
    response = login(inspector).post(
        f"/inspections/{inspection.pk}/findings/",
        {"violation_type": ViolationType.objects.get(code="PI-01").pk, "title": "x", "files": [big]},
        **ZH,
    )
    assert response.status_code == 400
    assert response.context["finding_form"].errors["files"] == ["big.png：文件大小超过 1 MB。"]
    assert not Finding.objects.exists()


def test_confirm_and_dismiss_candidates(login, reviewer, inspection):
    first, second = factories.FindingFactory.create_batch(2, inspection=inspection)
    client = login(reviewer)
    response = client.post(f"/findings/{first.pk}/confirm/")
    assert response["Location"] == f"/inspections/{inspection.pk}/#finding-{first.pk}"
    first.refresh_from_db()
    assert (first.status, first.decided_by) == (FindingStatus.CONFIRMED, reviewer)

    client.post(f"/findings/{second.pk}/dismiss/", {"reason": ""})
    second.refresh_from_db()
    assert second.status == FindingStatus.CANDIDATE
    client.post(f"/findings/{second.pk}/dismiss/", {"reason": "误报：隐私政策已声明"})
    second.refresh_from_db()
    assert (second.status, second.decision_reason) == (FindingStatus.DISMISSED, "误报：隐私政策已声明")

    again = client.post(f"/findings/{first.pk}/dismiss/", {"reason": "x"}, follow=True, **EN)
    assert [str(m) for m in again.context["messages"]][-1] == "This finding was already Confirmed."


def test_vendor_user_cannot_decide_findings(login, vendor_user, inspection):
    finding = factories.FindingFactory(inspection=inspection)
    assert login(vendor_user).post(f"/findings/{finding.pk}/confirm/").status_code == 403


def test_open_a_case_from_selected_confirmed_findings(login, reviewer, inspection):
    confirmed = factories.FindingFactory.create_batch(2, inspection=inspection, status=FindingStatus.CONFIRMED)
    factories.FindingFactory(inspection=inspection)  # a candidate stays out
    client = login(reviewer)
    page = client.get(f"/inspections/{inspection.pk}/")
    assert page.context["openable_ids"] == {f.pk for f in confirmed}
    response = client.post(f"/inspections/{inspection.pk}/open-case/", {"findings": [f.pk for f in confirmed]})
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/"
    assert set(case.findings.values_list("pk", flat=True)) == {f.pk for f in confirmed}
    assert case.opened_by == reviewer


def test_open_a_case_with_a_candidate_is_a_message(login, reviewer, inspection):
    candidate = factories.FindingFactory(inspection=inspection)
    response = login(reviewer).post(
        f"/inspections/{inspection.pk}/open-case/", {"findings": [candidate.pk]}, follow=True, **EN
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Only confirmed findings can open a case."]
    assert not Case.objects.exists()


def test_open_a_case_with_nothing_selected_is_a_message(login, reviewer, inspection):
    response = login(reviewer).post(f"/inspections/{inspection.pk}/open-case/", {}, follow=True, **EN)
    assert [str(m) for m in response.context["messages"]] == ["This field is required."]
    assert not Case.objects.exists()


def test_findings_of_another_inspection_cannot_be_slipped_in(login, reviewer, inspection):
    foreign = factories.FindingFactory(status=FindingStatus.CONFIRMED)
    login(reviewer).post(f"/inspections/{inspection.pk}/open-case/", {"findings": [foreign.pk]})
    assert not Case.objects.exists()


def test_urls_resolve_to_declared_policies():
    from django.urls import resolve

    assert resolve(reverse("home")).func.policy  # a function view (cases.home.views)
    for name, args in [
        ("case-list", []),
        ("case-detail", [1]),
        ("case-withdraw", [1]),
        ("inspection-list", []),
        ("inspection-create", []),
        ("inspection-detail", [1]),
        ("finding-create", [1]),
        ("case-open", [1]),
        ("finding-confirm", [1]),
        ("finding-dismiss", [1]),
        ("evidence-download", [1]),
    ]:
        view = resolve(reverse(name, args=args)).func
        assert getattr(view.view_class, "policy", None), name


# --- error pages --------------------------------------------------------------------------------


def test_unknown_page_is_a_styled_404_in_both_languages(client, login, reviewer):
    zh = client.get("/no-such-page/", **ZH)
    assert zh.status_code == 404
    html = zh.content.decode()
    assert "页面不存在" in html and 'class="site-header"' in html and "/no-such-page/" in html
    assert "/register/" in html  # anonymous visitors are pointed at the public register
    en = login(reviewer).get("/cases/999999/", **EN)
    assert en.status_code == 404
    html = en.content.decode()
    assert "Page not found" in html and 'href="/"' in html and "favicon.svg" in html


def test_forbidden_page_is_a_styled_403_in_both_languages(login, vendor_user):
    client = login(vendor_user)
    zh = client.get("/inspections/", **ZH)
    assert zh.status_code == 403
    assert "无权访问" in zh.content.decode() and 'href="/portal/"' in zh.content.decode()
    en = client.get("/cases/", **EN).content.decode()
    assert "Access denied" in en and 'class="site-header"' in en


def test_api_errors_stay_json_beside_the_styled_pages(client, vendor_user):
    missing = client.get("/api/v1/no-such-endpoint/", **EN)
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json() == {"error": {"code": NOT_FOUND, "message": "No such address in the API.", "details": {}}}
    client.force_login(vendor_user)
    forbidden = client.get("/api/v1/inspections/", **EN)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "permission_denied"


# --- violation type names ------------------------------------------------------------------------


def test_dashboard_names_violation_types_in_the_page_language(login, reviewer, served_case):
    violation = ViolationType.objects.get(code="PI-01")
    with translation.override("en"):
        en = campaign_dashboard(campaign=served_case.campaign)["by_violation"]
    with translation.override("zh-hans"):
        zh = campaign_dashboard(campaign=served_case.campaign)["by_violation"]
    assert en == [(f"PI-01 {violation.name_en}", 1)]
    assert zh == [(f"PI-01 {violation.name_zh}", 1)]
    page = login(reviewer).get(reverse("dashboard:campaign", args=[served_case.campaign_id]), **EN)
    assert violation.name_en in page.content.decode()


# --- vendor portal --------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "expected"), [(EN, "Overdue</dt>"), (ZH, "已逾期")], ids=["en", "zh-hans"])
def test_portal_case_page_shows_days_overdue_not_negative_days_left(client, lang, expected):
    case = vendor_case()
    client.force_login(factories.VendorUserFactory(vendor=case.vendor))
    today = datetime.date(2025, 10, 15)
    late_by = -working_days_between(today, DEADLINE)
    assert late_by == 4  # Sat 11 October (a make-up working day), 13, 14 and 15 October
    with freeze_time("2025-10-15 10:00:00+08:00"):
        html = client.get(reverse("portal:case", args=[case.pk]), **lang).content.decode()
    assert expected in html
    assert f"{late_by} working days overdue" in html or f"已逾期 {late_by} 个工作日" in html
    assert f">-{late_by}<" not in html
