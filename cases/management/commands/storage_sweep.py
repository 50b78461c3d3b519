"""manage.py storage_sweep [--dry-run] [--grace SECONDS]: remove stored files no row points to."""

from django.core.management.base import BaseCommand

from config import storage


class Command(BaseCommand):
    help = (
        "Remove files under MEDIA_ROOT that no row points to (any model's FileField) and that are older "
        "than the grace period (STORAGE_SWEEP_GRACE_SECONDS); list them. Referenced files are never removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; remove nothing.")
        parser.add_argument("--grace", type=int, default=None, help="Grace period in seconds (default: the setting).")

    def handle(self, *args, dry_run=False, grace=None, **options):
        report = storage.storage_sweep(dry_run=dry_run, grace_seconds=grace)
        verb = "would remove" if dry_run else "removed"
        for name in report.removed:
            self.stdout.write(f"{verb} {name}")
        for name in report.placed:
            self.stdout.write(f"{'would move' if dry_run else 'moved'} into place {name}")
        self.stdout.write(
            f"{report.root}: {report.scanned} file(s) scanned, {report.referenced} referenced, "
            f"{report.young} younger than {report.grace_seconds} s, {len(report.removed)} {verb} "
            f"({report.removed_bytes} bytes), {len(report.placed)} moved into place" + (" (dry run)" if dry_run else "")
        )
