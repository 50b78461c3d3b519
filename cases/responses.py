"""Writes of the rectification exchange: reports, extensions, re-tests (ARCHITECTURE.md §3.4, §4).

Vendors submit reports and ask for more time; reviewers decide. Every decision is one
transaction that moves the case through ``cases.workflow``, writes its audit event and, once it
commits, emails the vendor. Vendor-side calls check the vendor again (the views already fetched
through scoped selectors): "not yours" answers 404 like "missing".
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput, NotFound
from accounts.reasons import reason_clean
from accounts.roles import CASE_DECIDE, PORTAL_RESPOND, require
from accounts.scoping import require_act
from cases import error_codes, events, notifications, workflow
from cases.clock.calendar import is_working_day
from cases.evidence import check_evidence
from cases.models import Case, CaseStatus, DecisionStatus, ExtensionRequest, Inspection, RetestLink, VendorResponse
from cases.selectors import vendor_case_queryset
from cases.services import evidence_store

S = CaseStatus
MAX_RESPONSE_FILES = 10

# A report may be sent while the clock runs or after it ran out (a late report still counts).
RESPONDABLE = frozenset({S.ORDERED, S.OVERDUE, S.NAMED})
# More time may be asked while the clock runs towards an order's deadline.
EXTENSION_ASKABLE = workflow.EXTENDABLE

MSG_NOT_RESPONDABLE = _("A report cannot be sent for a case in this state.")
MSG_SUMMARY_REQUIRED = _("Say what was fixed.")
MSG_TOO_MANY_FILES = _("Send at most %(max)s files.")
MSG_ALREADY_DECIDED = _("This was already decided.")
MSG_EXTENSION_PENDING = _("A request for more time is already waiting for a decision.")
MSG_NOT_EXTENSION_ASKABLE = _("More time can only be asked while the case waits for rectification.")
MSG_REQUESTED_NOT_LATER = _("Ask for a date after the current deadline.")
MSG_DEADLINE_NOT_WORKING_DAY = _("The new deadline must be a working day.")
MSG_RETEST_STATE = _("A re-test can only be linked to a case under verification.")
MSG_RETEST_PRODUCT = _("The re-test must be an inspection of the case's product.")
MSG_RETEST_LINKED = _("This inspection is already linked to the case.")


def _own_case(actor, case: Case) -> None:
    """A vendor user acts only on its own vendor's served cases; anything else looks missing."""
    require(actor, PORTAL_RESPOND)
    if not vendor_case_queryset(actor=actor).filter(pk=case.pk).exists():
        raise NotFound


# ------------------------------------------------------------------ vendor side


def response_submit(
    *, actor, case: Case, summary: str, fixed_version: str = "", text: str = "", files=()
) -> VendorResponse:
    """Send a rectification report with its evidence files; the case moves to responded."""
    _own_case(actor, case)
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput(MSG_SUMMARY_REQUIRED, code=error_codes.SUMMARY_REQUIRED)
    files = list(files)
    if len(files) > MAX_RESPONSE_FILES:
        raise InvalidInput(MSG_TOO_MANY_FILES % {"max": MAX_RESPONSE_FILES}, code=error_codes.TOO_MANY_FILES)
    for uploaded in files:  # refuse a bad file before anything is stored
        check_evidence(uploaded)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status not in RESPONDABLE:
            # Checked under the lock before any file is stored, so a refusal stores nothing.
            raise Conflict(MSG_NOT_RESPONDABLE, code=error_codes.CASE_NOT_RESPONDABLE, status=locked.status)
        response = VendorResponse.objects.create(
            case=locked,
            authority_id=locked.authority_id,
            submitted_by=actor,
            summary=summary,
            fixed_version=(fixed_version or "").strip(),
            text=(text or "").strip(),
        )
        stored = [evidence_store(actor=actor, uploaded=f, response=response) for f in files]
        workflow.respond_case(case=locked, actor=actor)
        events.record(
            case=locked,
            kind=events.RESPONSE_SUBMITTED,
            actor=actor,
            data={
                "response": response.pk,
                "fixed_version": response.fixed_version,
                "files": [{"id": e.pk, "sha256": e.sha256} for e in stored],
            },
        )
    return response


def extension_request(
    *, actor, case: Case, reason: str, requested_deadline: datetime.date | None = None
) -> ExtensionRequest:
    """Ask for more time, with a reason and the date wanted (after the current deadline). One request
    waits for a decision at a time."""
    _own_case(actor, case)
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status not in EXTENSION_ASKABLE:
            raise Conflict(MSG_NOT_EXTENSION_ASKABLE, code=error_codes.EXTENSION_NOT_ASKABLE, status=locked.status)
        if locked.extension_requests.filter(status=DecisionStatus.PENDING).exists():
            raise Conflict(MSG_EXTENSION_PENDING, code=error_codes.EXTENSION_PENDING)
        if requested_deadline is not None and locked.deadline is not None and requested_deadline <= locked.deadline:
            raise InvalidInput(
                MSG_REQUESTED_NOT_LATER,
                code=error_codes.DEADLINE_NOT_LATER,
                requested_deadline=[str(MSG_REQUESTED_NOT_LATER)],
            )
        extension = ExtensionRequest.objects.create(
            case=locked,
            authority_id=locked.authority_id,
            requested_by=actor,
            reason=reason,
            requested_deadline=requested_deadline,
        )
        events.record(
            case=locked,
            kind=events.EXTENSION_REQUESTED,
            actor=actor,
            reason=reason,
            data={
                "extension": extension.pk,
                "deadline": locked.deadline.isoformat() if locked.deadline else None,
                "requested": requested_deadline.isoformat() if requested_deadline else None,
            },
        )
    return extension


