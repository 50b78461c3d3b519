"""The working-day clock on the Chinese official calendar (NOTICE-FORMAT.md §4).

A working day is a Monday–Friday that is not an official holiday, or a weekend day declared a
make-up working day (调休上班). Counting starts the day after ``start``. A date in a year the
calendar table does not know is an explicit error: the schedule is published each November for
the next year, and guessing would put wrong deadlines on legal documents.
"""

import bisect
import contextlib
import datetime
from pathlib import Path

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from accounts.backends import forget, shared_cache
from accounts.errors import InvalidInput
from cases import error_codes
from cases.models import CalendarYear, DayKind, OfficialDay

SEED_FILE = Path(__file__).resolve().parent / "data" / "official_days.json"
MAX_WORKING_DAYS = 366

MSG_UNKNOWN_YEAR = _(
    "The official calendar for %(year)s is not known yet, so no deadline can be counted into it. An administrator "
    "must first import the State Council's holiday notice for %(year)s on the working-day calendar page."
)
MSG_BAD_COUNT = _("The number of working days must be between 0 and %(max)s.")


class UnknownCalendarYear(InvalidInput):
    code = error_codes.CALENDAR_YEAR_UNKNOWN


class Calendar:
    """The official days of the known years, loaded once (a year is a few dozen rows).

    ``Calendar()`` reads the table; ``Calendar(years=..., kinds=...)`` counts on a schedule that is
    not saved yet (the preview of an import, and the deadlines a correction would move).
    """

    def __init__(self, *, years=None, kinds=None) -> None:
        if years is None:
            years = set(CalendarYear.objects.values_list("year", flat=True))
        self.years = set(years)
        if kinds is None:
            kinds = dict(OfficialDay.objects.filter(date__year__in=self.years).values_list("date", "kind"))
        self.kinds = dict(kinds)
        self._changes = None

    def check(self, day: datetime.date) -> None:
        if day.year not in self.years:
            raise UnknownCalendarYear(MSG_UNKNOWN_YEAR % {"year": day.year}, year=day.year)

    def is_working_day(self, day: datetime.date) -> bool:
        self.check(day)
        kind = self.kinds.get(day)
        if kind == DayKind.MAKEUP_WORKDAY:
            return True
        if kind == DayKind.HOLIDAY:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, n: int) -> datetime.date:
        """Return the n-th working day after ``start`` (start itself never counts)."""
        if not 0 <= n <= MAX_WORKING_DAYS:
            raise InvalidInput(MSG_BAD_COUNT % {"max": MAX_WORKING_DAYS}, code=error_codes.WORKING_DAYS_OUT_OF_RANGE)
        self.check(start)
        day = start
        while n > 0:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Count working days in (start, end]; negative when end is before start.

        Without walking the days (a list of overdue cases counts years of them, issue 14): the
        Monday–Fridays of the span, plus the make-up working days on a weekend, less the holidays
        on a weekday, both found by bisection. Each year of the span must be known, as when the days
        were walked (the first unknown one is the error)."""
        if end < start:
            return -self.working_days_between(end, start)
        for year in range(start.year, end.year + 1):
            self.check(datetime.date(year, 1, 1))
        weeks, rest = divmod((end - start).days, 7)
        weekday = start.weekday()
        count = weeks * 5 + sum(1 for i in range(1, rest + 1) if (weekday + i) % 7 < 5)
        dates, running = self._exceptions()
        return count + running[bisect.bisect_right(dates, end)] - running[bisect.bisect_right(dates, start)]

    def _exceptions(self) -> tuple[list[datetime.date], list[int]]:
        """The official days that change a Monday–Friday count, in order, with the running sum of
        their changes (+1 a make-up working day on a weekend, -1 a holiday on a weekday)."""
        if self._changes is None:
            dates, running = [], [0]
            for day in sorted(self.kinds):
                weekday = day.weekday() < 5
                kind = self.kinds[day]
                change = (kind == DayKind.MAKEUP_WORKDAY and not weekday) - (kind == DayKind.HOLIDAY and weekday)
                if change:
                    dates.append(day)
                    running.append(running[-1] + change)
            self._changes = dates, running
        return self._changes


def is_working_day(day: datetime.date) -> bool:
    return Calendar().is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """Return the n-th working day after ``start`` (start itself never counts)."""
    return Calendar().add_working_days(start, n)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Count working days in (start, end]; negative when end is before start."""
    return Calendar().working_days_between(start, end)


KNOWN_YEARS_KEY = "cases:calendar:years"
KNOWN_YEARS_TTL = 3600  # a backstop: saving or deleting a year drops the entry


def known_years() -> frozenset[int]:
    """The years the calendar holds. Every regulator page asks (the upkeep banner, issue 14): with a
    shared cache (``CACHE_URL``) they are kept there and dropped whenever a year is saved or deleted
    (``forget_known_years``); without one, read each time."""
    if not shared_cache():
        return frozenset(CalendarYear.objects.values_list("year", flat=True))
    with contextlib.suppress(Exception):
        years = cache.get(KNOWN_YEARS_KEY)
        if years is not None:
            return years
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    with contextlib.suppress(Exception):
        cache.set(KNOWN_YEARS_KEY, years, KNOWN_YEARS_TTL)
    return years


def forget_known_years(sender, **kwargs) -> None:
    """A calendar year was saved or deleted (connected in ``CasesConfig``)."""
    forget(KNOWN_YEARS_KEY)


def known_until(*, today: datetime.date, years=None) -> datetime.date | None:
    """The last day the calendar covers without a gap from ``today``'s year on.

    When today's own year is unknown (the clock ran on past the last known year), the end of
    the last known year before it, which lies in the past; None when no year is known at all.
    """
    years = set(known_years() if years is None else years)
    if today.year not in years:
        before = [y for y in years if y < today.year]
        return datetime.date(max(before), 12, 31) if before else None
    year = today.year
    while year + 1 in years:
        year += 1
    return datetime.date(year, 12, 31)
