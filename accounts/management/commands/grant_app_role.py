"""manage.py grant_app_role ROLE [--print]: data rights for the application's database role, no DDL."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts import db_role
from accounts.errors import InvalidInput


class Command(BaseCommand):
    help = (
        "Grant the application's database role (it must exist and own no table) the rights to read and "
        "write rows, on the tables there are and those later migrations create, and nothing more: no "
        "CREATE on the schema, no TRUNCATE or TRIGGER. Run it as the role that runs the migrations. "
        "Idempotent. Fails, naming why, when the role could still change the schema or the triggers."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the application's role, e.g. rectify_app")
        parser.add_argument("--print", action="store_true", dest="print_only", help="Print the SQL; run nothing.")

    def handle(self, *args, role, print_only=False, **options):
        try:
            if print_only:
                owner = db_role.table_owner() if connection.vendor == "postgresql" else "rectify_owner"
                for statement in db_role.app_role_statements(
                    role=role, database=connection.settings_dict["NAME"], owner=owner
                ):
                    self.stdout.write(statement + ";")
                return
            with transaction.atomic():
                db_role.app_role_grant(role)
                problems = db_role.app_role_problems(role)
                if problems:
                    raise CommandError("; ".join(problems))
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{role}: rows only; no DDL, no TRUNCATE, no trigger changes")
