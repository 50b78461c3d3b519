"""Recount the dashboard's figures from the cases (after a bulk load such as seed_scale, or to repair)."""

import time

from django.core.management.base import BaseCommand

from cases.dashboard.figures import rebuild, recount, stored


class Command(BaseCommand):
    help = (
        "Recount the dashboard's maintained figures from scratch (ARCHITECTURE.md §11); "
        "--check compares them with the stored ones and exits 1 if they differ, writing nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only, write nothing")

    def handle(self, *args, check=False, **options):
        started = time.monotonic()
        if check:
            expected, found = recount(), stored()
            if expected != found:
                wrong = sum(len(set(a.items()) ^ set(b.items())) for a, b in zip(expected, found, strict=True))
                self.stderr.write(f"the dashboard's figures differ from a recount ({wrong} rows)")
                raise SystemExit(1)
            self.stdout.write(f"the dashboard's figures agree with a recount ({time.monotonic() - started:.1f} s)")
            return
        figures, days = rebuild()
        self.stdout.write(
            f"dashboard figures rebuilt: {figures} figures, {days} deadline days ({time.monotonic() - started:.1f} s)"
        )
