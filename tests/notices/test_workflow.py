import datetime
import itertools

import pytest

from accounts.errors import Conflict, Forbidden
from cases.access import code_hash
from cases.error_codes import CALENDAR_YEAR_UNKNOWN, CASE_TRANSITION_NOT_ALLOWED
from cases.models import CaseEvent, CaseStatus
from notices import caching, events, services, workflow
from notices.error_codes import NOTICE_CORRECTION_EXISTS, NOTICE_FOUR_EYES, NOTICE_TRANSITION_NOT_ALLOWED
from notices.models import Notice, NoticeCounter, NoticeEvent, NoticeKind, NoticeSeries, NoticeStatus

from .conftest import DEADLINE, SERVED_ON, make_case, sha256

pytestmark = pytest.mark.django_db
S = NoticeStatus
ALL = list(S.values)


def _draft(actor, *cases, kind=NoticeKind.NAMING):
    return services.notice_draft(actor=actor, kind=kind, case_ids=[c.pk for c in cases])


def _approved(inspector, reviewer, *cases, kind=NoticeKind.NAMING):
    return workflow.notice_approve(actor=reviewer, notice=_draft(inspector, *cases, kind=kind))


def test_table():
    pairs = [(f, t) for f, t in itertools.product(ALL, ALL) if workflow.can_move(f, t)]
    assert pairs == [(S.DRAFT, S.APPROVED), (S.APPROVED, S.PUBLISHED), (S.PUBLISHED, S.SUPERSEDED)]


@pytest.mark.parametrize("status", [S.APPROVED, S.PUBLISHED, S.SUPERSEDED])
def test_only_a_draft_can_be_approved(inspector, reviewer, status):
    notice = _draft(inspector, make_case())
    Notice.objects.filter(pk=notice.pk).update(status=status)
    with pytest.raises(Conflict) as err:
        workflow.notice_approve(actor=reviewer, notice=notice)
    assert err.value.code == NOTICE_TRANSITION_NOT_ALLOWED
    assert err.value.status == 409


@pytest.mark.parametrize("status", [S.DRAFT])
def test_only_an_approved_notice_can_be_published(inspector, reviewer, renderer, status):
    notice = _draft(inspector, make_case())
    with pytest.raises(Conflict) as err:
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    assert err.value.code == NOTICE_TRANSITION_NOT_ALLOWED
    with pytest.raises(Conflict):
        workflow.notice_request_publication(actor=reviewer, notice=notice)
    assert renderer.documents == []


def test_the_drafter_cannot_approve(reviewer):
    notice = _draft(reviewer, make_case())
    with pytest.raises(Forbidden) as err:
        workflow.notice_approve(actor=reviewer, notice=notice)
    assert (err.value.code, err.value.status) == (NOTICE_FOUR_EYES, 403)
    notice.refresh_from_db()
    assert notice.status == S.DRAFT and notice.approved_by is None


def test_inspectors_cannot_approve_or_publish(inspector, user_factory):
    other = user_factory(role="inspector")
    notice = _draft(other, make_case())
    with pytest.raises(Forbidden) as err:
        workflow.notice_approve(actor=inspector, notice=notice)
    assert err.value.code == "forbidden"


def test_approval_is_audited(inspector, reviewer):
    notice = _approved(inspector, reviewer, make_case())
    assert notice.status == S.APPROVED and notice.approved_by == reviewer and notice.approved_at is not None
    event = NoticeEvent.objects.filter(notice=notice, kind=events.TRANSITION).get()
    assert (event.actor, event.from_status, event.to_status) == (reviewer, "draft", "approved")


