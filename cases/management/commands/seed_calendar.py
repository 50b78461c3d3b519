"""Load the seeded years (cases/clock/data/official_days.json) through the import path; idempotent."""

from django.core.management.base import BaseCommand

from cases.clock.upkeep import calendar_seed_from_file


class Command(BaseCommand):
    help = "Load the seeded official holidays and make-up working days, with the checks an import runs (idempotent)."

    def handle(self, *args, **options):
        written = calendar_seed_from_file()
        self.stdout.write(self.style.SUCCESS(f"{written} year(s) written; the others were already as seeded"))
