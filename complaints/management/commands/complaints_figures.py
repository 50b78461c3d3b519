"""Rewrite (or, with --check, compare) the leads dashboard's figures from the complaints."""

from django.core.management.base import BaseCommand, CommandError

from complaints import figures


class Command(BaseCommand):
    help = "Recount the complaint figures of the leads dashboard (after a bulk load); --check only compares."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare without writing; exit 1 on a difference")

    def handle(self, *args, check, **options):
        if check:
            counted, kept = figures.recount(), figures.stored()
            if counted != kept:
                raise CommandError(
                    f"the figures differ from a recount in {len(set(counted.items()) ^ set(kept.items()))} rows"
                )
            self.stdout.write(self.style.SUCCESS(f"{len(kept)} figures match a recount"))
            return
        figures.rebuild()
        self.stdout.write(self.style.SUCCESS(f"{len(figures.stored())} figures rewritten"))
