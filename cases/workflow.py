"""The case state machine (ARCHITECTURE.md §4). Nothing else writes ``Case.status``.

Each transition locks the row, checks the move inside the lock and writes a CaseEvent in
the same transaction. A move the table does not allow raises ``TransitionNotAllowed`` (409).
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from accounts.reasons import reason_clean
from accounts.scoping import require_act
from cases import error_codes, events
from cases.dashboard import figures
from cases.models import Case, CaseStatus
from cases.retest import retest_proposal

S = CaseStatus

# from -> allowed targets. The table is the truth; tests walk every pair.
ALLOWED: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.ORDERED, S.WITHDRAWN}),
    S.ORDERED: frozenset({S.RESPONDED, S.OVERDUE, S.WITHDRAWN}),
    S.RESPONDED: frozenset({S.VERIFYING, S.ORDERED, S.OVERDUE, S.NAMED, S.WITHDRAWN}),
    S.VERIFYING: frozenset({S.RECTIFIED, S.ORDERED, S.WITHDRAWN}),
    S.OVERDUE: frozenset({S.NAMED, S.RESPONDED, S.WITHDRAWN}),
    S.NAMED: frozenset({S.REMOVAL, S.RESPONDED, S.WITHDRAWN}),
    S.REMOVAL: frozenset({S.CLOSED}),
    S.RECTIFIED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# A rejected report returns the case to where the report came from.
REJECT_TARGETS = frozenset({S.ORDERED, S.OVERDUE, S.NAMED})

MSG_NOT_ALLOWED = _("A case in state “%(from)s” cannot move to “%(to)s”.")
MSG_NO_RETEST = _("Link a re-test inspection first.")
MSG_RETEST_NOT_CLEAN = _("The latest re-test does not show every finding gone.")
MSG_RETEST_CLEAN = _("Re-test %(id)s shows the findings gone.")


class TransitionNotAllowed(Conflict):
    code = error_codes.CASE_TRANSITION_NOT_ALLOWED


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


def _transition(*, case: Case, to: str, actor, reason: str = "", data=None, update=None, check=None) -> Case:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        # A regulator moves only the cases of an authority it acts for (accounts.scoping).
        require_act(actor, locked.authority_id)
        if not can_move(locked.status, to) or (check is not None and not check(locked)):
            raise TransitionNotAllowed(
                MSG_NOT_ALLOWED % {"from": locked.status, "to": to},
                from_status=locked.status,
                to_status=to,
            )
        from_status = locked.status
        with figures.state_moving(locked):
            locked.status = to
            for field, value in (update or {}).items():
                setattr(locked, field, value)
            locked.save()
        events.record(
            case=locked,
            kind=events.TRANSITION,
            actor=actor,
            from_status=from_status,
            to_status=to,
            reason=reason,
            data=data,
        )
    return locked


def order_case(*, case: Case, actor, served_on: datetime.date, deadline: datetime.date, reason: str = "") -> Case:
    """Serve an order to rectify: the clock starts."""
    return _transition(
        case=case,
        to=S.ORDERED,
        actor=actor,
        reason=reason,
        data={"served_on": served_on.isoformat(), "deadline": deadline.isoformat()},
        update={"served_on": served_on, "deadline": deadline},
        check=lambda c: c.status == S.OPEN,
    )


def respond_case(*, case: Case, actor, reason: str = "") -> Case:
    """A vendor's rectification report arrived; remember where it came from."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        return _transition(
            case=locked,
            to=S.RESPONDED,
            actor=actor,
            reason=reason,
            update={"status_before_response": locked.status},
        )


def accept_response_case(*, case: Case, actor, reason: str = "") -> Case:
    return _transition(case=case, to=S.VERIFYING, actor=actor, reason=reason)


def reject_response_case(*, case: Case, actor, reason: str) -> Case:
    """Return the case to where the report came from; the clock keeps running."""
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        back_to = locked.status_before_response if locked.status_before_response in REJECT_TARGETS else S.ORDERED
        return _transition(
            case=locked,
            to=back_to,
            actor=actor,
            reason=reason,
            update={"status_before_response": ""},
            check=lambda c: c.status == S.RESPONDED,
        )


def _require_retest(case: Case) -> None:
    """A verifying case is decided on a linked re-test; without one, neither verdict can be given."""
    if not case.retest_links.exists():
        raise Conflict(MSG_NO_RETEST, code=error_codes.RETEST_MISSING)


