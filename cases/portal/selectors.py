"""Reads for the vendor portal (the reviewers' reads are in cases.decisions.selectors).

Vendor reads are scoped to the user's own vendor and to served cases; "missing" and "not yours"
both raise ``NotFound``. What a vendor sees of the audit trail is filtered here: no internal
notes, no proposals, no regulator names (the order names the authority, not a person).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import NotFound
from cases import events
from cases.clock.calendar import Calendar, UnknownCalendarYear, working_days_between
from cases.models import (
    CLOCK_RUNNING,
    Case,
    CaseEvent,
    CaseStatus,
    Evidence,
    ExtensionRequest,
    FindingStatus,
    VendorResponse,
)
from cases.selectors import vendor_case_queryset
from notices.selectors import case_issued_orders

S = CaseStatus

# Audit events a vendor may read about its own case.
VENDOR_EVENT_KINDS = (
    events.TRANSITION,
    events.DEADLINE_SET,
    events.EXTENSION_REQUESTED,
    events.EXTENSION_GRANTED,
    events.EXTENSION_REFUSED,
    events.RESPONSE_SUBMITTED,
    events.RESPONSE_ACCEPTED,
    events.RESPONSE_REJECTED,
    events.REMINDER_SENT,
)
# Of those, the ones whose reason was written for the vendor.
VENDOR_REASON_KINDS = (
    events.EXTENSION_REQUESTED,
    events.EXTENSION_GRANTED,
    events.EXTENSION_REFUSED,
    events.RESPONSE_ACCEPTED,
    events.RESPONSE_REJECTED,
)

REGULATOR = _("Regulator")
SYSTEM = _("System")


def _vendor_cases(actor) -> QuerySet[Case]:
    return vendor_case_queryset(actor=actor)


def working_days_left(case: Case, today: datetime.date | None = None, calendar: Calendar | None = None) -> int | None:
    """Working days from today to the deadline (negative once passed); None without a running clock.

    ``calendar``: one loaded calendar for a list of cases (two queries, not two per case)."""
    if case.deadline is None or case.status not in CLOCK_RUNNING:
        return None
    between = calendar.working_days_between if calendar is not None else working_days_between
    try:
        return between(today or timezone.localdate(), case.deadline)
    except UnknownCalendarYear:
        return None


def portal_case_list(*, actor) -> QuerySet[Case]:
    """The vendor's served cases, nearest deadline first; ``with_days_left`` prepares a page of them."""
    return (
        _vendor_cases(actor)
        .select_related("product", "product_version", "campaign", "authority")
        .order_by("deadline", "-id")
    )


def with_days_left(cases) -> list[Case]:
    """The rows of a page with their working days left (``working_days_left``) and days overdue."""
    cases = list(cases)
    today = timezone.localdate()
    calendar = Calendar() if any(c.deadline is not None and c.status in CLOCK_RUNNING for c in cases) else None
    for case in cases:
        case.working_days_left = working_days_left(case, today, calendar)
        case.days_overdue = -case.working_days_left if (case.working_days_left or 0) < 0 else 0
    return cases


def portal_case_get(*, actor, case_id) -> Case:
    try:
        case = (
            _vendor_cases(actor)
            .select_related("product", "product_version", "campaign", "vendor", "authority")
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    case.working_days_left = working_days_left(case)
    return case


def portal_findings(*, case: Case):
    """Confirmed findings only: candidates and dismissed ones never reach a vendor."""
    return (
        case.findings.filter(status=FindingStatus.CONFIRMED)
        .select_related("violation_type")
        .prefetch_related("evidence_files")
        .order_by("violation_type__code", "id")
    )


def portal_orders(*, case: Case) -> list:
    """The case's issued orders to rectify, newest first. Which notices count as issued is the
    notices app's rule (``notices.selectors.case_issued_orders``); the portal only lists them."""
    return list(case_issued_orders(case=case))


def portal_order_get(*, case: Case, notice_id):
    try:
        return next(o for o in portal_orders(case=case) if o.pk == int(notice_id))
    except (StopIteration, ValueError, TypeError):
        raise NotFound from None


def portal_responses(*, case: Case) -> QuerySet[VendorResponse]:
    return case.responses.prefetch_related("evidence_files").order_by("-created_at", "-id")


def portal_extensions(*, case: Case) -> QuerySet[ExtensionRequest]:
    return case.extension_requests.order_by("-created_at", "-id")


@dataclass(frozen=True)
class VendorEvent:
    when: datetime.datetime
    kind: str
    from_status: str
    to_status: str
    reason: str
    who: str
    deadline: str


def _who(event: CaseEvent, vendor_id: int) -> str:
    if event.actor is None:
        return str(SYSTEM)
    membership = getattr(event.actor, "membership", None)
    if membership is not None and membership.vendor_id == vendor_id:
        return event.actor.get_full_name() or event.actor.username
    return str(REGULATOR)


def portal_timeline(*, case: Case) -> list[VendorEvent]:
    rows = (
        case.events.filter(kind__in=VENDOR_EVENT_KINDS).select_related("actor__membership").order_by("created_at", "id")
    )
    return [
        VendorEvent(
            when=e.created_at,
            kind=e.kind,
            from_status=e.from_status,
            to_status=e.to_status,
            reason=e.reason if e.kind in VENDOR_REASON_KINDS else "",
            who=_who(e, case.vendor_id),
            deadline=(e.data or {}).get("to") or (e.data or {}).get("deadline") or "",
        )
        for e in rows
    ]


def portal_evidence_get(*, actor, evidence_id) -> Evidence:
    """A file a vendor may download: its own reports' files, and the files of its case's confirmed
    findings (what the order shows it). Anything else looks missing."""
    cases = _vendor_cases(actor)
    try:
        return Evidence.objects.filter(
            Q(response__case__in=cases) | Q(finding__case__in=cases, finding__status=FindingStatus.CONFIRMED)
        ).get(pk=evidence_id)
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
