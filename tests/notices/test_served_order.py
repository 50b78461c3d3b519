"""A served order can be answered from the paper alone (issue 15): case number, portal and QR code,
a fingerprint the verification page knows, no placeholder agency code, Chinese legal basis."""

import datetime
import subprocess

import pytest

from accounts.errors import Conflict
from accounts.models import Authority
from cases.models import CaseStatus
from notices import documents, rendering, services, workflow
from notices.error_codes import NOTICE_AGENCY_CODE_MISSING, NOTICE_PLACEHOLDER
from notices.models import Notice, NoticeKind, NoticeSeries

from .conftest import DEADLINE, make_case

pytestmark = pytest.mark.django_db


def _approved_order(inspector, reviewer, case):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[case.pk])
    return workflow.notice_approve(actor=reviewer, notice=notice)


def test_the_published_order_prints_case_number_portal_and_fingerprint(inspector, reviewer, renderer, frozen):
    case = make_case(CaseStatus.OPEN, codes=("PI-01", "PM-01"))
    notice = workflow.notice_publish(notice_id=_approved_order(inspector, reviewer, case).pk, actor=reviewer)

    (doc,) = renderer.documents
    assert doc.case_number == case.number
    assert doc.portal_url == f"https://rectify.example.gov.cn/portal/claim/?case={case.number}"
    assert doc.verify_url == "https://rectify.example.gov.cn/register/verify/"
    assert (doc.deadline, doc.deadline_days) == (DEADLINE, 5)
    assert doc.doc_number == "工信部信管函〔2025〕1号"
    assert not doc.draft
    assert [i.legal_basis.startswith("《中华人民共和国个人信息保护法》") for i in doc.items] == [True, True]
    notice.refresh_from_db()
    assert notice.content_sha256 == rendering.content_digest(doc)


def test_the_verification_page_knows_the_printed_fingerprint(client, inspector, reviewer, renderer, frozen):
    case = make_case(CaseStatus.OPEN)
    notice = workflow.notice_publish(notice_id=_approved_order(inspector, reviewer, case).pk, actor=reviewer)

    response = client.get("/register/verify/", {"sha256": notice.content_sha256})

    html = response.content.decode()
    assert 'data-authentic="true"' in html
    # Asked with the fingerprint, the page gives the file's own hash to compare with.
    assert notice.pdf_sha256 in html and "verify-file" in html


@pytest.mark.parametrize("prefix", ["", "X信管"])
def test_publication_is_refused_without_the_agency_code(inspector, reviewer, prefix):
    Authority.objects.filter(code="100000").update(doc_prefix=prefix)
    notice = _approved_order(inspector, reviewer, make_case(CaseStatus.OPEN))

    with pytest.raises(Conflict) as refused:
        workflow.notice_request_publication(actor=reviewer, notice=notice)

    assert refused.value.code == NOTICE_AGENCY_CODE_MISSING


def test_the_agency_code_is_the_issuing_authoritys(inspector, reviewer, renderer, frozen):
    Authority.objects.filter(code="100000").update(doc_prefix="工信部信管")
    notice = _approved_order(inspector, reviewer, make_case(CaseStatus.OPEN))
    assert workflow.notice_publish(notice_id=notice.pk, actor=reviewer).doc_number == "工信部信管函〔2025〕1号"


def test_publication_is_refused_without_the_site_address(inspector, reviewer, settings):
    settings.SITE_URL = ""
    notice = _approved_order(inspector, reviewer, make_case(CaseStatus.OPEN))

    with pytest.raises(Conflict) as refused:
        workflow.notice_request_publication(actor=reviewer, notice=notice)

    assert refused.value.code == NOTICE_PLACEHOLDER


