"""The working-day clock on the Chinese official calendar (NOTICE-FORMAT.md §4).

A working day is a Monday–Friday that is not an official holiday, or a weekend day declared a
make-up working day (调休上班). Counting starts the day after ``start``. A date in a year the
calendar table does not know is an explicit error: the schedule is published each November for
the next year, and guessing would put wrong deadlines on legal documents.
"""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidInput

from .models import CalendarYear, DayKind, OfficialDay

SEED_FILE = Path(__file__).resolve().parent / "data" / "official_days.json"
MAX_WORKING_DAYS = 366

MSG_UNKNOWN_YEAR = _(
    "The official calendar for %(year)s is not known yet; an administrator must enter that year's holidays first."
)
MSG_BAD_COUNT = _("The number of working days must be between 0 and %(max)s.")


class UnknownCalendarYear(InvalidInput):
    code = "calendar_year_unknown"


class _Calendar:
    """The days of the known years, loaded once per call (a year is a few dozen rows)."""

    def __init__(self) -> None:
        self.years = set(CalendarYear.objects.values_list("year", flat=True))
        self.kinds = dict(OfficialDay.objects.filter(date__year__in=self.years).values_list("date", "kind"))

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


def is_working_day(day: datetime.date) -> bool:
    return _Calendar().is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """Return the n-th working day after ``start`` (start itself never counts)."""
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise InvalidInput(MSG_BAD_COUNT % {"max": MAX_WORKING_DAYS}, code="working_days_out_of_range")
    calendar = _Calendar()
    calendar.check(start)
    day = start
    while n > 0:
        day += datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Count working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    calendar = _Calendar()
    calendar.check(start)
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def calendar_seed(*, days: list, years: list[int], source: str) -> int:
    """Load official days and mark their years known; idempotent. Returns rows written."""
    with transaction.atomic():
        for year in years:
            CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
        for iso, kind, name in days:
            OfficialDay.objects.update_or_create(
                date=datetime.date.fromisoformat(iso), defaults={"kind": kind, "name": name}
            )
    return len(days)


def calendar_seed_from_file(path: Path = SEED_FILE) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    return calendar_seed(days=data["days"], years=data["years"], source=data["source"])
