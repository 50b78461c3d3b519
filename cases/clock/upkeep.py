"""The working-day calendar as a maintained data set: a year's schedule loaded, checked, corrected.

Every year comes in through ``schedule_save``, whichever door it came through: a State Council
notice pasted on the calendar page, ``manage.py calendar_import``, or the seeded data set
(``calendar_seed_from_file``, ``manage.py seed_calendar``). It runs the same checks
(``holiday_notice.check_schedule``), replaces the year's days, records a ``CalendarImport`` (who,
when, from what text, what changed) and, when the year was already in use, recounts the running
deadlines the change moves, all in one transaction.

A correction recounts the deadline of every case whose clock still runs towards a date counted in
working days (ordered: the order's deadline; named: the naming notice's): the same number of
working days from the same start, on the new schedule. A deadline a person chose (a granted
extension) stays as chosen. A correction never shortens a deadline already served: the later date
holds, and the case event says so. Each vendor whose deadline moved is told by e-mail.
"""

import calendar as month_calendar
import datetime
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin_mail import admin_addresses, bilingual_message
from accounts.errors import Forbidden
from accounts.roles import CALENDAR_EDIT, require
from accounts.scoping import sees_all
from cases import error_codes, events, workflow
from cases.clock.calendar import SEED_FILE, Calendar, UnknownCalendarYear, known_until
from cases.clock.holiday_notice import HOLIDAY, WORKDAY, Day, Notice, check_schedule, notice_parse
from cases.models import (
    CalendarAlert,
    CalendarImport,
    CalendarImportKind,
    CalendarYear,
    Case,
    CaseEvent,
    CaseStatus,
    DayKind,
    OfficialDay,
)
from cases.notifications import DEADLINE_MOVED, case_email_enqueue, site_url

logger = logging.getLogger(__name__)

# Cases whose clock runs towards a deadline counted in working days from a service date.
RUNNING = (CaseStatus.ORDERED, CaseStatus.NAMED)
CAUSE = "calendar_correction"
# The warning starts on this day of the last known year (the State Council publishes in November).
WARN_FROM = (11, 1)

REASON_MOVED = _("The official calendar was corrected: the deadline is recounted on the new schedule.")
REASON_HELD = _("The official calendar was corrected; the recount gave an earlier date, so the served deadline holds.")


@dataclass
class DeadlineMove:
    case: Case
    old: datetime.date
    computed: datetime.date
    start: datetime.date
    working_days: int

    @property
    def held(self) -> bool:
        return self.computed < self.old

    @property
    def new(self) -> datetime.date:
        return max(self.old, self.computed)


@dataclass
class Preview:
    """What saving would do: the year's days as parsed, month by month, and what they change."""

    year: int
    days: list[Day]
    notice: Notice | None = None
    is_correction: bool = False
    added: list[Day] = field(default_factory=list)
    removed: list[tuple[datetime.date, str, str]] = field(default_factory=list)
    changed: list[tuple[Day, str]] = field(default_factory=list)
    moves: list[DeadlineMove] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.is_correction and not (self.added or self.removed or self.changed)

    @property
    def holidays(self) -> list[Day]:
        return [d for d in self.days if d.kind == HOLIDAY]

    @property
    def workdays(self) -> list[Day]:
        return [d for d in self.days if d.kind == WORKDAY]

    def months(self) -> list[dict]:
        """Twelve month grids (weeks from Monday) with each day's kind, and the working days per month."""
        kinds = {d.date: d for d in self.days}
        grids = []
        for month in range(1, 13):
            weeks, working = [], 0
            for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(self.year, month):
                cells = []
                for day in week:
                    if day.month != month:
                        cells.append(None)
                        continue
                    official = kinds.get(day)
                    if official is not None:
                        kind = official.kind
                    else:
                        kind = "weekend" if day.weekday() >= 5 else "weekday"
                    works = kind in (WORKDAY, "weekday")
                    working += works
                    cells.append({"date": day, "kind": kind, "name": official.name if official else ""})
                weeks.append(cells)
            grids.append({"month": month, "weeks": weeks, "working_days": working})
        return grids

    def working_days_total(self) -> int:
        return sum(m["working_days"] for m in self.months())


def _current_days(year: int, dates: set[datetime.date]) -> dict[datetime.date, OfficialDay]:
    """The saved days a new schedule for ``year`` replaces: its own, and any other it names."""
    rows = OfficialDay.objects.filter(schedule_year=year) | OfficialDay.objects.filter(date__in=dates)
    return {row.date: row for row in rows}


