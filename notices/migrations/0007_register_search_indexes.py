"""Indexes for the public register at a national campaign's volume (issue 14).

- ``(published_at, id)``: the register's order (read backwards, newest first) and the open data's;
  ``(created_at, id)``: the regulators' notice list.
- PostgreSQL only: trigram (``pg_trgm``) GIN indexes for substring search in Chinese or any script
  (``icontains`` is ``UPPER(col) LIKE UPPER('%q%')``, so the indexes are on ``UPPER(col)``) on the
  rows' names, developers and issue codes and the notices' titles; and pattern btree indexes for
  the prefix match that 1–2 character queries use (a trigram needs 3 characters,
  ``notices.selectors.public_notice_list``). On SQLite the register searches by scanning.
"""

from django.db import migrations, models

from accounts.migration_operations import postgresql_only

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX notice_entry_name_trgm ON notices_noticeentry USING gin (UPPER(name::text) gin_trgm_ops);
CREATE INDEX notice_entry_developer_trgm ON notices_noticeentry USING gin (UPPER(developer::text) gin_trgm_ops);
CREATE INDEX notice_entry_issue_codes_trgm ON notices_noticeentry USING gin (issue_codes gin_trgm_ops);
CREATE INDEX notice_entry_name_prefix ON notices_noticeentry (name varchar_pattern_ops);
CREATE INDEX notice_entry_developer_prefix ON notices_noticeentry (developer varchar_pattern_ops);
CREATE INDEX notice_title_trgm ON notices_notice USING gin (UPPER(title::text) gin_trgm_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS notice_title_trgm;
DROP INDEX IF EXISTS notice_entry_developer_prefix;
DROP INDEX IF EXISTS notice_entry_name_prefix;
DROP INDEX IF EXISTS notice_entry_issue_codes_trgm;
DROP INDEX IF EXISTS notice_entry_developer_trgm;
DROP INDEX IF EXISTS notice_entry_name_trgm;
"""


class Migration(migrations.Migration):
    dependencies = [("notices", "0006_order_served_content")]

    operations = [
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(fields=["published_at", "id"], name="notice_published_at_id"),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(fields=["created_at", "id"], name="notice_created_at_id"),
        ),
        postgresql_only(FORWARD, BACKWARD),
    ]
