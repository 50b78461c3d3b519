"""Immutable also against TRUNCATE (ARCHITECTURE.md §6): notices, their entries, items and events.

The row triggers of 0002 guard each issued row; TRUNCATE empties a table without visiting a row.
"""

from django.db import migrations

from accounts.migration_operations import refuse_truncate


class Migration(migrations.Migration):
    dependencies = [("notices", "0004_i13_publication_outbox")]
    operations = [
        refuse_truncate("notices_notice", "notices_noticeentry", "notices_noticeitem", "notices_noticeevent")
    ]