def test_publishing_a_naming_notice(inspector, reviewer, renderer, frozen):
    a, b = make_case(), make_case()
    notice = _approved(inspector, reviewer, a, b)

    notice = workflow.notice_publish(notice_id=notice.pk, actor=reviewer)

    notice.refresh_from_db()
    assert notice.status == S.PUBLISHED
    assert (notice.year, notice.batch_number, notice.overall_number) == (2025, 1, 1)
    assert notice.batch_label == "（2025年第1批，总第1批）"
    assert notice.published_on == SERVED_ON and notice.published_by == reviewer
    data = notice.pdf.read()
    assert data.startswith(b"%PDF")
    assert notice.pdf_sha256 == sha256(data) and notice.pdf_size == len(data)
    assert notice.pdf.name == f"notices/naming/{notice.pk}-v1.pdf"
    (doc,) = renderer.documents
    assert doc.batch_line == "（2025年第1批，总第1批）" and doc.date == SERVED_ON and doc.kind == "naming"
    assert [r.name for r in doc.rows] == [a.product.name, b.product.name]
    # Each listed case is named, with a new deadline on the working-day clock.
    for case in (a, b):
        case.refresh_from_db()
        assert case.status == CaseStatus.NAMED and case.deadline == DEADLINE
        assert CaseEvent.objects.filter(case=case, to_status="named", actor=reviewer).count() == 1
    transition = NoticeEvent.objects.get(notice=notice, kind=events.TRANSITION, to_status="published")
    assert transition.data["sha256"] == notice.pdf_sha256
    counter = NoticeCounter.objects.get(series=NoticeSeries.APP)
    assert (counter.year, counter.yearly, counter.overall) == (2025, 1, 1)


def test_batch_numbers_follow_the_counter_and_restart_each_year(inspector, reviewer, renderer, frozen):
    NoticeCounter.objects.filter(series=NoticeSeries.APP).update(year=2025, yearly=3, overall=48)
    first = _approved(inspector, reviewer, make_case())
    first = workflow.notice_publish(notice_id=first.pk, actor=reviewer)
    assert first.batch_label == "（2025年第4批，总第49批）"
    NoticeCounter.objects.filter(series=NoticeSeries.APP).update(year=2024)
    second = workflow.notice_publish(notice_id=_approved(inspector, reviewer, make_case()).pk, actor=reviewer)
    assert second.batch_label == "（2025年第1批，总第50批）"


def test_series_are_numbered_separately(inspector, reviewer, renderer, frozen):
    from products.models import ProductKind

    app = workflow.notice_publish(notice_id=_approved(inspector, reviewer, make_case()).pk, actor=reviewer)
    terminal_case = make_case(kind=ProductKind.TERMINAL)
    terminal = workflow.notice_publish(notice_id=_approved(inspector, reviewer, terminal_case).pk, actor=reviewer)
    named = make_case(CaseStatus.NAMED, deadline=datetime.date(2025, 9, 1))
    removal = workflow.notice_publish(
        notice_id=_approved(inspector, reviewer, named, kind=NoticeKind.REMOVAL).pk, actor=reviewer
    )
    assert [n.series for n in (app, terminal, removal)] == ["app", "terminal", "removal"]
    assert [n.overall_number for n in (app, terminal, removal)] == [1, 1, 1]
    named.refresh_from_db()
    assert named.status == CaseStatus.REMOVAL


def test_publishing_twice_yields_one_version(inspector, reviewer, renderer, frozen):
    notice = _approved(inspector, reviewer, make_case())
    first = workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    again = workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    assert again.pk == first.pk and again.pdf_sha256 == first.pdf_sha256
    assert len(renderer.documents) == 1
    assert Notice.objects.count() == 1
    assert NoticeCounter.objects.get(series=NoticeSeries.APP).overall == 1
    assert NoticeEvent.objects.filter(notice=notice, to_status="published").count() == 1
    # Asking for publication again is harmless too: nothing is queued.
    assert workflow.notice_request_publication(actor=reviewer, notice=notice).status == S.PUBLISHED


def test_a_crash_mid_render_leaves_the_notice_approved_and_consumes_no_number(
    inspector, reviewer, monkeypatch, frozen, settings
):
    from notices import rendering

    case = make_case()
    notice = _approved(inspector, reviewer, case)

    def explode(doc):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(rendering, "render_notice_pdf", explode, raising=False)
    with pytest.raises(RuntimeError):
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)

    notice.refresh_from_db()
    assert notice.status == S.APPROVED
    assert (notice.batch_number, notice.overall_number, notice.pdf_sha256, notice.pdf.name) == (None, None, "", "")
    counter = NoticeCounter.objects.get(series=NoticeSeries.APP)
    assert (counter.yearly, counter.overall) == (0, 0)
    case.refresh_from_db()
    assert case.status == CaseStatus.OVERDUE
    failure = NoticeEvent.objects.get(notice=notice, kind=events.PUBLISH_FAILED)
    assert failure.data == {"code": "RuntimeError"} and failure.reason == "renderer crashed"