def _origin(case: Case) -> tuple[datetime.date, int | None] | None:
    """Where the case's deadline was counted from: (start, working days, or None to count now),
    or None when a person chose the date (an extension)."""
    event = (
        CaseEvent.objects.filter(case=case)
        .filter(
            kind__in=[events.DEADLINE_SET, events.TRANSITION],
        )
        .order_by("-created_at", "-id")
    )
    for row in event:
        if row.kind == events.DEADLINE_SET:
            if row.data.get("cause") == CAUSE:
                return datetime.date.fromisoformat(row.data["start"]), int(row.data["working_days"])
            return None  # an extension: a date a person chose
        if row.to_status == CaseStatus.ORDERED and row.data.get("served_on"):
            return datetime.date.fromisoformat(row.data["served_on"]), None
        if row.to_status == CaseStatus.NAMED and row.data.get("deadline"):
            return timezone.localdate(row.created_at), None
    if case.status == CaseStatus.ORDERED and case.served_on:
        return case.served_on, None
    return None


def _moves(*, old: Calendar, new: Calendar, changed: set[datetime.date]) -> list[DeadlineMove]:
    if not changed:
        return []
    moves = []
    running = (
        Case.objects.filter(status__in=RUNNING, deadline__isnull=False, deadline__gte=min(changed))
        .select_related("vendor", "product")
        .order_by("id")
    )
    for case in running:
        origin = _origin(case)
        if origin is None:
            continue
        start, n = origin
        try:
            if n is None:
                n = old.working_days_between(start, case.deadline)
            computed = new.add_working_days(start, n)
        except UnknownCalendarYear:
            continue  # counted into a year still unknown: it stays as it is
        if computed != case.deadline:
            moves.append(DeadlineMove(case=case, old=case.deadline, computed=computed, start=start, working_days=n))
    return moves


def schedule_preview(*, year: int, days: list[Day], notice: Notice | None = None) -> Preview:
    """Check a year's schedule and say what saving it would change; writes nothing."""
    check_schedule(year=year, days=days, first_line=notice.title if notice else str(year))
    preview = Preview(year=year, days=days, notice=notice)
    known_years = set(CalendarYear.objects.values_list("year", flat=True))
    preview.is_correction = year in known_years
    new_by_date = {d.date: d for d in days}
    current = _current_days(year, set(new_by_date))
    for date, day in sorted(new_by_date.items()):
        row = current.get(date)
        if row is None:
            preview.added.append(day)
        elif row.kind != day.kind:
            preview.changed.append((day, row.kind))
    for date, row in sorted(current.items()):
        if date not in new_by_date:
            preview.removed.append((date, row.kind, row.name))
    if preview.is_correction:
        changed_dates = {d.date for d in preview.added} | {d.date for d, _ in preview.changed}
        changed_dates |= {date for date, _, _ in preview.removed}
        old = Calendar()
        kinds = {d: k for d, k in old.kinds.items() if d not in current}
        kinds.update({d.date: d.kind for d in days})
        preview.moves = _moves(old=old, new=Calendar(years=old.years | {year}, kinds=kinds), changed=changed_dates)
    return preview


def notice_preview(*, text: str, year: int | None = None) -> Preview:
    """Parse a pasted notice and preview it (``NoticeInvalid`` quotes the sentence at fault)."""
    notice = notice_parse(text, year=year)
    return schedule_preview(year=notice.year, days=notice.days, notice=notice)


MSG_CALENDAR_NATIONAL_ONLY = _(
    "The working-day calendar is the State Council's, one for every authority: only the ministry's "
    "administrators change it."
)


def _require(actor) -> None:
    """``actor`` None is the system (the seed); a person needs the calendar permission and, since one
    calendar moves every authority's deadlines, a national authority (ARCHITECTURE.md §15)."""
    if actor is not None:
        require(actor, CALENDAR_EDIT)
        if not sees_all(actor):
            raise Forbidden(MSG_CALENDAR_NATIONAL_ONLY, code=error_codes.CALENDAR_NATIONAL_ONLY)


def schedule_save(
    *,
    actor,
    year: int,
    days: list[Day],
    kind: str,
    notice: Notice | None = None,
    text: str = "",
    source: str = "",
) -> CalendarImport | None:
    """Replace ``year``'s days with ``days`` and recount the deadlines that moves, in one transaction.

    ``actor`` None is the system (the seed). Saving the same schedule again writes nothing and
    returns None.
    """
    _require(actor)
    with transaction.atomic():
        # One calendar change at a time: the year row (or the table, for a new year) is locked.
        list(CalendarYear.objects.select_for_update().filter(year=year))
        preview = schedule_preview(year=year, days=days, notice=notice)
        if preview.unchanged:
            return None
        record = CalendarImport.objects.create(
            year=year,
            kind=kind,
            title=(notice.title if notice else source)[:300],
            doc_number=notice.doc_number if notice else "",
            published_on=notice.published_on if notice else None,
            text=text,
            days=[[d.date.isoformat(), d.kind, d.name] for d in days],
            changes={
                "correction": preview.is_correction,
                "added": [d.date.isoformat() for d in preview.added],
                "removed": [date.isoformat() for date, _, _ in preview.removed],
                "changed": [d.date.isoformat() for d, _ in preview.changed],
                "deadlines": [
                    {"case": m.case.number, "from": m.old.isoformat(), "to": m.new.isoformat(), "held": m.held}
                    for m in preview.moves
                ],
            },
            imported_by=actor,
        )
        replaced = _current_days(year, {d.date for d in days})
        OfficialDay.objects.filter(pk__in=[row.pk for row in replaced.values()]).delete()
        OfficialDay.objects.bulk_create(
            [OfficialDay(date=d.date, kind=d.kind, name=d.name[:100], schedule_year=year) for d in days]
        )
        label = (notice.title if notice else source) or str(year)
        CalendarYear.objects.update_or_create(year=year, defaults={"source": label[:200], "current_import": record})
        for move in preview.moves:
            _recount(move=move, actor=actor, record=record)
    logger.info(
        "calendar %s loaded (%s, import %s): %d days, %d deadline(s) recounted",
        year,
        kind,
        record.pk,
        len(days),
        len(preview.moves),
    )
    return record


