import datetime
import os

import pytest
from django.conf import settings
from django.core import mail

from accounts.errors import Conflict, Forbidden, InvalidInput, NotFound
from cases import events, responses
from cases.error_codes import (
    ALREADY_DECIDED,
    CASE_NOT_RESPONDABLE,
    DEADLINE_NOT_WORKING_DAY,
    EXTENSION_NOT_ASKABLE,
    EXTENSION_PENDING,
    FILE_TYPE_REFUSED,
    RETEST_FINDINGS_REMAIN,
    RETEST_MISSING,
    RETEST_OTHER_PRODUCT,
    RETEST_WRONG_STATE,
    SUMMARY_REQUIRED,
    TOO_MANY_FILES,
)
from cases.models import CaseEvent, CaseStatus, DecisionStatus, Evidence, ExtensionRequest, FindingStatus, RetestLink
from cases.workflow import TransitionNotAllowed
from tests import factories

from .served import html_file, png, served_case, svg_file

S = CaseStatus


def _media_files():
    root = settings.MEDIA_ROOT
    return sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files) if os.path.isdir(root) else []


@pytest.fixture
def case(db):
    return served_case()


@pytest.fixture
def staff(case):
    return factories.VendorUserFactory(vendor=case.vendor, email="staff@vendor.test")


def _submit(case, staff, **kw):
    kw.setdefault("summary", "移除启动时读取IMEI的代码")
    kw.setdefault("fixed_version", "3.3.0")
    return responses.response_submit(actor=staff, case=case, files=kw.pop("files", [png()]), **kw)


@pytest.mark.django_db
def test_submit_stores_evidence_moves_the_case_and_audits(case, staff):
    response = _submit(case, staff, text="详见附件")

    case.refresh_from_db()
    assert case.status == S.RESPONDED and case.status_before_response == S.ORDERED
    [evidence] = Evidence.objects.filter(response=response)
    assert evidence.content_type == "image/png" and len(evidence.sha256) == 64
    assert evidence.original_name == "after-fix.png" and "after-fix" not in evidence.file.name
    event = CaseEvent.objects.get(case=case, kind=events.RESPONSE_SUBMITTED)
    assert event.actor == staff
    assert event.data == {
        "response": response.pk,
        "fixed_version": "3.3.0",
        "files": [{"id": evidence.pk, "sha256": evidence.sha256}],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [html_file, svg_file])
def test_html_and_svg_are_refused_and_nothing_is_stored(case, staff, bad):
    before = _media_files()
    with pytest.raises(InvalidInput) as err:
        _submit(case, staff, files=[png(), bad()])
    assert err.value.code == FILE_TYPE_REFUSED
    case.refresh_from_db()
    assert case.status == S.ORDERED
    assert _media_files() == before
    assert not case.responses.exists()


@pytest.mark.django_db
def test_submit_needs_a_summary_and_few_files(case, staff):
    with pytest.raises(InvalidInput) as err:
        _submit(case, staff, summary="  ")
    assert err.value.code == SUMMARY_REQUIRED
    with pytest.raises(InvalidInput) as err:
        _submit(case, staff, files=[png() for _ in range(responses.MAX_RESPONSE_FILES + 1)])
    assert err.value.code == TOO_MANY_FILES


@pytest.mark.django_db
def test_another_vendor_cannot_submit_and_learns_nothing(case):
    outsider = factories.VendorUserFactory()
    before = _media_files()
    with pytest.raises(NotFound):
        _submit(case, outsider)
    with pytest.raises(NotFound):
        responses.extension_request(actor=outsider, case=case, reason="x")
    assert _media_files() == before


@pytest.mark.django_db
def test_a_second_report_while_one_waits_is_a_conflict_and_stores_no_file(case, staff):
    _submit(case, staff)
    before = _media_files()
    with pytest.raises(Conflict) as err:
        _submit(case, staff)
    assert err.value.code == CASE_NOT_RESPONDABLE
    assert _media_files() == before