def test_a_failure_after_storing_the_pdf_removes_the_file(inspector, reviewer, renderer, frozen, settings):
    from pathlib import Path

    case = make_case()
    notice = _approved(inspector, reviewer, case)
    # The case moved on meanwhile (a late report): naming it fails after the PDF was stored.
    type(case).objects.filter(pk=case.pk).update(status=CaseStatus.RESPONDED)
    with pytest.raises(Conflict) as err:
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    assert err.value.code == CASE_TRANSITION_NOT_ALLOWED
    notice.refresh_from_db()
    assert notice.status == S.APPROVED and notice.pdf.name == ""
    assert list(Path(settings.MEDIA_ROOT).rglob("*.pdf")) == []
    assert NoticeCounter.objects.get(series=NoticeSeries.APP).overall == 0


def test_unknown_calendar_year_refuses_publication(inspector, reviewer, renderer):
    from freezegun import freeze_time

    notice = _approved(inspector, reviewer, make_case())
    with freeze_time("2099-03-02 02:00:00"), pytest.raises(Exception) as err:
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    assert getattr(err.value, "code", "") == CALENDAR_YEAR_UNKNOWN
    notice.refresh_from_db()
    assert notice.status == S.APPROVED


def test_publishing_an_order_serves_it_with_deadline_and_access_code(inspector, reviewer, renderer, frozen):
    case = make_case(CaseStatus.OPEN, codes=("PI-01", "PI-05"))
    notice = _approved(inspector, reviewer, case, kind=NoticeKind.ORDER)

    notice = workflow.notice_publish(notice_id=notice.pk, actor=reviewer)

    notice.refresh_from_db()
    assert notice.doc_number == "工信部信管函〔2025〕1号" and notice.doc_sequence == 1
    assert notice.batch_label == "" and notice.deadline == DEADLINE
    case.refresh_from_db()
    assert (case.status, case.served_on, case.deadline) == (CaseStatus.ORDERED, SERVED_ON, DEADLINE)
    (doc,) = renderer.documents
    assert doc.doc_number == "工信部信管函〔2025〕1号" and doc.deadline == DEADLINE
    assert [i.violation_code for i in doc.items] == ["PI-01", "PI-05"]
    # The plain code is printed on the PDF and stored only as a hash, on the case for the portal.
    assert len(doc.access_code) == 19
    assert notice.access_code_hash == code_hash(doc.access_code)
    assert case.access_codes.get().code_hash == code_hash(doc.access_code)
    assert NoticeEvent.objects.filter(notice=notice, kind=events.ACCESS_CODE_ISSUED).count() == 1


def test_order_numbers_restart_each_year_without_leading_zeros(inspector, reviewer, renderer, frozen):
    NoticeCounter.objects.filter(series=NoticeSeries.ORDER).update(year=2025, yearly=11, overall=40)
    case = make_case(CaseStatus.OPEN)
    notice = workflow.notice_publish(
        notice_id=_approved(inspector, reviewer, case, kind=NoticeKind.ORDER).pk, actor=reviewer
    )
    assert notice.doc_number == "工信部信管函〔2025〕12号"


def test_access_code_is_shown_once(inspector, reviewer, renderer, frozen, django_capture_on_commit_callbacks):
    case = make_case(CaseStatus.OPEN)
    notice = _approved(inspector, reviewer, case, kind=NoticeKind.ORDER)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    code = renderer.documents[0].access_code

    assert services.order_access_code_reveal(actor=reviewer, notice=notice) == code
    assert services.order_access_code_reveal(actor=reviewer, notice=notice) is None


