import datetime

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from cases import events, workflow
from cases.clock import calendar, marks, reminders
from cases.models import CaseEvent, CaseStatus, EmailSent, EscalationProposal, ProposalKind
from tests import factories
from tests.cases.served import DEADLINE, SERVED, served_case

S = CaseStatus
D = datetime.date


def _run_day(day: D) -> dict:
    """One day of beat: the overdue marks, then part 2 of the clock, each run twice (idempotent)."""
    with freeze_time(f"{day.isoformat()} 09:00:00+08:00"):
        today = timezone.localdate()
        assert today == day
        result = {"overdue": marks.cases_mark_overdue(today=today), **reminders.clock_run(today=today)}
        again = {"overdue": marks.cases_mark_overdue(today=today), **reminders.clock_run(today=today)}
    assert all(v == [] for v in again.values()), again
    return result


@pytest.mark.django_db
def test_the_clock_over_the_national_day_holiday():
    """Served Fri 2025-09-26; 5 working days: Sun 09-28 (make-up), 09-29, 09-30, [10-01..10-08 holiday],
    10-09, 10-10. Reminder two working days before: Tue 09-30. Overdue from Sat 10-11 (itself a make-up
    working day), when the case is also proposed for the next naming notice."""
    case = served_case()
    factories.VendorUserFactory(vendor=case.vendor, email="it@vendor.test")
    assert calendar.add_working_days(SERVED, case.campaign.deadline_working_days) == DEADLINE == case.deadline
    assert calendar.is_working_day(D(2025, 10, 11)) and not calendar.is_working_day(D(2025, 10, 8))

    seen: dict[str, D] = {}
    day = SERVED
    while day <= D(2025, 10, 13):
        result = _run_day(day)
        for key in ("orders", "reminders", "overdue", "naming"):
            if case.pk in result[key]:
                assert key not in seen, f"{key} happened twice"
                seen[key] = day
        day += datetime.timedelta(days=1)

    print(
        f"served {SERVED} · order email {seen['orders']} · reminder {seen['reminders']} · "
        f"deadline {DEADLINE} · overdue {seen['overdue']} · naming proposed {seen['naming']}"
    )
    assert seen == {
        "orders": D(2025, 9, 26),
        "reminders": D(2025, 9, 30),
        "overdue": D(2025, 10, 11),
        "naming": D(2025, 10, 11),
    }
    case.refresh_from_db()
    assert case.status == S.OVERDUE
    assert EmailSent.objects.filter(case=case).count() == 2
    assert [m.subject.split(" / ")[1].split("]")[0] for m in mail.outbox] == ["[Order to rectify", "[Reminder"]
    reminder_event = CaseEvent.objects.get(case=case, kind=events.REMINDER_SENT)
    assert reminder_event.data == {"deadline": "2025-10-10", "on": "2025-09-30"}
    assert list(reminders.proposal_list(kind=ProposalKind.NAMING)) == [case]


@pytest.mark.django_db
def test_a_late_run_still_reminds_before_the_deadline_but_not_after():
    late, missed = served_case(), served_case()
    assert _run_day(D(2025, 10, 9))["reminders"] == [late.pk, missed.pk]
    other = served_case(served_on=D(2025, 9, 29), deadline=D(2025, 10, 10))
    type(other).objects.filter(pk=other.pk).update(deadline=D(2025, 10, 10))
    result = _run_day(D(2025, 10, 11))
    assert other.pk not in result["reminders"]
    assert result["overdue"] == [late.pk, missed.pk, other.pk]


@pytest.mark.django_db
def test_an_extension_brings_a_new_reminder(reviewer):
    case = served_case()
    assert _run_day(D(2025, 9, 30))["reminders"] == [case.pk]
    workflow.extend_deadline_case(case=case, actor=reviewer, new_deadline=D(2025, 10, 17), reason="同意延期")
    assert _run_day(D(2025, 10, 10))["reminders"] == []
    assert _run_day(D(2025, 10, 15))["reminders"] == [case.pk]
    keys = sorted(EmailSent.objects.filter(kind="reminder").values_list("key", flat=True))
    assert keys == [f"reminder:{case.pk}:2025-10-10:-", f"reminder:{case.pk}:2025-10-17:-"]


@pytest.mark.django_db
def test_named_cases_past_the_naming_deadline_are_proposed_for_removal(reviewer):
    case = served_case()
    workflow.mark_overdue_case(case=case)
    workflow.name_case(case=case, actor=reviewer, deadline=D(2025, 10, 24))
    assert _run_day(D(2025, 10, 24))["removal"] == []
    assert _run_day(D(2025, 10, 27))["removal"] == [case.pk]
    assert _run_day(D(2025, 10, 28))["removal"] == []
    proposal = EscalationProposal.objects.get(case=case, kind=ProposalKind.REMOVAL)
    assert proposal.deadline == D(2025, 10, 24)
    assert list(reminders.proposal_list(kind=ProposalKind.REMOVAL)) == [case]
    assert list(reminders.proposal_list(kind=ProposalKind.NAMING)) == []
    assert CaseEvent.objects.filter(case=case, kind=reminders.REMOVAL_PROPOSED).count() == 1


@pytest.mark.django_db
def test_a_deadline_in_an_unknown_year_is_logged_not_guessed(caplog):
    case = served_case(served_on=D(2026, 12, 28), deadline=D(2027, 1, 4))
    assert _run_day(D(2026, 12, 31))["reminders"] == []
    assert f"case {case.pk}: deadline 2027-01-04" in caplog.text


@pytest.mark.django_db
def test_no_recipient_sends_nothing_and_retries_later():
    case = served_case()
    type(case.vendor).objects.filter(pk=case.vendor_id).update(contact_email="")
    assert _run_day(D(2025, 9, 30))["reminders"] == []
    assert not EmailSent.objects.exists()
    factories.VendorUserFactory(vendor=case.vendor, email="late@vendor.test")
    assert _run_day(D(2025, 10, 9))["reminders"] == [case.pk]


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_clock_after_the_overdue_marks():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["cases-deadline-clock"]["task"] == "cases.tasks.run_deadline_clock"
    # Proposals are drawn after the hour's overdue marks.
    assert min(schedule["cases-mark-overdue"]["schedule"].minute) < min(
        schedule["cases-deadline-clock"]["schedule"].minute
    )
