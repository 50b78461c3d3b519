"""Import a year's State Council holiday notice from a file or standard input (as the page does)."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from cases.clock import upkeep


class Command(BaseCommand):
    help = (
        "Parse a State Council holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知), print what it gives and "
        "what it changes, then save it (holidays, make-up working days; running deadlines recounted)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the notice's text (UTF-8), or - for standard input")
        parser.add_argument("--year", type=int, help="the year (default: read from the notice's title)")
        parser.add_argument("--dry-run", action="store_true", help="print the preview and save nothing")
        parser.add_argument("--user", help="the administrator recorded as importing it (default: the system)")

    def handle(self, *args, file, year, dry_run, user, **options):
        text = self._read(file)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user!r}")
        try:
            preview = upkeep.notice_preview(text=text, year=year)
            self._print(preview)
            if dry_run:
                self.stdout.write("dry run: nothing saved")
                return
            record = upkeep.notice_import(actor=actor, text=text, year=year)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        if record is None:
            self.stdout.write(self.style.SUCCESS(f"{preview.year}: unchanged, nothing saved"))
        else:
            self.stdout.write(self.style.SUCCESS(f"{record.year} saved (import {record.pk})"))

    def _read(self, file: str) -> str:
        try:
            if file == "-":
                return sys.stdin.read()
            with open(file, encoding="utf-8-sig") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None

    def _print(self, preview) -> None:
        notice = preview.notice
        self.stdout.write(f"year {preview.year}: {notice.title or '(no title)'} {notice.doc_number}".rstrip())
        if notice.published_on:
            self.stdout.write(f"published {notice.published_on.isoformat()}")
        for label, days in (("holidays", preview.holidays), ("make-up working days", preview.workdays)):
            self.stdout.write(f"{label} ({len(days)}): " + ", ".join(d.date.isoformat() for d in days))
        months = preview.months()
        per_month = " ".join(f"{m['month']}:{m['working_days']}" for m in months)
        self.stdout.write(f"working days per month: {per_month} (total {sum(m['working_days'] for m in months)})")
        if preview.is_correction:
            self.stdout.write(
                f"correction of a year in use: {len(preview.added)} added, {len(preview.removed)} removed, "
                f"{len(preview.changed)} changed"
            )
            for move in preview.moves:
                held = " (held: a served deadline is never shortened)" if move.held else ""
                self.stdout.write(
                    f"  {move.case.number}: {move.old.isoformat()} -> {move.new.isoformat()}"
                    f" (recounted {move.computed.isoformat()}){held}"
                )