def test_a_removal_notice_has_no_batch_line_unless_configured(inspector, settings):
    notice = Notice.objects.create(
        kind=NoticeKind.REMOVAL,
        series=NoticeSeries.REMOVAL,
        title="关于下架侵害用户权益APP名单的通报",
        authority="a",
        opening="o",
        closing="c",
        signature="s",
        drafted_by=inspector,
        year=2025,
        batch_number=2,
        overall_number=7,
    )
    assert documents.notice_document(notice=notice, date=notice.created_at.date()).batch_line == ""
    settings.NOTICES_REMOVAL_BATCH_LINE = True
    line = documents.notice_document(notice=notice, date=notice.created_at.date()).batch_line
    assert line == "（2025年第2批，总第7批）"


def test_the_english_page_shows_the_taxonomy_citation_and_the_chinese_page_the_statute(client, inspector):
    case = make_case(CaseStatus.OPEN, codes=("PI-01",))
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[case.pk])
    client.force_login(inspector)
    english = client.get(f"/notices/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(f"/notices/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "PIPL arts. 13, 14, 17" in english
    assert "《中华人民共和国个人信息保护法》第十三条" in chinese and "PIPL arts." not in chinese


def test_the_served_pdf_first_page_is_self_contained(inspector, reviewer, frozen, tmp_path):
    """The real renderer: what pdftotext reads on page one of the stored, served PDF."""
    case = make_case(CaseStatus.OPEN, codes=("PI-01", "PM-01"))
    notice = workflow.notice_publish(notice_id=_approved_order(inspector, reviewer, case).pk, actor=reviewer)
    path = tmp_path / "order.pdf"
    with notice.pdf.open("rb") as stream:
        path.write_bytes(stream.read())

    first = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    whole = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

    assert f"案件编号：{case.number}" in first and "工信部信管函〔2025〕1号" in first
    assert "一、违规收集个人信息" in first and "（PI-01）" not in whole and "X信管函" not in whole
    flat = "".join(whole.split())
    assert "请于收到本通知之日起5个工作日内（2025年10月10日前）完成整改" in flat
    assert f"https://rectify.example.gov.cn/portal/claim/?case={case.number}" in flat
    assert notice.content_sha256 in flat
    assert f"https://rectify.example.gov.cn/register/verify/?sha256={notice.content_sha256}" in flat


def test_a_corrected_order_prints_the_number_and_deadline_of_the_served_letter(
    inspector, reviewer, renderer, frozen, client
):
    case = make_case(CaseStatus.OPEN)
    original = workflow.notice_publish(notice_id=_approved_order(inspector, reviewer, case).pk, actor=reviewer)
    frozen.tick(datetime.timedelta(days=3))
    correction = services.notice_correct(actor=inspector, notice=original)
    services.notice_update(actor=inspector, notice=correction, tested=correction.tested + "（更正）")

    preview = documents.notice_document(notice=correction, date=datetime.date(2025, 9, 29), draft=True)
    assert (preview.doc_number, preview.deadline) == ("工信部信管函〔2025〕1号", DEADLINE)

    workflow.notice_approve(actor=reviewer, notice=correction)
    correction = workflow.notice_publish(notice_id=correction.pk, actor=reviewer)
    assert correction.deadline == original.deadline == DEADLINE
    assert renderer.documents[-1].deadline == DEADLINE
    case.refresh_from_db()
    assert case.deadline == DEADLINE


def test_an_order_served_with_a_placeholder_number_cannot_be_reprinted(inspector, reviewer, renderer, frozen):
    original = workflow.notice_publish(
        notice_id=_approved_order(inspector, reviewer, make_case(CaseStatus.OPEN)).pk, actor=reviewer
    )
    # As served before issue 15, when the default prefix was the placeholder (the trigger allows no
    # update of an issued row, so the correction's predecessor is edited in memory).
    correction = services.notice_correct(actor=inspector, notice=original)
    services.notice_update(actor=inspector, notice=correction, tested="更正")
    correction = workflow.notice_approve(actor=reviewer, notice=correction)
    correction.supersedes.doc_number = "X信管函〔2025〕1号"

    with pytest.raises(Conflict) as refused:
        workflow.check_printable(correction)

    assert refused.value.code == NOTICE_AGENCY_CODE_MISSING
