"""Make what was said immutable in PostgreSQL (ARCHITECTURE.md §6, "Immutable what was said").

- notices_noticeevent is append-only: UPDATE and DELETE raise.
- A published or superseded notice is never deleted, and never updated except the one move a
  correction makes: published → superseded, with every other column unchanged.
- The entries and items of a published or superseded notice are never inserted, updated or deleted.

TRUNCATE is refused by the statement-level triggers of the i13_refuse_truncate migrations.
On SQLite (the embedded default) the rules are kept by the application alone.
"""

from django.db import migrations

from accounts.migration_operations import postgresql_only

FORWARD = """
CREATE OR REPLACE FUNCTION notices_noticeevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'notices_noticeevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER notices_noticeevent_append_only
    BEFORE UPDATE OR DELETE ON notices_noticeevent
    FOR EACH ROW EXECUTE FUNCTION notices_noticeevent_append_only();

CREATE OR REPLACE FUNCTION notices_notice_issued_immutable() RETURNS trigger AS $$
DECLARE
    candidate notices_notice%ROWTYPE;
BEGIN
    IF OLD.status NOT IN ('published', 'superseded') THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'published' AND NEW.status = 'superseded' THEN
        candidate := NEW;
        candidate.status := OLD.status;
        IF candidate IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'notice % is issued and immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER notices_notice_issued_immutable
    BEFORE UPDATE OR DELETE ON notices_notice
    FOR EACH ROW EXECUTE FUNCTION notices_notice_issued_immutable();

CREATE OR REPLACE FUNCTION notices_row_of_issued_immutable() RETURNS trigger AS $$
DECLARE
    parent_status text;
    parent_id bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN parent_id := OLD.notice_id; ELSE parent_id := NEW.notice_id; END IF;
    SELECT status INTO parent_status FROM notices_notice WHERE id = parent_id;
    IF TG_OP = 'UPDATE' AND OLD.notice_id <> NEW.notice_id AND parent_status NOT IN ('published', 'superseded') THEN
        SELECT status INTO parent_status FROM notices_notice WHERE id = OLD.notice_id;
    END IF;
    IF parent_status IN ('published', 'superseded') THEN
        RAISE EXCEPTION '% of issued notice % is immutable: % refused', TG_TABLE_NAME, parent_id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER notices_noticeentry_issued_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON notices_noticeentry
    FOR EACH ROW EXECUTE FUNCTION notices_row_of_issued_immutable();
CREATE TRIGGER notices_noticeitem_issued_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON notices_noticeitem
    FOR EACH ROW EXECUTE FUNCTION notices_row_of_issued_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS notices_noticeitem_issued_immutable ON notices_noticeitem;
DROP TRIGGER IF EXISTS notices_noticeentry_issued_immutable ON notices_noticeentry;
DROP FUNCTION IF EXISTS notices_row_of_issued_immutable();
DROP TRIGGER IF EXISTS notices_notice_issued_immutable ON notices_notice;
DROP FUNCTION IF EXISTS notices_notice_issued_immutable();
DROP TRIGGER IF EXISTS notices_noticeevent_append_only ON notices_noticeevent;
DROP FUNCTION IF EXISTS notices_noticeevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]
    operations = [postgresql_only(FORWARD, BACKWARD)]
