"""Preview and correction (issue 15, part 3): a 样稿 PDF of every draft from the same renderer,
corrections that may edit the listed rows with a side-by-side page, an identical correction refused
before approval, and the publication's progress polled by the notice page."""

import io

import pdfplumber
import pytest
from django.utils.html import strip_tags

from accounts.errors import Conflict
from accounts.models import Authority
from cases.models import CaseStatus
from notices import services, workflow
from notices.error_codes import NOTICE_CORRECTION_IDENTICAL
from notices.models import Notice, NoticeKind, NoticeStatus
from outbox.models import OutboxJob, OutboxStatus

from .conftest import make_case

pytestmark = pytest.mark.django_db


def _published(inspector, reviewer, kind=NoticeKind.NAMING, case=None):
    case = case or make_case(CaseStatus.OPEN if kind == NoticeKind.ORDER else CaseStatus.OVERDUE)
    notice = services.notice_draft(actor=inspector, kind=kind, case_ids=[case.pk])
    workflow.notice_approve(actor=reviewer, notice=notice)
    return workflow.notice_publish(notice_id=notice.pk, actor=reviewer)


def _pdf_words(content: bytes) -> tuple[str, list[str]]:
    with pdfplumber.open(io.BytesIO(content)) as document:
        text = "".join((page.extract_text() or "").replace("\n", "") for page in document.pages)
        marks = ["".join(c["text"] for c in page.chars if c["size"] > 50) for page in document.pages]
    return text, marks


# --- preview ------------------------------------------------------------------------------------


