"""The case clocks that Celery beat runs: what happens when a date passes.

Each function takes ``today`` (a date in the regulator's zone, Asia/Shanghai) so that the
task decides what "today" is and tests can pin it. Every case moves in its own transaction:
one case that cannot move never holds back the others, and a second run changes nothing.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import workflow
from cases.models import Case, CaseStatus

logger = logging.getLogger(__name__)

REASON_DEADLINE_PASSED = _("The rectification deadline passed without an accepted report.")


def _to_mark_q(today: datetime.date) -> Q:
    """Cases the clock moves to overdue: ordered, or responded to an order, with a deadline before today.

    This is narrower than what "overdue" means for the pages and the API
    (``cases.models.case_overdue_q``: marked overdue, or any running clock past its deadline);
    every case this selects is overdue by that rule already (tests/cases/clock/test_marks.py).
    A report sent after the case was already overdue or named (``status_before_response``) is
    not moved again: that case's clock had already run out and the report awaits review.
    """
    waiting_on_order = Q(status=CaseStatus.ORDERED) | Q(
        status=CaseStatus.RESPONDED, status_before_response__in=["", CaseStatus.ORDERED]
    )
    return waiting_on_order & Q(deadline__lt=today)


def cases_mark_overdue(*, today: datetime.date) -> list[int]:
    """Move every case whose deadline passed before ``today`` to overdue; return their ids in order.

    The actor is the system (None). Each case is re-checked under its row lock, so a case that
    was answered, accepted or given a new deadline since the selection stays where it is.
    """
    due = list(Case.objects.filter(_to_mark_q(today)).order_by("id").values_list("id", flat=True))
    moved: list[int] = []
    for case_id in due:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(_to_mark_q(today), pk=case_id).first()
            if case is None:
                continue
            workflow.mark_overdue_case(case=case, actor=None, reason=str(REASON_DEADLINE_PASSED))
        moved.append(case_id)
    if moved:
        logger.info("marked %d case(s) overdue on %s: %s", len(moved), today.isoformat(), moved)
    return moved
