"""The scan job state machine: upload in one transaction, leases, the sweeper, deaths, retries."""

import datetime
import hashlib
from pathlib import PurePath

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import Conflict, InvalidInput
from cases import tasks
from cases.error_codes import SCAN_JOB_NOT_FAILED, UNKNOWN_TOOL
from cases.evidence import FileTooLarge
from cases.ingest import failures, jobs
from cases.models import ScanJob, ScanJobEvent, ScanStatus
from tests.audit import assert_append_only
from tests.cases.ingest.test_service import english, fake_scanner, lines, media_root  # noqa: F401 (fixtures)


@pytest.fixture
def sent(monkeypatch):
    """Messages handed to the broker (job ids), instead of running them."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.ingest_scan, "delay", ids.append)
    return ids


@pytest.fixture
def inspection(inspection_factory):
    return inspection_factory()


def create(actor, inspection, content=b'{"locus": "a"}\n', name="capture.har", tool=""):
    return jobs.scan_job_create(
        actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(name, content), tool=tool
    )


def lapse(job, *, attempts=None):
    """Make the job's lease expire, as when its worker process died."""
    fields = {"lease_expires_at": timezone.now() - datetime.timedelta(seconds=1)}
    if attempts is not None:
        fields["attempts"] = attempts
        fields["status"] = ScanStatus.RUNNING
    ScanJob.objects.filter(pk=job.pk).update(**fields)


def test_upload_writes_the_row_and_file_and_sends_only_the_id_on_commit(
    inspector, inspection, sent, django_capture_on_commit_callbacks
):
    content = b'{"log": {"entries": []}}'
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job, created = create(inspector, inspection, content, name="../../etc/passwd.har")
        assert sent == []  # nothing leaves before the commit

    assert created is True
    assert len(callbacks) == 2  # the stored file moves into place, then the message leaves
    assert sent == [job.pk]
    assert job.status == ScanStatus.QUEUED
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    assert job.size == len(content)
    assert job.original_name == "passwd.har"
    stored = PurePath(job.file.name)
    assert stored.parent.parts[0] == "scans"
    assert stored.suffix == ".har" and stored.stem != "passwd" and len(stored.stem) == 32
    with job.file.open("rb") as f:
        assert f.read() == content
    assert job.lease_expires_at > timezone.now()  # when the sweeper will send it again if nobody took it
    event = ScanJobEvent.objects.get(job=job)
    assert (event.kind, event.actor, event.to_status, event.data["sha256"]) == (
        jobs.UPLOADED,
        inspector,
        "queued",
        job.sha256,
    )


def test_unusual_extension_is_stored_as_bin(inspector, inspection, sent):
    job, _ = create(inspector, inspection, name="report.exe")
    assert job.file.name.endswith(".bin")
    assert job.original_name == "report.exe"


def test_same_file_twice_to_one_inspection_is_one_job(inspector, reviewer, inspection, inspection_factory, sent):
    first, created_first = create(inspector, inspection, b"same bytes", name="a.har")
    again, created_again = create(reviewer, inspection, b"same bytes", name="renamed.har")
    elsewhere, created_elsewhere = create(inspector, inspection_factory(), b"same bytes")

    assert (created_first, created_again, created_elsewhere) == (True, False, True)
    assert again.pk == first.pk
    assert again.original_name == "a.har"
    assert elsewhere.pk != first.pk
    assert ScanJob.objects.filter(inspection=inspection).count() == 1


def test_the_database_refuses_a_second_row_for_the_same_file(inspector, inspection, sent):
    job, _ = create(inspector, inspection, b"bytes")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScanJob.objects.create(
            inspection=inspection,
            file=job.file.name,
            original_name="x",
            sha256=job.sha256,
            size=5,
            created_by=inspector,
        )


def test_file_over_the_limit_is_refused_before_storing(settings, inspector, inspection, sent, media_root):  # noqa: F811
    settings.MAX_UPLOAD_BYTES = 10
    with pytest.raises(FileTooLarge) as refused:
        create(inspector, inspection, b"x" * 11)

    assert refused.value.status == 413
    assert ScanJob.objects.count() == 0
    assert not (media_root / "scans").exists()