def test_a_draft_order_is_previewed_watermarked_by_the_same_renderer(client, inspector):
    case = make_case(CaseStatus.OPEN, codes=("PI-01", "PM-01"))
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[case.pk])
    client.force_login(inspector)
    assert 'id="preview"' in client.get(f"/notices/{notice.pk}/").content.decode()

    response = client.get(f"/notices/{notice.pk}/preview.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text, marks = _pdf_words(response.content)
    assert set(marks) == {"样稿"}
    assert f"案件编号：{case.number}" in text and "访问码：（发文时生成）" in text
    assert "《中华人民共和国个人信息保护法》第十三条" in text
    assert "一、违规收集个人信息法律依据：" in text and "（PI-01）" not in text  # no internal code
    assert "校验码" not in text  # a preview is never fingerprinted
    notice.refresh_from_db()
    assert not notice.pdf and notice.status == NoticeStatus.DRAFT  # nothing stored


def test_the_preview_is_for_regulators_only(client, inspector, vendor_user):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    assert client.get(f"/notices/{notice.pk}/preview.pdf").status_code == 302  # to the login page
    client.force_login(vendor_user)
    assert client.get(f"/notices/{notice.pk}/preview.pdf").status_code == 403


def test_a_preview_with_a_placeholder_agency_code_says_why_instead_of_printing(client, inspector, settings):
    Authority.objects.filter(code="100000").update(doc_prefix="X信管")
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[make_case(CaseStatus.OPEN).pk])
    client.force_login(inspector)
    response = client.get(f"/notices/{notice.pk}/preview.pdf", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.status_code == 200 and "发文机关代字" in response.content.decode()


def test_an_issued_notice_has_no_preview(client, inspector, reviewer, renderer, frozen):
    notice = _published(inspector, reviewer)
    client.force_login(inspector)
    response = client.get(f"/notices/{notice.pk}/preview.pdf")
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"


# --- corrections ------------------------------------------------------------------------------------


def test_an_identical_correction_is_refused_before_approval(client, inspector, reviewer, renderer, frozen):
    correction = services.notice_correct(actor=inspector, notice=_published(inspector, reviewer))
    client.force_login(reviewer)
    html = client.get(f"/notices/{correction.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="identical"' in html and 'id="approve"' not in html

    with pytest.raises(Conflict) as refused:
        workflow.notice_approve(actor=reviewer, notice=correction)

    assert refused.value.code == NOTICE_CORRECTION_IDENTICAL
    correction.refresh_from_db()
    assert correction.status == NoticeStatus.DRAFT


def test_a_correction_edits_a_listed_row_and_shows_it_side_by_side(client, inspector, reviewer, renderer, frozen):
    original = _published(inspector, reviewer)
    correction = services.notice_correct(actor=inspector, notice=original, reason="开发者名称有误")
    entry = correction.entries.get()
    client.force_login(inspector)
    form = {f"e{entry.pk}-{f}": getattr(entry, f) for f in services.ENTRY_FIELDS}
    form[f"e{entry.pk}-developer"] = "更正科技有限公司"

    response = client.post(f"/notices/{correction.pk}/entries/{entry.pk}/", form)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.developer == "更正科技有限公司"
    page = client.get(f"/notices/{correction.pk}/changes/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = page[page.index('id="diff-rows"') :]
    changed = [line for line in rows.splitlines() if 'class="diff-changed"' in line]
    assert len(changed) == 1 and "Developer / manufacturer" in changed[0]
    old_developer = original.entries.get().developer
    # Both sides, the removed characters struck out and the new ones marked.
    lines = rows.splitlines()
    cells = "".join(lines[lines.index(changed[0]) : lines.index(changed[0]) + 3])
    assert "<del>" in cells and "<ins>更正</ins>" in cells
    assert strip_tags(cells).count(old_developer) == 1 and "更正科技有限公司" in strip_tags(cells)
    assert 'id="identical"' not in page
    # Now it differs, it can be approved and published, and the published row is the corrected one.
    client.force_login(reviewer)
    assert 'id="approve"' in client.get(f"/notices/{correction.pk}/").content.decode()
    workflow.notice_approve(actor=reviewer, notice=correction)
    correction = workflow.notice_publish(notice_id=correction.pk, actor=reviewer)
    assert renderer.documents[-1].rows[0].developer == "更正科技有限公司"


def test_a_correction_of_an_order_edits_its_evidence(client, inspector, reviewer, renderer, frozen):
    original = _published(inspector, reviewer, kind=NoticeKind.ORDER)
    correction = services.notice_correct(actor=inspector, notice=original)
    item = correction.items.get()
    client.force_login(inspector)
    form = {f"i{item.pk}-legal_basis": item.legal_basis, f"i{item.pk}-evidence_summary": "更正后的证据摘要。"}
    assert client.post(f"/notices/{correction.pk}/items/{item.pk}/", form).status_code == 302
    item.refresh_from_db()
    assert item.evidence_summary == "更正后的证据摘要。"
    assert workflow.notice_approve(actor=reviewer, notice=correction).status == NoticeStatus.APPROVED


def test_rows_of_an_issued_notice_cannot_be_edited(client, inspector, reviewer, renderer, frozen):
    notice = _published(inspector, reviewer)
    entry = notice.entries.get()
    client.force_login(inspector)
    form = {f"e{entry.pk}-{f}": "x" for f in services.ENTRY_FIELDS}
    client.post(f"/notices/{notice.pk}/entries/{entry.pk}/", form)
    entry.refresh_from_db()
    assert entry.name != "x"
    assert client.post(f"/notices/{notice.pk}/entries/999999/", form).status_code == 404


def test_a_first_version_has_no_changes_page(client, inspector):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    client.force_login(inspector)
    assert client.get(f"/notices/{notice.pk}/changes/").status_code == 404


# --- live publication ------------------------------------------------------------------------------


def test_the_publication_progress_is_polled_from_a_static_script(client, inspector, reviewer):
    notice = workflow.notice_approve(
        actor=reviewer,
        notice=services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk]),
    )
    client.force_login(reviewer)
    client.post(f"/notices/{notice.pk}/publish/")  # queued: nothing runs it here
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert f'data-publication="/notices/{notice.pk}/publication/"' in html
    assert 'src="/static/notices/publication.js"' in html
    assert "<script>" not in html  # the CSP forbids inline script

    state = client.get(f"/notices/{notice.pk}/publication/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert state["status"] == "approved" and state["job"]["status"] == "queued"

    OutboxJob.objects.filter(kind="notice.publish").update(status=OutboxStatus.RUNNING, attempts=1)
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.PUBLISHED)
    state = client.get(f"/notices/{notice.pk}/publication/").json()
    assert (state["status"], state["job"]["status"], state["job"]["attempts"]) == ("published", "running", 1)
