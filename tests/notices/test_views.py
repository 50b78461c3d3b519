"""Regulator pages: list, draft from cases, approve and publish with four eyes."""

import pytest
from django.utils import translation

from notices import services, workflow
from notices.models import Notice, NoticeKind, NoticeStatus

from .conftest import make_case

pytestmark = pytest.mark.django_db


def test_pages_need_a_regulator(client, vendor_user):
    assert client.get("/notices/").status_code == 302  # to the login page
    client.force_login(vendor_user)
    assert client.get("/notices/").status_code == 403


def test_list_page_ignores_filters_that_are_not_a_choice(client, inspector):
    """Like the API (schemathesis found it there): a NUL byte in ``kind`` reached PostgreSQL (500)."""
    client.force_login(inspector)
    assert client.get("/notices/", {"kind": "naming\x00", "status": "x\x00"}).status_code == 200


def test_draft_page_lists_eligible_cases_and_creates_a_draft(client, inspector):
    overdue, ordered = make_case(), make_case("ordered")
    client.force_login(inspector)
    html = client.get("/notices/new/?kind=naming").content.decode()
    assert overdue.number in html and ordered.number not in html
    response = client.post("/notices/new/?kind=naming", {"kind": "naming", "cases": [overdue.pk]})
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"
    assert notice.entries.get().case == overdue


def test_draft_it_from_a_case_ticks_that_case_only(client, inspector):
    """The case page's "Draft it" (cases.next_step) opens the draft page with its case ticked."""
    from notices.links import draft_url

    first, second = make_case(), make_case()
    client.force_login(inspector)
    form = client.get(draft_url(NoticeKind.NAMING, case=second)).context["form"]
    assert [str(pk) for pk in form["cases"].value()] == [str(second.pk)]
    html = client.get(draft_url(NoticeKind.NAMING, case=second)).content.decode()
    assert html.count("checked") == 1 and first.number in html
    # A stale, foreign or malformed id ticks nothing and is no error.
    for bad in ("999999", "x", ""):
        response = client.get("/notices/new/", {"kind": "naming", "case": bad})
        assert response.status_code == 200 and "checked" not in response.content.decode()


def test_detail_edit_approve_publish(client, inspector, reviewer, renderer, frozen, django_capture_on_commit_callbacks):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    client.force_login(inspector)
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert 'id="approve"' not in html  # neither an approver nor someone other than the drafter
    form = {f: getattr(notice, f) for f in services.EDITABLE_FIELDS}
    form["closing"] = "修改后的结尾。"
    assert client.post(f"/notices/{notice.pk}/", form).status_code == 302
    notice.refresh_from_db()
    assert notice.closing == "修改后的结尾。"
    assert client.post(f"/notices/{notice.pk}/approve/").status_code == 403

    client.force_login(reviewer)
    assert 'id="approve"' in client.get(f"/notices/{notice.pk}/").content.decode()
    client.post(f"/notices/{notice.pk}/approve/")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.APPROVED
    assert 'id="publish"' in client.get(f"/notices/{notice.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/notices/{notice.pk}/publish/")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert notice.pdf_sha256 in page and "（2025年第1批，总第1批）" in page
    assert client.get(f"/notices/{notice.pk}/pdf/").status_code == 200


def test_drafter_sees_four_eyes_message_and_approve_is_refused(client, reviewer):
    notice = services.notice_draft(actor=reviewer, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    client.force_login(reviewer)
    assert 'id="approve"' not in client.get(f"/notices/{notice.pk}/").content.decode()
    response = client.post(f"/notices/{notice.pk}/approve/", follow=True)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT
    with translation.override("zh-hans"):  # the default language of a request without preferences
        expected = str(workflow.MSG_FOUR_EYES)
    assert expected in response.content.decode()


def test_regulator_list(client, inspector, django_assert_max_num_queries):
    for _ in range(3):
        services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    client.force_login(inspector)
    with django_assert_max_num_queries(4):
        response = client.get("/notices/?status=draft")
    assert response.content.decode().count('href="/notices/') >= 3


def test_the_page_tells_a_pending_or_stopped_publication(client, inspector, reviewer, renderer, frozen):
    from outbox.models import OutboxJob, OutboxStatus

    notice = workflow.notice_approve(
        actor=reviewer,
        notice=services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk]),
    )
    client.force_login(reviewer)
    assert "publication-job" not in client.get(f"/notices/{notice.pk}/").content.decode()
    client.post(f"/notices/{notice.pk}/publish/")  # the message is lost: nothing runs it here
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert 'data-status="queued"' in html and "自动重试" in html
    OutboxJob.objects.filter(kind="notice.publish").update(status=OutboxStatus.FAILED, attempts=5)
    html = client.get(f"/notices/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="failed"' in html and "publish again to retry" in html