@pytest.mark.django_db
def test_accept_moves_to_verifying_audits_and_emails_once(case, staff, reviewer, django_capture_on_commit_callbacks):
    response = _submit(case, staff)
    with django_capture_on_commit_callbacks(execute=True):
        responses.response_accept(actor=reviewer, response=response, reason="材料齐全")

    response.refresh_from_db()
    case.refresh_from_db()
    assert (response.status, response.decided_by, case.status) == (DecisionStatus.ACCEPTED, reviewer, S.VERIFYING)
    event = CaseEvent.objects.get(case=case, kind=events.RESPONSE_ACCEPTED)
    assert (event.actor, event.reason, event.data) == (reviewer, "材料齐全", {"response": response.pk})
    [email] = mail.outbox
    assert staff.email in email.to and case.vendor.contact_email in email.to
    assert "已受理" in email.subject and "accepted" in email.subject
    assert reviewer.username not in email.body
    with pytest.raises(Conflict) as err:
        responses.response_accept(actor=reviewer, response=response)
    assert err.value.code == ALREADY_DECIDED


@pytest.mark.django_db
@pytest.mark.parametrize("origin", [S.ORDERED, S.OVERDUE, S.NAMED])
def test_reject_returns_to_origin_with_reasons(case, staff, reviewer, origin, django_capture_on_commit_callbacks):
    type(case).objects.filter(pk=case.pk).update(status=origin)
    case.refresh_from_db()
    response = _submit(case, staff)
    with pytest.raises(InvalidInput):
        responses.response_reject(actor=reviewer, response=response, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        responses.response_reject(actor=reviewer, response=response, reason="截图未体现修复")

    case.refresh_from_db()
    assert case.status == origin and case.deadline == datetime.date(2025, 10, 10)
    assert CaseEvent.objects.get(case=case, kind=events.RESPONSE_REJECTED).reason == "截图未体现修复"
    assert "截图未体现修复" in mail.outbox[0].body


@pytest.mark.django_db
def test_vendors_and_inspectors_cannot_decide(case, staff, inspector):
    response = _submit(case, staff)
    for actor in (staff, inspector):
        with pytest.raises(Forbidden):
            responses.response_accept(actor=actor, response=response)
    response.refresh_from_db()
    assert response.status == DecisionStatus.PENDING


@pytest.mark.django_db
def test_extension_grant_is_an_event_with_a_new_date(case, staff, reviewer, django_capture_on_commit_callbacks):
    extension = responses.extension_request(actor=staff, case=case, reason="国庆假期，测试排期推迟")
    with pytest.raises(Conflict) as err:
        responses.extension_request(actor=staff, case=case, reason="again")
    assert err.value.code == EXTENSION_PENDING
    with pytest.raises(InvalidInput) as err:  # 2025-10-11 is a make-up Saturday: fine; 10-12 Sunday is not
        responses.extension_grant(
            actor=reviewer, extension=extension, new_deadline=datetime.date(2025, 10, 12), reason="x"
        )
    assert err.value.code == DEADLINE_NOT_WORKING_DAY

    with django_capture_on_commit_callbacks(execute=True):
        responses.extension_grant(
            actor=reviewer, extension=extension, new_deadline=datetime.date(2025, 10, 17), reason="同意延期一周"
        )

    case.refresh_from_db()
    extension.refresh_from_db()
    assert case.deadline == datetime.date(2025, 10, 17)
    assert (extension.status, extension.new_deadline) == (DecisionStatus.ACCEPTED, datetime.date(2025, 10, 17))
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds[-3:] == [events.EXTENSION_REQUESTED, events.DEADLINE_SET, events.EXTENSION_GRANTED]
    deadline_event = CaseEvent.objects.get(case=case, kind=events.DEADLINE_SET)
    assert deadline_event.data["from"] == "2025-10-10" and deadline_event.data["to"] == "2025-10-17"
    assert "2025-10-17" in mail.outbox[0].body


@pytest.mark.django_db
def test_extension_refuse(case, staff, reviewer, django_capture_on_commit_callbacks):
    extension = responses.extension_request(actor=staff, case=case, reason="人手不足")
    with django_capture_on_commit_callbacks(execute=True):
        responses.extension_refuse(actor=reviewer, extension=extension, reason="理由不充分")
    extension.refresh_from_db()
    case.refresh_from_db()
    assert (extension.status, case.deadline) == (DecisionStatus.REJECTED, datetime.date(2025, 10, 10))
    assert CaseEvent.objects.get(case=case, kind=events.EXTENSION_REFUSED).reason == "理由不充分"
    assert "未批准" in mail.outbox[0].subject


@pytest.mark.django_db
def test_extension_cannot_be_asked_once_overdue(case, staff):
    type(case).objects.filter(pk=case.pk).update(status=S.OVERDUE)
    case.refresh_from_db()
    with pytest.raises(Conflict) as err:
        responses.extension_request(actor=staff, case=case, reason="x")
    assert err.value.code == EXTENSION_NOT_ASKABLE
    assert not ExtensionRequest.objects.exists()


@pytest.mark.django_db
def test_granting_after_the_case_went_overdue_is_refused(case, staff, reviewer):
    extension = responses.extension_request(actor=staff, case=case, reason="x")
    type(case).objects.filter(pk=case.pk).update(status=S.OVERDUE)
    with pytest.raises(TransitionNotAllowed):
        responses.extension_grant(
            actor=reviewer, extension=extension, new_deadline=datetime.date(2025, 10, 17), reason="y"
        )
    extension.refresh_from_db()
    assert extension.status == DecisionStatus.PENDING


def _verifying(case, staff, reviewer):
    responses.response_accept(actor=reviewer, response=_submit(case, staff))
    case.refresh_from_db()
    return case


def _retest(case, reviewer, *, still_there=False):
    version = factories.ProductVersionFactory(product=case.product, version="3.3.0")
    inspection = factories.InspectionFactory(
        product_version=version, campaign=case.campaign, created_by=reviewer, date=datetime.date(2025, 10, 20)
    )
    if still_there:
        factories.FindingFactory(inspection=inspection, status=FindingStatus.CANDIDATE)
    return inspection


@pytest.mark.django_db
def test_retest_proposes_closure_and_a_person_confirms(case, staff, reviewer):
    case = _verifying(case, staff, reviewer)
    with pytest.raises(Conflict) as err:
        responses.retest_confirm_rectified(actor=reviewer, case=case)
    assert err.value.code == RETEST_MISSING

    inspection = _retest(case, reviewer)
    link = responses.retest_link(actor=reviewer, case=case, inspection=inspection)
    assert RetestLink.objects.get() == link
    assert CaseEvent.objects.get(case=case, kind=events.RETEST_LINKED).data["inspection"] == inspection.pk
    with pytest.raises(Conflict):
        responses.retest_link(actor=reviewer, case=case, inspection=inspection)

    case = responses.retest_confirm_rectified(actor=reviewer, case=case)
    assert case.status == S.RECTIFIED
    assert str(inspection.pk) in CaseEvent.objects.get(case=case, to_status=S.RECTIFIED).reason


@pytest.mark.django_db
def test_retest_with_the_finding_still_there_cannot_close(case, staff, reviewer):
    case = _verifying(case, staff, reviewer)
    responses.retest_link(actor=reviewer, case=case, inspection=_retest(case, reviewer, still_there=True))
    with pytest.raises(Conflict) as err:
        responses.retest_confirm_rectified(actor=reviewer, case=case)
    assert err.value.code == RETEST_FINDINGS_REMAIN
    with pytest.raises(InvalidInput):
        responses.retest_confirm_failed(actor=reviewer, case=case, reason="")
    case = responses.retest_confirm_failed(actor=reviewer, case=case, reason="复检仍读取IMEI")
    assert case.status == S.ORDERED


@pytest.mark.django_db
def test_retest_link_checks_state_and_product(case, staff, reviewer):
    with pytest.raises(Conflict) as err:
        responses.retest_link(actor=reviewer, case=case, inspection=_retest(case, reviewer))
    assert err.value.code == RETEST_WRONG_STATE
    case = _verifying(case, staff, reviewer)
    other = factories.InspectionFactory(created_by=reviewer)
    with pytest.raises(InvalidInput) as err:
        responses.retest_link(actor=reviewer, case=case, inspection=other)
    assert err.value.code == RETEST_OTHER_PRODUCT
