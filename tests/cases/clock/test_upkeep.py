"""The calendar as a maintained data set: imports are checked, recorded and audited; a correction
recounts running deadlines visibly; the seeded years pass the same checks; the cliff is announced."""

import datetime
import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from freezegun import freeze_time

from accounts.errors import Forbidden
from cases import events, workflow
from cases.clock import upkeep
from cases.clock.calendar import add_working_days, known_until
from cases.clock.holiday_notice import Day, NoticeInvalid
from cases.clock.upkeep import calendar_warning, notice_import, notice_preview
from cases.models import CalendarAlert, CalendarImport, CalendarYear, CaseEvent, CaseStatus, OfficialDay
from tests import factories
from tests.audit import assert_append_only
from tests.cases.served import served_case

pytestmark = pytest.mark.django_db

D = datetime.date
FIXTURES = Path(__file__).parent / "fixtures" / "holiday_notices"

# A 2027 schedule made up for these tests (not the State Council's), in the notices' own wording.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
国办发明电〔2026〕99号

一、元旦：1月1日（周五）至3日（周日）放假，共3天。

二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月13日（周六）上班。

国务院办公厅
2026年11月20日
"""
# Its correction: New Year's Day runs to Monday 4 January, made up on Saturday 9 January.
CORRECTED_2027 = NOTICE_2027.replace(
    "1月1日（周五）至3日（周日）放假，共3天。", "1月1日（周五）至4日（周一）放假调休，共4天。1月9日（周六）上班。"
)


@pytest.fixture
def admin(db):
    return factories.UserFactory(role="admin", username="calendar-admin", email="admin@miit.example")


def test_import_records_its_source_who_and_what(admin):
    record = notice_import(actor=admin, text=NOTICE_2027)
    assert (record.year, record.kind, record.imported_by) == (2027, "notice", admin)
    assert (record.title, record.doc_number) == ("国务院办公厅关于2027年部分节假日安排的通知", "国办发明电〔2026〕99号")
    assert record.published_on == D(2026, 11, 20)
    assert record.text == NOTICE_2027
    assert record.changes["correction"] is False
    assert CalendarYear.objects.get(year=2027).current_import == record
    days = dict(OfficialDay.objects.filter(schedule_year=2027).values_list("date", "kind"))
    assert days[D(2027, 1, 1)] == "holiday" and days[D(2027, 2, 13)] == "workday" and len(days) == 11
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_the_same_notice_twice_changes_nothing(admin):
    notice_import(actor=admin, text=NOTICE_2027)
    assert notice_import(actor=admin, text=NOTICE_2027) is None
    assert CalendarImport.objects.filter(year=2027).count() == 1


def test_only_an_administrator_imports(reviewer):
    with pytest.raises(Forbidden):
        notice_import(actor=reviewer, text=NOTICE_2027)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_only_a_national_administrator_imports_the_national_calendar(admin):
    """One State Council calendar moves every authority's deadlines: a provincial administrator may
    read it but not change it (issue 17)."""
    from accounts.models import Authority

    beijing_admin = factories.UserFactory(role="admin", authority=Authority.objects.get(code="110000"))
    with pytest.raises(Forbidden) as refused:
        notice_import(actor=beijing_admin, text=NOTICE_2027)
    assert refused.value.code == "calendar_national_only"
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert notice_import(actor=admin, text=NOTICE_2027) is not None  # the ministry's administrator


def test_a_refused_notice_saves_nothing(admin):
    with pytest.raises(NoticeInvalid):
        notice_import(actor=admin, text=NOTICE_2027.replace("共7天", "共6天"))
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not OfficialDay.objects.filter(date__year=2027).exists()
    assert not CalendarImport.objects.filter(year=2027).exists()


def test_preview_writes_nothing_and_counts_working_days_per_month(admin):
    preview = notice_preview(text=NOTICE_2027)
    assert not CalendarYear.objects.filter(year=2027).exists()
    months = preview.months()
    # January 2027: 21 weekdays, minus New Year's Day (Friday 1st) = 20.
    assert months[0]["working_days"] == 20
    # February: 20 weekdays, minus 5, 8, 9, 10, 11 Feb, plus Saturday the 13th = 16.
    assert months[1]["working_days"] == 16
    assert preview.working_days_total() == sum(m["working_days"] for m in months)
    first_week = months[0]["weeks"][0]
    assert first_week[:4] == [None, None, None, None]  # 1 January 2027 is a Friday
    assert first_week[4]["kind"] == "holiday" and first_week[4]["name"] == "元旦"


def test_the_seeded_years_carry_their_source_and_pass_the_checks():
    years = list(CalendarYear.objects.order_by("year"))
    assert [y.year for y in years] == list(range(2004, 2027))
    assert all(y.current_import and y.current_import.kind == "seed" for y in years)
    # The seed loader runs the import's path and checks: loading it again finds every year as it is.
    assert upkeep.calendar_seed_from_file() == 0
    assert OfficialDay.objects.count() == 771


def test_the_seed_loader_refuses_what_a_notice_would_be_refused_for():
    with pytest.raises(NoticeInvalid) as info:
        upkeep.calendar_seed(days=[["2030-01-01", "holiday", "元旦"], ["2030-01-07", "workday", "x"]], source="t")
    assert info.value.code == "calendar_workday_not_weekend"
    assert not CalendarYear.objects.filter(year=2030).exists()


def _served_2026_12_21():
    """A case served on Monday 21 December 2026 with 10 working days: 5 January 2027 on NOTICE_2027."""
    deadline = add_working_days(D(2026, 12, 21), 10)
    assert deadline == D(2027, 1, 5)
    return served_case(served_on=D(2026, 12, 21), deadline=deadline)


def test_a_correction_moves_running_deadlines_visibly(admin, django_capture_on_commit_callbacks):
    notice_import(actor=admin, text=NOTICE_2027)
    case = _served_2026_12_21()
    case.vendor.contact_email = "pi@vendor.example"
    case.vendor.save()
    extended = _served_2026_12_21()
    workflow.extend_deadline_case(case=extended, actor=admin, new_deadline=D(2027, 1, 8), reason="延期")
    overdue = _served_2026_12_21()
    type(overdue).objects.filter(pk=overdue.pk).update(status=CaseStatus.OVERDUE)

    preview = notice_preview(text=CORRECTED_2027)
    assert preview.is_correction
    assert [d.date for d in preview.added] == [D(2027, 1, 4), D(2027, 1, 9)]
    assert [(m.case, m.old, m.new) for m in preview.moves] == [(case, D(2027, 1, 5), D(2027, 1, 6))]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record = notice_import(actor=admin, text=CORRECTED_2027)
    case.refresh_from_db()
    assert case.deadline == D(2027, 1, 6)  # 4 January is now a holiday: one working day later
    event = CaseEvent.objects.filter(case=case, kind=events.DEADLINE_SET).latest("id")
    assert event.actor == admin
    assert event.data == {
        "cause": "calendar_correction",
        "from": "2027-01-05",
        "to": "2027-01-06",
        "computed": "2027-01-06",
        "held": False,
        "start": "2026-12-21",
        "working_days": 10,
        "calendar_import": record.pk,
        "year": 2027,
    }
    assert record.changes["correction"] is True
    assert record.changes["deadlines"] == [
        {"case": case.number, "from": "2027-01-05", "to": "2027-01-06", "held": False}
    ]
    # A deadline a person chose, and a case whose clock has run out, stay as they were.
    extended.refresh_from_db()
    overdue.refresh_from_db()
    assert (extended.deadline, overdue.deadline) == (D(2027, 1, 8), D(2027, 1, 5))
    # The vendor is told, once.
    moved = [m for m in mail.outbox if case.number in m.subject]
    assert len(moved) == 1 and "2027-01-06" in moved[0].subject and "pi@vendor.example" in moved[0].to


def test_a_correction_never_shortens_a_served_deadline(admin, django_capture_on_commit_callbacks):
    notice_import(actor=admin, text=CORRECTED_2027)  # 4 January a holiday from the start
    case = served_case(served_on=D(2026, 12, 21), deadline=add_working_days(D(2026, 12, 21), 10))
    assert case.deadline == D(2027, 1, 6)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice_import(actor=admin, text=NOTICE_2027)  # back to a working 4 January: would be the 5th
    case.refresh_from_db()
    assert case.deadline == D(2027, 1, 6)  # the later date holds
    event = CaseEvent.objects.filter(case=case, kind=events.DEADLINE_SET).latest("id")
    assert event.data["held"] is True and event.data["computed"] == "2027-01-05" and event.data["to"] == "2027-01-06"
    assert event.reason == str(upkeep.REASON_HELD)
    assert not [m for m in mail.outbox if case.number in m.subject]  # nothing moved: no e-mail


def test_a_second_correction_counts_from_the_same_start_and_number(admin):
    notice_import(actor=admin, text=NOTICE_2027)
    case = _served_2026_12_21()
    notice_import(actor=admin, text=CORRECTED_2027)
    twice = CORRECTED_2027.replace("1月9日（周六）上班。", "1月9日（周六）上班。1月5日至5日放假。")
    twice = twice.replace(
        "1月1日（周五）至4日（周一）放假调休，共4天。", "1月1日（周五）至5日（周二）放假调休，共5天。"
    )
    twice = twice.replace("1月5日至5日放假。", "")
    notice_import(actor=admin, text=twice)
    case.refresh_from_db()
    assert case.deadline == D(2027, 1, 7)  # 10 working days from 21 December on the latest schedule
    froms = list(CaseEvent.objects.filter(case=case, kind=events.DEADLINE_SET).values_list("data__from", "data__to"))
    assert froms == [("2027-01-05", "2027-01-06"), ("2027-01-06", "2027-01-07")]


def test_a_named_case_deadline_is_recounted_from_its_naming(admin):
    notice_import(actor=admin, text=NOTICE_2027)
    case = _served_2026_12_21()
    workflow.mark_overdue_case(case=case, actor=None, reason="t")
    named_deadline = add_working_days(D(2026, 12, 22), 9)  # named on 22 December: 5 January again
    with freeze_time("2026-12-22 10:00:00+08:00"):
        case = workflow.name_case(case=case, actor=admin, deadline=named_deadline, reason="第1批")
    notice_import(actor=admin, text=CORRECTED_2027)
    case.refresh_from_db()
    assert case.deadline == D(2027, 1, 6)


# The warning before the cliff


@pytest.mark.parametrize(
    ("today", "warned", "expired", "next_year"),
    [
        (D(2026, 10, 31), False, False, None),
        (D(2026, 11, 1), True, False, 2027),
        (D(2026, 12, 31), True, False, 2027),
        (D(2027, 1, 4), True, True, 2027),  # the clock ran on past the last known day
        (D(2027, 3, 1), True, True, 2027),
    ],
)
def test_the_warning_starts_on_1_november_while_next_year_is_unknown(today, warned, expired, next_year):
    warning = calendar_warning(today=today)
    assert (warning is not None) == warned
    if warning:
        assert warning.known_until == D(2026, 12, 31)
        assert (warning.expired, warning.next_year) == (expired, next_year)


def test_importing_next_year_ends_the_warning_until_its_own_november(admin):
    notice_import(actor=admin, text=NOTICE_2027)
    assert calendar_warning(today=D(2026, 12, 6)) is None
    assert known_until(today=D(2026, 12, 6)) == D(2027, 12, 31)
    assert calendar_warning(today=D(2027, 10, 31)) is None
    assert calendar_warning(today=D(2027, 11, 1)).next_year == 2028


def test_administrators_are_emailed_once_a_day(admin):
    factories.UserFactory(role="reviewer", email="reviewer@miit.example")
    mail.outbox.clear()
    assert upkeep.calendar_alert_admins(today=D(2026, 12, 6)) is True
    assert upkeep.calendar_alert_admins(today=D(2026, 12, 6)) is False  # the clock ran again
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@miit.example"]
    assert "2026-12-31" in message.subject and "2027" in message.subject
    assert "/calendar/" in message.body and "国务院办公厅关于2027年部分节假日安排的通知" in message.body
    assert upkeep.calendar_alert_admins(today=D(2026, 12, 7)) is True
    assert CalendarAlert.objects.count() == 2
    assert upkeep.calendar_alert_admins(today=D(2026, 10, 1)) is False  # no warning yet


def test_the_daily_warning_is_on_the_beat_schedule():
    from django.conf import settings

    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["cases-calendar-warning"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


# Commands


def test_calendar_import_command_from_a_file_and_dry_run(admin, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("calendar_import", str(path), "--dry-run", stdout=out)
    assert "holidays (10): 2027-01-01" in out.getvalue() and "dry run" in out.getvalue()
    assert not CalendarYear.objects.filter(year=2027).exists()
    call_command("calendar_import", str(path), "--user", admin.username, stdout=io.StringIO())
    assert CalendarImport.objects.get(year=2027).imported_by == admin


def test_calendar_import_command_from_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(NOTICE_2027))
    out = io.StringIO()
    call_command("calendar_import", "-", stdout=out)
    assert "2027 saved" in out.getvalue()
    assert CalendarImport.objects.get(year=2027).imported_by is None  # the system


def test_calendar_import_command_quotes_a_refusal(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(NOTICE_2027.replace("（周五）至3日", "（周六）至3日"), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("calendar_import", str(path))
    assert "calendar_weekday_mismatch" in str(info.value) and "一、元旦：1月1日（周六）至3日（周日）" in str(info.value)


def test_calendar_status_command(admin):
    out = io.StringIO()
    call_command("calendar_status", stdout=out)
    text = out.getvalue()
    assert "known years: 2004–2026" in text and "last day covered: 2026-12-31" in text
    notice_import(actor=admin, text=NOTICE_2027)
    out = io.StringIO()
    call_command("calendar_status", stdout=out)
    assert "known years: 2004–2027" in out.getvalue() and "2027-12-31" in out.getvalue()


def test_days_of_the_december_before_belong_to_the_notice_that_gave_them(admin):
    """The 2019 notice gives 29–31 December 2018: re-importing 2018 does not take them away."""
    text = (FIXTURES / "2019.txt").read_text(encoding="utf-8")
    notice_import(actor=admin, text=text)
    assert OfficialDay.objects.get(date=D(2018, 12, 29)).schedule_year == 2019
    days = [Day(d.date, d.kind, d.name) for d in OfficialDay.objects.filter(schedule_year=2018)]
    upkeep.schedule_save(actor=admin, year=2018, days=days, kind="seed", source="again")
    assert OfficialDay.objects.get(date=D(2018, 12, 29)).kind == "workday"


def test_calendar_imports_are_append_only_in_postgresql(require_postgresql, admin):
    record = notice_import(actor=admin, text=NOTICE_2027)
    notice_import(actor=admin, text=CORRECTED_2027)  # the first import is history now, not current
    assert_append_only(CalendarImport, record.pk, title="rewritten")
    # A row written back unchanged (how Django restores migration data for transactional tests)
    # passes; the seed rows carry whole seconds so that their serialized copy is exact.
    seed = CalendarImport.objects.filter(kind="seed").first()
    assert seed.imported_at.microsecond == 0
    seed.save()