# ------------------------------------------------------------------ reviewer side


def _decide(model, obj, *, actor, status: str, reason: str):
    locked = model.objects.select_for_update().get(pk=obj.pk)
    require_act(actor, Case.objects.values_list("authority_id", flat=True).get(pk=locked.case_id))
    if locked.status != DecisionStatus.PENDING:
        raise Conflict(MSG_ALREADY_DECIDED, code=error_codes.ALREADY_DECIDED)
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    return locked


def response_accept(*, actor, response: VendorResponse, reason: str = "") -> VendorResponse:
    """Accept a report: the case moves to verifying, where a re-test is due."""
    require(actor, CASE_DECIDE)
    reason = reason_clean(reason, required=False)
    with transaction.atomic():
        locked = _decide(VendorResponse, response, actor=actor, status=DecisionStatus.ACCEPTED, reason=reason)
        case = workflow.accept_response_case(case=locked.case, actor=actor, reason=reason)
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        events.record(
            case=case, kind=events.RESPONSE_ACCEPTED, actor=actor, reason=reason, data={"response": locked.pk}
        )
        notifications.case_email_enqueue(kind=notifications.RESPONSE_DECIDED, case=case, obj=locked)
    return locked


def response_reject(*, actor, response: VendorResponse, reason: str) -> VendorResponse:
    """Reject a report with reasons: the case returns where the report came from; the clock runs on."""
    require(actor, CASE_DECIDE)
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = _decide(VendorResponse, response, actor=actor, status=DecisionStatus.REJECTED, reason=reason)
        case = workflow.reject_response_case(case=locked.case, actor=actor, reason=reason)
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        events.record(
            case=case, kind=events.RESPONSE_REJECTED, actor=actor, reason=reason, data={"response": locked.pk}
        )
        notifications.case_email_enqueue(kind=notifications.RESPONSE_DECIDED, case=case, obj=locked)
    return locked


def extension_grant(
    *, actor, extension: ExtensionRequest, new_deadline: datetime.date, reason: str
) -> ExtensionRequest:
    """Grant more time: a new deadline as an event (the old date stays in the trail)."""
    require(actor, CASE_DECIDE)
    reason = reason_clean(reason)
    if not is_working_day(new_deadline):
        raise InvalidInput(MSG_DEADLINE_NOT_WORKING_DAY, code=error_codes.DEADLINE_NOT_WORKING_DAY)
    with transaction.atomic():
        locked = _decide(ExtensionRequest, extension, actor=actor, status=DecisionStatus.ACCEPTED, reason=reason)
        locked.new_deadline = new_deadline
        case = workflow.extend_deadline_case(case=locked.case, actor=actor, new_deadline=new_deadline, reason=reason)
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "new_deadline"])
        events.record(
            case=case,
            kind=events.EXTENSION_GRANTED,
            actor=actor,
            reason=reason,
            data={"extension": locked.pk, "deadline": new_deadline.isoformat()},
        )
        notifications.case_email_enqueue(kind=notifications.EXTENSION_DECIDED, case=case, obj=locked)
    return locked


def extension_refuse(*, actor, extension: ExtensionRequest, reason: str) -> ExtensionRequest:
    require(actor, CASE_DECIDE)
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = _decide(ExtensionRequest, extension, actor=actor, status=DecisionStatus.REJECTED, reason=reason)
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        events.record(
            case=locked.case, kind=events.EXTENSION_REFUSED, actor=actor, reason=reason, data={"extension": locked.pk}
        )
        notifications.case_email_enqueue(kind=notifications.EXTENSION_DECIDED, case=locked.case, obj=locked)
    return locked


def retest_link(*, actor, case: Case, inspection: Inspection) -> RetestLink:
    """Link a re-test inspection of the case's product to a case under verification."""
    require(actor, CASE_DECIDE)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        require_act(actor, locked.authority_id)
        if locked.status != S.VERIFYING:
            raise Conflict(MSG_RETEST_STATE, code=error_codes.RETEST_WRONG_STATE, status=locked.status)
        if inspection.product_version.product_id != locked.product_id:
            raise InvalidInput(MSG_RETEST_PRODUCT, code=error_codes.RETEST_OTHER_PRODUCT)
        if RetestLink.objects.filter(case=locked, inspection=inspection).exists():
            raise Conflict(MSG_RETEST_LINKED, code=error_codes.RETEST_ALREADY_LINKED)
        link = RetestLink.objects.create(case=locked, inspection=inspection, linked_by=actor)
        events.record(
            case=locked,
            kind=events.RETEST_LINKED,
            actor=actor,
            data={"inspection": inspection.pk, "version": inspection.product_version.version},
        )
    return link


def retest_confirm_rectified(*, actor, case: Case, reason: str = "") -> Case:
    """A person confirms what the re-test proposes (the preconditions live in the workflow's move)."""
    require(actor, CASE_DECIDE)
    return workflow.confirm_rectified_case(case=case, actor=actor, reason=reason)


def retest_confirm_failed(*, actor, case: Case, reason: str) -> Case:
    """The re-test shows the findings still there: back to ordered, the clock runs on (the reason
    and the re-test are required by the workflow's move)."""
    require(actor, CASE_DECIDE)
    return workflow.retest_failed_case(case=case, actor=actor, reason=reason)