def confirm_rectified_case(*, case: Case, actor, reason: str = "") -> Case:
    """A person confirms what the latest re-test proposes: every confirmed finding gone."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        require_act(actor, locked.authority_id)
        if locked.status == S.VERIFYING:
            _require_retest(locked)
            proposal = retest_proposal(case=locked)
            if not proposal.propose_closure:
                raise Conflict(MSG_RETEST_NOT_CLEAN, code=error_codes.RETEST_FINDINGS_REMAIN)
            reason = (reason or "").strip() or str(MSG_RETEST_CLEAN % {"id": proposal.inspection.pk})
        return _transition(case=locked, to=S.RECTIFIED, actor=actor, reason=reason)


def retest_failed_case(*, case: Case, actor, reason: str) -> Case:
    """The re-test shows the findings still there: back to ordered, with the reviewer's reason."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        require_act(actor, locked.authority_id)
        if locked.status == S.VERIFYING:
            reason = reason_clean(reason)
            _require_retest(locked)
        return _transition(
            case=locked, to=S.ORDERED, actor=actor, reason=reason, check=lambda c: c.status == S.VERIFYING
        )


def mark_overdue_case(*, case: Case, actor=None, reason: str = "") -> Case:
    return _transition(
        case=case,
        to=S.OVERDUE,
        actor=actor,
        reason=reason,
        check=lambda c: c.status in {S.ORDERED, S.RESPONDED},
    )


def name_case(*, case: Case, actor, deadline: datetime.date | None = None, reason: str = "") -> Case:
    """A published naming notice lists the case; it may carry a new deadline."""
    update = {"deadline": deadline} if deadline else None
    data = {"deadline": deadline.isoformat()} if deadline else None
    return _transition(
        case=case,
        to=S.NAMED,
        actor=actor,
        reason=reason,
        update=update,
        data=data,
        check=lambda c: c.status == S.OVERDUE,
    )


def remove_case(*, case: Case, actor, reason: str = "") -> Case:
    return _transition(case=case, to=S.REMOVAL, actor=actor, reason=reason)


def close_case(*, case: Case, actor, reason: str = "") -> Case:
    return _transition(case=case, to=S.CLOSED, actor=actor, reason=reason)


def withdraw_case(*, case: Case, actor, reason: str) -> Case:
    """Withdraw a case (error, duplicate, vendor ceased) with a reason."""
    return _transition(case=case, to=S.WITHDRAWN, actor=actor, reason=reason_clean(reason))


# A granted extension moves the deadline of a case whose clock still runs towards an order's deadline.
EXTENDABLE = frozenset({S.ORDERED, S.RESPONDED})

MSG_NOT_EXTENDABLE = _("The deadline of a case in state “%(status)s” cannot be extended.")
MSG_DEADLINE_NOT_LATER = _("The new deadline must be later than the current one (%(deadline)s).")


def extend_deadline_case(*, case: Case, actor, new_deadline: datetime.date, reason: str) -> Case:
    """Give a case a later deadline. The old date stays in the audit trail (a DEADLINE_SET event
    with both dates); the status does not change."""
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        require_act(actor, locked.authority_id)
        if locked.status not in EXTENDABLE:
            raise TransitionNotAllowed(
                MSG_NOT_EXTENDABLE % {"status": locked.status},
                code=error_codes.CASE_NOT_EXTENDABLE,
                from_status=locked.status,
            )
        old = locked.deadline
        if old is not None and new_deadline <= old:
            raise InvalidInput(
                MSG_DEADLINE_NOT_LATER % {"deadline": old.isoformat()},
                code=error_codes.DEADLINE_NOT_LATER,
                deadline=old.isoformat(),
            )
        with figures.state_moving(locked):
            locked.deadline = new_deadline
            locked.save(update_fields=["deadline", "updated_at"])
        events.record(
            case=locked,
            kind=events.DEADLINE_SET,
            actor=actor,
            reason=reason,
            data={"from": old.isoformat() if old else None, "to": new_deadline.isoformat(), "cause": "extension"},
        )
    return locked


def recount_deadline_case(*, case: Case, actor, new_deadline: datetime.date, reason: str, data: dict) -> Case:
    """A calendar correction recounted the case's deadline (``cases.clock.upkeep``). The status
    does not change; a DEADLINE_SET event keeps both dates and the change that caused it. The caller
    has decided the date (a correction never shortens a served deadline)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.deadline != new_deadline:
            with figures.state_moving(locked):
                locked.deadline = new_deadline
                locked.save(update_fields=["deadline", "updated_at"])
        events.record(case=locked, kind=events.DEADLINE_SET, actor=actor, reason=reason, data=data)
    return locked
