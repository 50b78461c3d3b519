import datetime
import itertools

import pytest

from accounts.error_codes import REASON_REQUIRED
from accounts.errors import InvalidInput
from cases import events, workflow
from cases.error_codes import CASE_TRANSITION_NOT_ALLOWED
from cases.models import CaseEvent, CaseStatus
from tests import factories
from tests.audit import assert_append_only

S = CaseStatus
ALL = list(S.values)


def _force(case, status, before=""):
    """Put a case in a state for the test (bypassing the workflow on purpose)."""
    type(case).objects.filter(pk=case.pk).update(status=status, status_before_response=before)
    case.refresh_from_db()
    return case


def _move(case, to, actor):
    """Call the workflow function that targets ``to`` from the case's current state."""
    served = datetime.date(2025, 9, 26)
    if to == S.ORDERED:
        if case.status == S.OPEN:
            return workflow.order_case(case=case, actor=actor, served_on=served, deadline=datetime.date(2025, 10, 10))
        if case.status == S.VERIFYING:
            factories.linked_retest(case, still_there=True)
            return workflow.retest_failed_case(case=case, actor=actor, reason="复检仍读取IMEI")
        return workflow.reject_response_case(case=case, actor=actor, reason="证据不足")
    if to in {S.OVERDUE, S.NAMED} and case.status == S.RESPONDED:
        return workflow.reject_response_case(case=case, actor=actor, reason="证据不足")
    return {
        S.RESPONDED: lambda: workflow.respond_case(case=case, actor=actor),
        S.VERIFYING: lambda: workflow.accept_response_case(case=case, actor=actor),
        S.RECTIFIED: lambda: (
            factories.linked_retest(case) if case.status == S.VERIFYING else None,
            workflow.confirm_rectified_case(case=case, actor=actor),
        )[1],
        S.OVERDUE: lambda: workflow.mark_overdue_case(case=case, actor=actor),
        S.NAMED: lambda: workflow.name_case(case=case, actor=actor, deadline=datetime.date(2025, 11, 7)),
        S.REMOVAL: lambda: workflow.remove_case(case=case, actor=actor),
        S.CLOSED: lambda: workflow.close_case(case=case, actor=actor),
        S.WITHDRAWN: lambda: workflow.withdraw_case(case=case, actor=actor, reason="重复立案"),
        S.OPEN: lambda: workflow._transition(case=case, to=S.OPEN, actor=actor),
    }[to]()


ALLOWED_PAIRS = [(f, t) for f in ALL for t in ALL if workflow.can_move(f, t)]
FORBIDDEN_PAIRS = [(f, t) for f, t in itertools.product(ALL, ALL) if not workflow.can_move(f, t)]


def test_table_matches_architecture():
    assert len(ALLOWED_PAIRS) == 21
    assert workflow.ALLOWED[S.CLOSED] == frozenset()
    assert workflow.ALLOWED[S.WITHDRAWN] == frozenset()


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED_PAIRS)
def test_every_allowed_move_writes_one_event(case_factory, reviewer, from_status, to_status):
    before = from_status if to_status in {S.ORDERED, S.OVERDUE, S.NAMED} and from_status == S.RESPONDED else ""
    if from_status == S.RESPONDED and to_status in {S.ORDERED, S.OVERDUE, S.NAMED}:
        before = to_status
    case = _force(case_factory(), from_status, before)
    moved = _move(case, to_status, reviewer)
    assert moved.status == to_status
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        events.TRANSITION,
        from_status,
        to_status,
        reviewer,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN_PAIRS)
def test_every_forbidden_move_raises_and_changes_nothing(case_factory, reviewer, from_status, to_status):
    case = _force(case_factory(), from_status)
    with pytest.raises(workflow.TransitionNotAllowed) as err:
        _move(case, to_status, reviewer)
    assert err.value.code == CASE_TRANSITION_NOT_ALLOWED
    assert err.value.status == 409
    case.refresh_from_db()
    assert case.status == from_status
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_transition_checks_state_inside_the_lock(case_factory, reviewer):
    case = case_factory()
    stale = type(case).objects.get(pk=case.pk)
    workflow.withdraw_case(case=case, actor=reviewer, reason="错误立案")
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.order_case(
            case=stale, actor=reviewer, served_on=datetime.date(2025, 9, 26), deadline=datetime.date(2025, 10, 10)
        )
    assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_order_sets_clock(case_factory, reviewer):
    case = workflow.order_case(
        case=case_factory(), actor=reviewer, served_on=datetime.date(2025, 9, 26), deadline=datetime.date(2025, 10, 10)
    )
    assert (case.served_on, case.deadline) == (datetime.date(2025, 9, 26), datetime.date(2025, 10, 10))
    assert CaseEvent.objects.get(case=case).data == {"served_on": "2025-09-26", "deadline": "2025-10-10"}


@pytest.mark.django_db
@pytest.mark.parametrize("origin", [S.ORDERED, S.OVERDUE, S.NAMED])
def test_rejection_returns_to_where_the_report_came_from(case_factory, reviewer, vendor_user, origin):
    case = _force(case_factory(), origin)
    case = workflow.respond_case(case=case, actor=vendor_user)
    assert case.status_before_response == origin
    case = workflow.reject_response_case(case=case, actor=reviewer, reason="截图不清")
    assert case.status == origin
    assert case.status_before_response == ""


@pytest.mark.django_db
def test_rejection_without_known_origin_returns_to_ordered(case_factory, reviewer):
    case = _force(case_factory(), S.RESPONDED, "")
    assert workflow.reject_response_case(case=case, actor=reviewer, reason="x").status == S.ORDERED


@pytest.mark.django_db
@pytest.mark.parametrize("call", ["withdraw", "reject"])
def test_reason_is_required(case_factory, reviewer, call):
    case = _force(case_factory(), S.RESPONDED)
    fn = workflow.withdraw_case if call == "withdraw" else workflow.reject_response_case
    with pytest.raises(InvalidInput) as err:
        fn(case=case, actor=reviewer, reason="  ")
    assert err.value.code == REASON_REQUIRED


@pytest.mark.django_db
def test_name_case_without_new_deadline_keeps_old(case_factory, reviewer):
    case = _force(case_factory(), S.OVERDUE)
    type(case).objects.filter(pk=case.pk).update(deadline=datetime.date(2025, 10, 10))
    case = workflow.name_case(case=case, actor=reviewer)
    assert case.deadline == datetime.date(2025, 10, 10)


@pytest.mark.django_db
def test_case_events_are_append_only_in_postgresql(require_postgresql, case_factory, reviewer):
    case = workflow.withdraw_case(case=case_factory(), actor=reviewer, reason="重复")
    event = CaseEvent.objects.get(case=case)
    assert_append_only(CaseEvent, event.pk, reason="changed")
    event.refresh_from_db()
    assert event.reason == "重复"
