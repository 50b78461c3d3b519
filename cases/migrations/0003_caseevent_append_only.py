"""Make the case audit append-only in PostgreSQL: UPDATE and DELETE raise.

TRUNCATE is refused by the statement-level triggers of the i13_refuse_truncate migrations.

On SQLite (the embedded default) the rule is kept by the application alone.
"""

from django.db import migrations

from accounts.migration_operations import append_only


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_violation_types")]
    operations = [append_only("cases_caseevent")]