def test_unknown_tool_is_refused(inspector, inspection, sent):
    with pytest.raises(InvalidInput) as refused:
        create(inspector, inspection, tool="nessus")
    assert refused.value.code == UNKNOWN_TOOL
    assert ScanJob.objects.count() == 0


def test_two_deliveries_lease_the_job_once(inspector, inspection, sent):
    job, _ = create(inspector, inspection)

    first = jobs.scan_job_lease(job_id=job.pk)
    second = jobs.scan_job_lease(job_id=job.pk)

    assert first is not None and second is None
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ScanStatus.RUNNING, 1)
    assert job.lease_expires_at > timezone.now()
    assert job.started_at is not None
    assert ScanJobEvent.objects.filter(job=job, kind=jobs.STARTED).count() == 1


def test_lease_is_one_conditional_update(inspector, inspection, sent, django_assert_max_num_queries):
    job, _ = create(inspector, inspection)
    # read status for the event, the UPDATE ... WHERE that decides, re-read, event; savepoints aside
    with django_assert_max_num_queries(8) as captured:
        jobs.scan_job_lease(job_id=job.pk)
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert "\"status\" = 'queued'" in updates[0] and '"lease_expires_at" <' in updates[0]


def test_an_expired_lease_can_be_taken_by_a_redelivery(inspector, inspection, sent):
    job, _ = create(inspector, inspection)
    jobs.scan_job_lease(job_id=job.pk)
    lapse(job)

    again = jobs.scan_job_lease(job_id=job.pk)

    assert again is not None and again.attempts == 2


def test_a_lapsed_lease_on_the_third_attempt_fails_the_job(inspector, inspection, sent):
    job, _ = create(inspector, inspection)
    lapse(job, attempts=3)

    assert jobs.scan_job_lease(job_id=job.pk) is None

    job.refresh_from_db()
    assert job.status == ScanStatus.FAILED
    assert job.failure_code == jobs.WORKER_LOST
    assert job.failure_reason == "The worker stopped 3 times while processing this file."
    assert job.file.storage.exists(job.file.name)


def test_sweeper_requeues_lapsed_jobs_fails_exhausted_ones_and_resends_lost_messages(
    inspector, inspection_factory, sent, django_capture_on_commit_callbacks
):
    lapsed, _ = create(inspector, inspection_factory(), b"1")
    exhausted, _ = create(inspector, inspection_factory(), b"2")
    healthy, _ = create(inspector, inspection_factory(), b"3")
    lost, _ = create(inspector, inspection_factory(), b"4")
    waiting, _ = create(inspector, inspection_factory(), b"5")
    lapse(lapsed, attempts=1)
    lapse(exhausted, attempts=3)
    jobs.scan_job_lease(job_id=healthy.pk)
    lapse(lost)  # queued, but nobody picked it up in time
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep_scan_jobs()

    assert result == {"failed": [exhausted.pk], "requeued": [lapsed.pk], "redelivered": [lost.pk]}
    assert sorted(sent) == sorted([lapsed.pk, lost.pk])
    statuses = dict(ScanJob.objects.values_list("pk", "status"))
    assert statuses[lapsed.pk] == ScanStatus.QUEUED
    assert statuses[exhausted.pk] == ScanStatus.FAILED
    assert statuses[healthy.pk] == ScanStatus.RUNNING
    assert statuses[lost.pk] == ScanStatus.QUEUED
    assert statuses[waiting.pk] == ScanStatus.QUEUED
    assert ScanJobEvent.objects.filter(job=lapsed, kind=jobs.REQUEUED).count() == 1

    # A second sweep right away sends nothing again (the redelivery time moved on).
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_scan_jobs() == {"failed": [], "requeued": [], "redelivered": []}
    assert sent == []


def test_a_file_that_kills_its_worker_three_times_ends_failed(inspector, inspection, sent):
    job, _ = create(inspector, inspection)
    for attempt in (1, 2, 3):
        leased = jobs.scan_job_lease(job_id=job.pk)
        assert leased.attempts == attempt
        lapse(job)  # the worker died: no heartbeat, the lease runs out
        jobs.scan_jobs_sweep()

    job.refresh_from_db()
    assert job.status == ScanStatus.FAILED
    assert job.failure_reason == "The worker stopped 3 times while processing this file."
    kinds = list(ScanJobEvent.objects.filter(job=job).values_list("kind", flat=True))
    assert kinds == [
        jobs.UPLOADED,
        jobs.STARTED,
        jobs.REQUEUED,
        jobs.STARTED,
        jobs.REQUEUED,
        jobs.STARTED,
        jobs.FAILED,
    ]


