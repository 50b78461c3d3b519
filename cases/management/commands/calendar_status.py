"""Print the years the official calendar knows and the last day it covers."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from cases.clock.upkeep import calendar_status


class Command(BaseCommand):
    help = "Print the known years of the working-day calendar, the last day it covers, and any warning."

    def handle(self, *args, **options):
        today = timezone.localdate()
        status = calendar_status(today=today)
        ranges = ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in status["ranges"]) or "none"
        self.stdout.write(f"known years: {ranges}")
        self.stdout.write(f"official days: {status['holidays']} holidays, {status['workdays']} make-up working days")
        last = status["last_day"]
        self.stdout.write(f"last day covered: {last.isoformat() if last else 'none'}")
        until = status["known_until"]
        self.stdout.write(f"known without a gap from {today.year} until: {until.isoformat() if until else 'none'}")
        warning = status["warning"]
        if warning:
            state = "has run out" if warning.expired else "runs out soon"
            self.stdout.write(
                self.style.WARNING(
                    f"warning: the calendar {state}; import the State Council's {warning.next_year} holiday notice "
                    f"(manage.py calendar_import FILE, or the working-day calendar page)"
                )
            )
