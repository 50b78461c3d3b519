"""Import a complaint platform's export (CSV or XLSX) as the import page does (docs/COMPLAINTS.md §2)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from complaints.importing.mappings import MAPPINGS
from complaints.importing.service import complaint_import


class Command(BaseCommand):
    help = (
        "Import a complaint export (黑猫投诉, 12321, or Rectify's own columns) as it is; print the rows imported, "
        "already known and refused, with each refused row's reason. Running it again imports nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the export (CSV in UTF-8 or GB18030, or XLSX)")
        parser.add_argument(
            "--mapping", choices=sorted(MAPPINGS), help="the column mapping (default: from the headers)"
        )
        parser.add_argument("--user", help="the regulator recorded as importing it (default: the system)")

    def handle(self, *args, file, mapping, user, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user!r}")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            record = complaint_import(actor=actor, data=data, original_name=Path(file).name, mapping_name=mapping or "")
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(
            f"{record.original_name}: mapping {record.mapping}, channel {record.channel}; {record.rows_total} rows: "
            f"{record.rows_imported} imported, {record.rows_known} already known, {record.rows_refused} refused"
        )
        for refusal in record.refusals:
            self.stdout.write(f"  row {refusal['row']} ({refusal['external_id'] or 'no number'}): {refusal['reason']}")