def test_a_worker_whose_lease_was_taken_over_stops_and_cannot_finish(inspector, inspection, sent):
    job, _ = create(inspector, inspection)
    stale = jobs.scan_job_lease(job_id=job.pk)
    lapse(job)
    jobs.scan_jobs_sweep()
    current = jobs.scan_job_lease(job_id=job.pk)

    with pytest.raises(jobs.LeaseLost):
        jobs.scan_job_heartbeat(job=stale, progress=50, observations=10)
    assert jobs.scan_job_fail(job=stale, failure=failures.Failure("timeout", {"minutes": 30})) is None
    with pytest.raises(jobs.LeaseLost), transaction.atomic():
        jobs.scan_job_check_owned(job=stale)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.failure_reason) == (ScanStatus.RUNNING, current.attempts, "")


def test_retry_queues_a_failed_job_again_with_its_file(
    inspector, reviewer, inspection, sent, django_capture_on_commit_callbacks
):
    job, _ = create(inspector, inspection)
    leased = jobs.scan_job_lease(job_id=job.pk)
    jobs.scan_job_fail(job=leased, failure=failures.Failure("timeout", {"minutes": 30}))
    name = ScanJob.objects.get(pk=job.pk).file.name
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        retried = jobs.scan_job_retry(actor=inspector, job=job)

    assert sent == [job.pk]
    assert (retried.status, retried.attempts, retried.failure_code, retried.failure_reason) == (
        ScanStatus.QUEUED,
        0,
        "",
        "",
    )
    assert retried.failure_params == {}
    assert retried.file.name == name
    event = ScanJobEvent.objects.get(job=job, kind=jobs.RETRIED)
    assert event.actor == inspector
    reason = "Reading the file took longer than 30 minutes; split it into smaller files."
    assert event.data["previous"] == {"code": "timeout", "reason": reason, "tool": ""}


@pytest.mark.parametrize("status", [ScanStatus.QUEUED, ScanStatus.RUNNING, ScanStatus.SUCCEEDED])
def test_only_a_failed_job_can_be_retried(inspector, inspection, sent, status):
    job, _ = create(inspector, inspection)
    ScanJob.objects.filter(pk=job.pk).update(status=status)

    with pytest.raises(Conflict) as refused:
        jobs.scan_job_retry(actor=inspector, job=job)

    assert refused.value.code == SCAN_JOB_NOT_FAILED
    assert ScanJob.objects.get(pk=job.pk).status == status


def test_ingest_task_runs_the_job_and_a_duplicate_message_does_nothing(fake_scanner, inspector, inspection):  # noqa: F811
    job, _ = create(inspector, inspection, lines({"locus": "a", "codes": ["PI-01"]}))

    assert tasks.ingest_scan(job.pk) == ScanStatus.SUCCEEDED
    assert tasks.ingest_scan(job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.attempts, job.findings_created) == (ScanStatus.SUCCEEDED, 1, 1)


def test_ingest_task_declares_acks_late_and_time_limits():
    task = tasks.ingest_scan
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert (task.soft_time_limit, task.time_limit) == (jobs.SOFT_TIME_LIMIT, jobs.TIME_LIMIT)
    assert jobs.SOFT_TIME_LIMIT < jobs.TIME_LIMIT


def test_a_soft_time_limit_fails_the_job_with_a_reason(monkeypatch, inspector, inspection, sent):
    from billiard.exceptions import SoftTimeLimitExceeded

    from cases.ingest import service

    def slow(stream, *, tool=None, filename=""):
        raise SoftTimeLimitExceeded()
        yield

    monkeypatch.setattr(service, "parse", slow)
    job, _ = create(inspector, inspection)
    service.scan_job_process(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.failure_code) == (ScanStatus.FAILED, "timeout")
    assert "30 minutes" in job.failure_reason


def test_job_history_is_append_only_in_postgresql(require_postgresql, inspector, inspection, sent):
    job, _ = create(inspector, inspection)
    event = ScanJobEvent.objects.get(job=job)

    assert_append_only(ScanJobEvent, event.pk, reason="rewritten")
