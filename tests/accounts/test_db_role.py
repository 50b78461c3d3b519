"""The application's database role: rows yes, DDL no (issue 13: "a documented database role for the
application without DDL rights, with a test under that role"; ARCHITECTURE.md §6).

The test database's tables are owned by the superuser that created them (the "owner" here). Each test
creates a fresh role inside its own transaction (rolled back with it, so nothing outlives the test),
grants it with ``manage.py grant_app_role`` and switches to it with ``SET LOCAL ROLE``: from then on
the connection has that role's rights only.
"""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts import db_role
from cases import services, workflow
from cases.ingest import jobs, service
from cases.models import CaseEvent, CaseStatus, FindingStatus, ScanJob, ScanStatus
from cases.notifications import ORDER_SERVED, case_email_enqueue
from outbox.models import OutboxEvent, OutboxJob
from tests.cases.ingest.test_service import fake_scanner, lines  # noqa: F401  (fixture)

APPEND_ONLY = ["cases_caseevent", "outbox_outboxevent", "notices_noticeevent", "accounts_authorityevent"]


@pytest.fixture
def app_role(require_postgresql):
    role = f"rectify_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test's transaction
    out = io.StringIO()
    call_command("grant_app_role", role, stdout=out)
    assert "no DDL" in out.getvalue()
    return role


def act_as(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == role


def refused(sql: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_app_works_under_its_role(app_role, inspector, reviewer, inspection_factory, finding_factory):
    inspection = inspection_factory()
    findings = [finding_factory(inspection=inspection, status=FindingStatus.CONFIRMED) for _ in range(2)]
    act_as(app_role)

    case = services.case_open(actor=inspector, findings=findings)
    case = workflow.order_case(
        case=case, actor=reviewer, served_on=datetime.date(2026, 12, 7), deadline=datetime.date(2026, 12, 21)
    )
    assert case.status == CaseStatus.ORDERED
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True).order_by("pk")) == [
        "opened",
        "transition",
    ]
    case_email_enqueue(kind=ORDER_SERVED, case=case)
    job = OutboxJob.objects.get(payload__case_id=case.pk)
    assert OutboxEvent.objects.filter(job=job, kind="queued").exists()


def test_a_scan_ingest_works_under_its_role(app_role, fake_scanner, inspector, inspection_factory):  # noqa: F811
    """The ingest stages its rows in a temporary table (COPY): the role has TEMPORARY on the database."""
    inspection = inspection_factory()
    act_as(app_role)
    job, _ = jobs.scan_job_create(
        actor=inspector,
        inspection=inspection,
        uploaded=SimpleUploadedFile("capture.jsonl", lines({"locus": "GET https://t.example/a", "codes": ["PI-01"]})),
        tool="",
    )
    service.scan_job_process(job_id=job.pk)
    job = ScanJob.objects.get(pk=job.pk)
    assert (job.status, job.findings_created) == (ScanStatus.SUCCEEDED, 1)


def test_ddl_and_history_changes_are_refused_under_its_role(app_role, case_factory):
    case = case_factory()
    CaseEvent.objects.create(case=case, kind="note")
    act_as(app_role)

    refused("CREATE TABLE intruder (id int)", "permission denied for schema public")
    for table in APPEND_ONLY:
        refused(f"ALTER TABLE {table} DISABLE TRIGGER USER", "must be owner")
        refused(f"TRUNCATE {table}", "permission denied")
    refused("DROP TRIGGER cases_caseevent_append_only ON cases_caseevent", "must be owner")
    refused("DROP TABLE cases_caseevent", "must be owner")
    refused("ALTER TABLE cases_case ADD COLUMN intruder int", "must be owner")
    refused(
        "CREATE TRIGGER t BEFORE UPDATE ON cases_case FOR EACH ROW"
        " EXECUTE FUNCTION suppress_redundant_updates_trigger()",
        "permission denied",
    )
    refused("SET session_replication_role = replica", "permission denied")
    # The rows themselves: the triggers refuse what the grants allow.
    refused(f"UPDATE cases_caseevent SET reason = 'rewritten' WHERE case_id = {case.pk}", "append-only")
    refused(f"DELETE FROM cases_caseevent WHERE case_id = {case.pk}", "append-only")


def test_grant_is_idempotent_and_refuses_an_owner(app_role):
    call_command("grant_app_role", app_role, stdout=io.StringIO())  # twice: same rights
    assert db_role.app_role_problems(app_role) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", owner, stdout=io.StringIO())
    member = f"{app_role}_m"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {member} NOLOGIN IN ROLE {owner}")  # a member acts as the owner
    with pytest.raises(CommandError, match=f"owns tables \\(as {owner}\\)"):
        call_command("grant_app_role", member, stdout=io.StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_app_role", "rectify_nobody_here", stdout=io.StringIO())
    with pytest.raises(CommandError, match="plain role name"):
        call_command("grant_app_role", 'x"; DROP TABLE cases_case; --', stdout=io.StringIO())


def test_print_shows_the_sql_and_runs_nothing(require_postgresql):
    out = io.StringIO()
    call_command("grant_app_role", "rectify_app", "--print", stdout=out)
    text = out.getvalue()
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO rectify_app;" in text
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE" in text
    assert "TRUNCATE" in text and "REVOKE CREATE ON SCHEMA public FROM PUBLIC;" in text
