"""The clock, part 2 (ARCHITECTURE.md §3.5–3.6): emails and escalation proposals.

Celery beat runs these once a day; each takes ``today`` (a date in Asia/Shanghai) so the task
decides what today is and tests can pin it. Every run is idempotent and safe late: a reminder or
an order email goes once per dedup key, a proposal once per (case, kind, deadline), and a run
that comes days late still sends what is due and proposes what has passed. Moving cases to
overdue is part 1 (``cases.clock.marks``).
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from cases import events, notifications
from cases.clock.calendar import UnknownCalendarYear, working_days_between
from cases.models import Case, CaseStatus, EmailSent, EscalationProposal, ProposalKind

logger = logging.getLogger(__name__)

S = CaseStatus
REMINDER_WORKING_DAYS = 2
# The order email goes out with the publication; the sweep is the safety net for a missed one,
# so it looks back only this far (an old case is not told again that its order was served).
ORDER_EMAIL_LOOKBACK_DAYS = 7
# Cases a reminder is for: waiting on an order's or a naming notice's deadline.
REMINDED = (S.ORDERED, S.NAMED)

NAMING_PROPOSED = "naming_proposed"
REMOVAL_PROPOSED = "removal_proposed"


def reminder_due(case: Case, today: datetime.date) -> bool:
    """Two working days or fewer remain before the deadline, which has not passed yet."""
    if case.status not in REMINDED or case.deadline is None or case.deadline < today:
        return False
    return working_days_between(today, case.deadline) <= REMINDER_WORKING_DAYS


def reminders_send(*, today: datetime.date) -> list[int]:
    """Remind every case whose deadline is two working days away or less; return the reminded ids."""
    sent: list[int] = []
    candidates = Case.objects.filter(status__in=REMINDED, deadline__gte=today).select_related("vendor", "product")
    for case in candidates.order_by("deadline", "id"):
        try:
            if not reminder_due(case, today):
                continue
        except UnknownCalendarYear:
            logger.error("case %s: deadline %s is in a year the calendar does not know", case.pk, case.deadline)
            continue
        if EmailSent.objects.filter(key=notifications.email_key(kind=notifications.REMINDER, case=case)).exists():
            continue
        with transaction.atomic():
            if notifications.case_email_send(kind=notifications.REMINDER, case=case, extra={"today": today}):
                events.record(
                    case=case,
                    kind=events.REMINDER_SENT,
                    data={"deadline": case.deadline.isoformat(), "on": today.isoformat()},
                )
                sent.append(case.pk)
    return sent


def order_emails_send(*, today: datetime.date) -> list[int]:
    """Send the order email of recently served cases that have not had it (normally none)."""
    since = today - datetime.timedelta(days=ORDER_EMAIL_LOOKBACK_DAYS)
    sent = []
    for case in Case.objects.filter(status=S.ORDERED, served_on__gte=since, served_on__lte=today).order_by("id"):
        if notifications.case_email_send(kind=notifications.ORDER_SERVED, case=case):
            sent.append(case.pk)
    return sent


def _propose(*, cases: QuerySet[Case], kind: str, event_kind: str) -> list[int]:
    proposed = []
    for case in cases.order_by("deadline", "id"):
        with transaction.atomic():
            _, created = EscalationProposal.objects.get_or_create(case=case, kind=kind, deadline=case.deadline)
            if created:
                events.record(case=case, kind=event_kind, data={"deadline": case.deadline.isoformat()})
                proposed.append(case.pk)
    return proposed


def naming_proposals_refresh(*, today: datetime.date) -> list[int]:
    """Propose every overdue case for the next naming notice (once per deadline)."""
    cases = Case.objects.filter(status=S.OVERDUE, deadline__lt=today)
    return _propose(cases=cases, kind=ProposalKind.NAMING, event_kind=NAMING_PROPOSED)


def removal_proposals_refresh(*, today: datetime.date) -> list[int]:
    """Propose for removal every named case still unrectified after its naming notice's deadline."""
    cases = Case.objects.filter(status=S.NAMED, deadline__lt=today)
    return _propose(cases=cases, kind=ProposalKind.REMOVAL, event_kind=REMOVAL_PROPOSED)


def clock_run(*, today: datetime.date) -> dict[str, list[int]]:
    """Everything part 2 of the clock does on ``today``; safe to repeat."""
    return {
        "orders": order_emails_send(today=today),
        "reminders": reminders_send(today=today),
        "naming": naming_proposals_refresh(today=today),
        "removal": removal_proposals_refresh(today=today),
    }


def proposal_list(*, kind: str) -> QuerySet[Case]:
    """Cases proposed for the next notice of ``kind`` that still qualify (named or removed ones drop out)."""
    status = S.OVERDUE if kind == ProposalKind.NAMING else S.NAMED
    # EXISTS rather than a join and DISTINCT: the (status, deadline, id) index gives the order, and a
    # page of the list reads that many rows (docs/ARCHITECTURE.md, "Lists at scale").
    proposed = EscalationProposal.objects.filter(case=OuterRef("pk"), kind=kind)
    return (
        Case.objects.filter(Exists(proposed), status=status)
        .select_related("vendor", "product", "product_version", "campaign")
        .order_by("deadline", "id")
    )