def _recount(*, move: DeadlineMove, actor, record: CalendarImport) -> None:
    data = {
        "cause": CAUSE,
        "from": move.old.isoformat(),
        "to": move.new.isoformat(),
        "computed": move.computed.isoformat(),
        "held": move.held,
        "start": move.start.isoformat(),
        "working_days": move.working_days,
        "calendar_import": record.pk,
        "year": record.year,
    }
    reason = str(REASON_HELD if move.held else REASON_MOVED)
    case = workflow.recount_deadline_case(case=move.case, actor=actor, new_deadline=move.new, reason=reason, data=data)
    if not move.held and case.status in RUNNING:
        case_email_enqueue(kind=DEADLINE_MOVED, case=case)


def notice_import(*, actor, text: str, year: int | None = None) -> CalendarImport | None:
    """Parse a pasted notice and save its schedule (the page's Save and ``manage.py calendar_import``)."""
    _require(actor)
    notice = notice_parse(text, year=year)
    return schedule_save(
        actor=actor, year=notice.year, days=notice.days, kind=CalendarImportKind.NOTICE, notice=notice, text=text
    )


def calendar_seed(*, days: list, source: str) -> int:
    """Load the seeded days, year by year, through ``schedule_save``; idempotent. Returns years written."""
    by_year: dict[int, list[Day]] = {}
    for iso, kind, name in days:
        date = datetime.date.fromisoformat(iso)
        by_year.setdefault(date.year, []).append(Day(date, kind, name))
    written = 0
    for year, year_days in sorted(by_year.items()):
        saved = schedule_save(actor=None, year=year, days=year_days, kind=CalendarImportKind.SEED, source=source)
        written += saved is not None
    return written


def calendar_seed_from_file(path: Path = SEED_FILE) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    return calendar_seed(days=data["days"], source=data["source"])


@dataclass(frozen=True)
class CalendarWarning:
    known_until: datetime.date | None
    next_year: int
    expired: bool  # today is already past the last known day


def calendar_warning(*, today: datetime.date) -> CalendarWarning | None:
    """The cliff warning: from 1 November while next year is unknown (or once today's year is)."""
    until = known_until(today=today)
    if until is None:
        return CalendarWarning(known_until=None, next_year=today.year, expired=True)
    if today < datetime.date(until.year, *WARN_FROM):
        return None
    return CalendarWarning(known_until=until, next_year=until.year + 1, expired=today > until)


def calendar_status(*, today: datetime.date) -> dict:
    """Known years (as ranges), the last day covered, and the warning if there is one."""
    years = sorted(CalendarYear.objects.values_list("year", flat=True))
    ranges: list[list[int]] = []
    for year in years:
        if ranges and ranges[-1][1] == year - 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    counts = Counter(OfficialDay.objects.values_list("kind", flat=True))
    return {
        "years": years,
        "ranges": ranges,
        "known_until": known_until(today=today, years=years),
        "last_day": datetime.date(years[-1], 12, 31) if years else None,
        "holidays": counts.get(DayKind.HOLIDAY, 0),
        "workdays": counts.get(DayKind.MAKEUP_WORKDAY, 0),
        "warning": calendar_warning(today=today),
    }


def calendar_alert_admins(*, today: datetime.date) -> bool:
    """E-mail the administrators while the warning stands, once a day (the clock may run often)."""
    warning = calendar_warning(today=today)
    if warning is None:
        return False
    recipients = admin_addresses()
    if not recipients:
        logger.warning("the calendar ends %s and no administrator has an e-mail address", warning.known_until)
        return False
    message = bilingual_message(
        "calendar_warning", {"warning": warning, "calendar_url": site_url("calendar")}, to=recipients
    )
    try:
        with transaction.atomic():
            CalendarAlert.objects.create(
                sent_on=today, known_until=warning.known_until, recipients=", ".join(recipients)
            )
            # Inside the transaction: a send that fails rolls the day back, so the next run sends.
            message.send()
    except IntegrityError:
        return False
    return True
