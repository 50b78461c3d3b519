import datetime

import pytest

from accounts.error_codes import REASON_REQUIRED
from accounts.errors import InvalidInput
from cases import events, workflow
from cases.error_codes import CASE_NOT_EXTENDABLE, DEADLINE_NOT_LATER
from cases.models import CaseEvent, CaseStatus

S = CaseStatus
DEADLINE = datetime.date(2025, 10, 10)


def _ordered(case_factory, reviewer):
    return workflow.order_case(
        case=case_factory(), actor=reviewer, served_on=datetime.date(2025, 9, 26), deadline=DEADLINE
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.ORDERED, S.RESPONDED])
def test_extension_moves_the_deadline_and_keeps_the_old_one_in_an_event(case_factory, reviewer, status):
    case = _ordered(case_factory, reviewer)
    type(case).objects.filter(pk=case.pk).update(status=status)

    extended = workflow.extend_deadline_case(
        case=case, actor=reviewer, new_deadline=datetime.date(2025, 10, 17), reason="  疫情停工  "
    )

    assert extended.deadline == datetime.date(2025, 10, 17)
    assert extended.status == status
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.kind, event.actor, event.reason) == (events.DEADLINE_SET, reviewer, "疫情停工")
    assert event.data == {"from": "2025-10-10", "to": "2025-10-17", "cause": "extension"}
    assert (event.from_status, event.to_status) == ("", "")


@pytest.mark.django_db
def test_extension_of_a_case_without_deadline_records_none(case_factory, reviewer):
    case = case_factory()
    type(case).objects.filter(pk=case.pk).update(status=S.ORDERED)

    workflow.extend_deadline_case(case=case, actor=reviewer, new_deadline=DEADLINE, reason="补登")

    assert CaseEvent.objects.get(case=case).data["from"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("status", [s for s in S.values if s not in (S.ORDERED, S.RESPONDED)])
def test_only_a_running_order_can_be_extended(case_factory, reviewer, status):
    case = _ordered(case_factory, reviewer)
    type(case).objects.filter(pk=case.pk).update(status=status)

    with pytest.raises(workflow.TransitionNotAllowed) as err:
        workflow.extend_deadline_case(case=case, actor=reviewer, new_deadline=datetime.date(2025, 10, 17), reason="x")

    assert err.value.code == CASE_NOT_EXTENDABLE
    case.refresh_from_db()
    assert case.deadline == DEADLINE
    assert CaseEvent.objects.filter(case=case, kind=events.DEADLINE_SET).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("new", [DEADLINE, datetime.date(2025, 10, 9)])
def test_new_deadline_must_be_later(case_factory, reviewer, new):
    case = _ordered(case_factory, reviewer)

    with pytest.raises(InvalidInput) as err:
        workflow.extend_deadline_case(case=case, actor=reviewer, new_deadline=new, reason="x")

    assert err.value.code == DEADLINE_NOT_LATER
    assert err.value.details == {"deadline": "2025-10-10"}
    case.refresh_from_db()
    assert case.deadline == DEADLINE


@pytest.mark.django_db
def test_extension_needs_a_reason(case_factory, reviewer):
    case = _ordered(case_factory, reviewer)

    with pytest.raises(InvalidInput) as err:
        workflow.extend_deadline_case(case=case, actor=reviewer, new_deadline=datetime.date(2025, 10, 17), reason=" ")

    assert err.value.code == REASON_REQUIRED