def test_a_corrected_order_replaces_the_code_and_is_not_served_twice(inspector, reviewer, renderer, frozen):
    case = make_case(CaseStatus.OPEN)
    original = workflow.notice_publish(
        notice_id=_approved(inspector, reviewer, case, kind=NoticeKind.ORDER).pk, actor=reviewer
    )
    correction = services.notice_correct(actor=inspector, notice=original, reason="证据摘要有误")
    services.notice_update(actor=inspector, notice=correction, tested=correction.tested + "（更正）")
    workflow.notice_approve(actor=reviewer, notice=correction)
    correction = workflow.notice_publish(notice_id=correction.pk, actor=reviewer)
    assert correction.doc_number == original.doc_number == "工信部信管函〔2025〕1号"
    first, second = (d.access_code for d in renderer.documents)
    assert first != second
    codes = {c.code_hash: c.revoked_at for c in case.access_codes.all()}
    assert codes[code_hash(first)] is not None and codes[code_hash(second)] is None
    assert CaseEvent.objects.filter(case=case, to_status="ordered").count() == 1


def test_publication_changes_the_register_version_in_the_database(inspector, reviewer, renderer, frozen):
    """No on-commit callback runs here (as in a worker whose cache the web process does not share):
    the version is read from the database, so it changes all the same."""
    before = caching.register_version()
    notice = _approved(inspector, reviewer, make_case())
    workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    after = caching.register_version()
    assert after != before
    correction = services.notice_correct(actor=inspector, notice=notice)
    services.notice_update(actor=inspector, notice=correction, closing="更正。")
    workflow.notice_approve(actor=reviewer, notice=correction)
    workflow.notice_publish(notice_id=correction.pk, actor=reviewer)
    assert caching.register_version() not in (before, after)


def test_request_publication_enqueues_on_commit(
    inspector, reviewer, renderer, frozen, django_capture_on_commit_callbacks
):
    notice = _approved(inspector, reviewer, make_case())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.notice_request_publication(actor=reviewer, notice=notice)
    notice.refresh_from_db()
    assert notice.status == S.APPROVED and notice.publish_requested_at is not None
    assert len(callbacks) == 1 and renderer.documents == []
    callbacks[0]()  # Celery runs eagerly in tests: the task publishes.
    notice.refresh_from_db()
    assert notice.status == S.PUBLISHED
    assert NoticeEvent.objects.filter(notice=notice, kind=events.PUBLISH_REQUESTED, actor=reviewer).count() == 1


def test_correction_supersedes_and_keeps_the_batch(inspector, reviewer, user_factory, renderer, frozen):
    case = make_case()
    original = workflow.notice_publish(notice_id=_approved(inspector, reviewer, case).pk, actor=reviewer)

    correction = services.notice_correct(actor=inspector, notice=original, reason="开发者名称有误")
    assert (correction.version, correction.supersedes_id, correction.status) == (2, original.pk, S.DRAFT)
    entry = correction.entries.get()
    services.notice_entry_update(actor=inspector, entry=entry, developer="更正后的公司")
    with pytest.raises(Conflict) as err:
        services.notice_correct(actor=inspector, notice=original)
    assert err.value.code == NOTICE_CORRECTION_EXISTS

    workflow.notice_approve(actor=reviewer, notice=correction)
    correction = workflow.notice_publish(notice_id=correction.pk, actor=reviewer)

    original.refresh_from_db()
    correction.refresh_from_db()
    assert original.status == S.SUPERSEDED and correction.status == S.PUBLISHED
    assert correction.batch_label == original.batch_label == "（2025年第1批，总第1批）"
    assert correction.pdf_sha256 != original.pdf_sha256
    assert renderer.documents[-1].rows[0].developer == "更正后的公司"
    # No new number was taken, and the case was not named a second time.
    assert NoticeCounter.objects.get(series=NoticeSeries.APP).overall == 1
    assert CaseEvent.objects.filter(case=case, to_status="named").count() == 1
    assert NoticeEvent.objects.filter(notice=original, to_status="superseded").count() == 1
    with pytest.raises(Conflict):
        services.notice_correct(actor=inspector, notice=original)


def test_publishing_an_order_emails_the_vendor_once(
    inspector, reviewer, renderer, frozen, vendor_user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    case = make_case(CaseStatus.OPEN)
    user = vendor_user_factory(vendor=case.vendor, email="dpo@vendor.test")
    notice = _approved(inspector, reviewer, case, kind=NoticeKind.ORDER)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)

    (mail,) = mailoutbox
    assert sorted(mail.to) == sorted([case.vendor.contact_email, user.email])
    assert case.number in mail.body
