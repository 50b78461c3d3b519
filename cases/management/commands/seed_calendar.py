"""Load every year chinesecalendar knows into the official calendar table (idempotent)."""

import chinese_calendar
from django.core.management.base import BaseCommand

from cases.calendar import calendar_seed


class Command(BaseCommand):
    help = "Load the official holidays and make-up working days chinesecalendar knows (idempotent)."

    def handle(self, *args, **options):
        days = [[d.isoformat(), "holiday", n] for d, n in chinese_calendar.holidays.items()]
        days += [[d.isoformat(), "workday", n] for d, n in chinese_calendar.workdays.items()]
        years = sorted({int(d[0][:4]) for d in days})
        written = calendar_seed(
            days=days,
            years=list(range(years[0], years[-1] + 1)),
            source=f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip(),
        )
        self.stdout.write(self.style.SUCCESS(f"{written} official days for {years[0]}–{years[-1]}"))
