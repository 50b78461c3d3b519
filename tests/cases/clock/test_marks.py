import datetime

import pytest
from django.conf import settings
from freezegun import freeze_time

from cases import workflow
from cases.clock import marks
from cases.models import Case, CaseEvent, CaseStatus
from cases.tasks import mark_overdue_cases

S = CaseStatus
SERVED = datetime.date(2025, 9, 26)
DEADLINE = datetime.date(2025, 10, 10)


@pytest.fixture
def ordered_case(case_factory, reviewer):
    def make(deadline=DEADLINE):
        case = case_factory()
        return workflow.order_case(case=case, actor=reviewer, served_on=SERVED, deadline=deadline)

    return make


def _overdue_events(case):
    return list(CaseEvent.objects.filter(case=case, to_status=S.OVERDUE))


@pytest.mark.django_db
def test_an_ordered_case_past_its_deadline_becomes_overdue_with_a_system_event(ordered_case):
    case = ordered_case()

    moved = marks.cases_mark_overdue(today=DEADLINE + datetime.timedelta(days=1))

    assert moved == [case.pk]
    case.refresh_from_db()
    assert case.status == S.OVERDUE
    [event] = _overdue_events(case)
    assert event.from_status == S.ORDERED
    assert event.actor is None
    assert event.reason == str(marks.REASON_DEADLINE_PASSED)


@pytest.mark.django_db
def test_what_the_clock_marks_was_already_overdue_by_the_one_rule(ordered_case):
    """The mark only writes down what ``cases.models.case_overdue_q`` already says."""
    case = ordered_case()
    day_after = DEADLINE + datetime.timedelta(days=1)
    assert not Case.objects.overdue(DEADLINE).filter(pk=case.pk).exists()
    assert Case.objects.overdue(day_after).filter(pk=case.pk).exists()

    assert marks.cases_mark_overdue(today=day_after) == [case.pk]
    case.refresh_from_db()
    assert case.overdue_on(DEADLINE) and Case.objects.overdue(DEADLINE).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_the_deadline_day_itself_is_still_in_time(ordered_case):
    case = ordered_case()

    assert marks.cases_mark_overdue(today=DEADLINE) == []

    case.refresh_from_db()
    assert case.status == S.ORDERED
    assert _overdue_events(case) == []


@pytest.mark.django_db
def test_a_second_run_changes_nothing(ordered_case):
    first, second = ordered_case(), ordered_case(deadline=DEADLINE - datetime.timedelta(days=3))
    today = DEADLINE + datetime.timedelta(days=2)

    assert marks.cases_mark_overdue(today=today) == [first.pk, second.pk]
    events_after_first_run = CaseEvent.objects.count()
    assert marks.cases_mark_overdue(today=today) == []

    assert CaseEvent.objects.count() == events_after_first_run
    assert len(_overdue_events(first)) == 1
    assert len(_overdue_events(second)) == 1


@pytest.mark.django_db
def test_a_report_awaiting_review_does_not_stop_the_clock(ordered_case, vendor_user):
    case = workflow.respond_case(case=ordered_case(), actor=vendor_user)

    assert marks.cases_mark_overdue(today=DEADLINE + datetime.timedelta(days=1)) == [case.pk]

    case.refresh_from_db()
    assert case.status == S.OVERDUE
    assert _overdue_events(case)[0].from_status == S.RESPONDED


@pytest.mark.django_db
def test_a_late_report_on_an_overdue_case_is_not_marked_again(ordered_case, vendor_user):
    case = ordered_case()
    marks.cases_mark_overdue(today=DEADLINE + datetime.timedelta(days=1))
    case = workflow.respond_case(case=case, actor=vendor_user)
    assert case.status_before_response == S.OVERDUE

    assert marks.cases_mark_overdue(today=DEADLINE + datetime.timedelta(days=5)) == []

    case.refresh_from_db()
    assert case.status == S.RESPONDED
    assert len(_overdue_events(case)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.OPEN, S.VERIFYING, S.NAMED, S.RECTIFIED, S.CLOSED, S.WITHDRAWN])
def test_cases_in_other_states_are_left_alone(case_factory, status):
    case = case_factory(deadline=DEADLINE)
    type(case).objects.filter(pk=case.pk).update(status=status)

    assert marks.cases_mark_overdue(today=DEADLINE + datetime.timedelta(days=30)) == []

    case.refresh_from_db()
    assert case.status == status
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_the_task_counts_today_in_asia_shanghai(ordered_case):
    due_yesterday_in_shanghai = ordered_case(deadline=datetime.date(2025, 10, 10))
    due_today_in_shanghai = ordered_case(deadline=datetime.date(2025, 10, 11))

    # 17:00 UTC on 10 October is already 01:00 on 11 October in Asia/Shanghai.
    with freeze_time("2025-10-10T17:00:00Z"):
        moved = mark_overdue_cases.delay().get()

    assert moved == [due_yesterday_in_shanghai.pk]
    due_today_in_shanghai.refresh_from_db()
    assert due_today_in_shanghai.status == S.ORDERED


def test_beat_runs_the_overdue_clock_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["cases-mark-overdue"]

    assert entry["task"] == mark_overdue_cases.name == "cases.tasks.mark_overdue_cases"
    assert entry["schedule"].hour == set(range(24))
    assert entry["schedule"].minute == {5}
