"""Recovery in seconds (issue 13): short leases kept alive by a heartbeat thread, the sweeper every
15 s, lost messages sent again within a minute and not endlessly (ARCHITECTURE.md §6)."""

import datetime
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from cases import tasks
from cases.ingest import jobs, service, store
from cases.models import ScanJob, ScanStatus
from tests.cases.ingest.test_jobs import create
from tests.cases.ingest.test_service import english, fake_scanner, lines, media_root, upload  # noqa: F401
from tests.cases.scanners.conftest import FIXTURES

SWEEP_EVERY = 15


@pytest.fixture
def sent(monkeypatch):
    """Messages handed to the broker (job ids), instead of running them."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.ingest_scan, "delay", ids.append)
    return ids


@pytest.fixture
def inspection(inspection_factory):
    return inspection_factory()


def sweeps_until(predicate, *, start, limit=600):
    """Run the sweeper every SWEEP_EVERY seconds of a fake clock from ``start``; answer the seconds
    after ``start`` of the first sweep after which ``predicate()`` holds (or None within ``limit``)."""
    for elapsed in range(SWEEP_EVERY, limit + 1, SWEEP_EVERY):
        with freeze_time(start + datetime.timedelta(seconds=elapsed)):
            jobs.scan_jobs_sweep()
            if predicate():
                return elapsed
    return None


def test_the_beat_sweeps_scan_jobs_every_15_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["cases-sweep-scan-jobs"]
    assert entry["task"] == "cases.tasks.sweep_scan_jobs"
    assert entry["schedule"] == SWEEP_EVERY
    assert jobs.LEASE == datetime.timedelta(seconds=30)
    assert jobs.HEARTBEAT_SECONDS * 3 <= jobs.LEASE.total_seconds()
    assert not hasattr(jobs, "APPLY_LEASE")  # no lease as long as the time limit any more


@pytest.mark.parametrize("phase_progress", [5, 90])  # killed while reading, or while saving
def test_a_killed_workers_job_runs_again_within_60_seconds(
    inspector, inspection, sent, phase_progress, django_capture_on_commit_callbacks
):
    job, _ = create(inspector, inspection)
    start = timezone.now()
    with freeze_time(start):
        leased = jobs.scan_job_lease(job_id=job.pk)
        # The last renewal of the keeper just before kill -9.
        jobs.scan_job_heartbeat(job=leased, progress=phase_progress, observations=1)
    sent.clear()

    # Still alive for the sweeper until the lease (30 s) runs out.
    with freeze_time(start + datetime.timedelta(seconds=29)):
        assert jobs.scan_jobs_sweep()["requeued"] == []
    with django_capture_on_commit_callbacks(execute=True):
        requeued_after = sweeps_until(
            lambda: ScanJob.objects.get(pk=job.pk).status == ScanStatus.QUEUED, start=start, limit=120
        )

    assert requeued_after is not None and requeued_after <= 45
    assert sent == [job.pk]  # the message leaves again; the next worker leases the job
    again = jobs.scan_job_lease(job_id=job.pk)
    assert again is not None and again.attempts == 2


def test_a_lost_queued_message_is_sent_again_within_60_seconds_and_then_less_and_less(
    inspector, inspection, sent, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with freeze_time(start):
        job, _ = create(inspector, inspection)  # the message never reaches Redis (FLUSHALL)
    assert sent == []

    def resent():
        return ScanJob.objects.get(pk=job.pk).redeliveries

    with django_capture_on_commit_callbacks(execute=True):
        first = sweeps_until(lambda: resent() == 1, start=start, limit=120)
    assert first is not None and first <= 45
    assert sent == [job.pk]

    # A job merely waiting behind others in a busy worker: re-sent with a growing pause, bounded.
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sweeps_until(lambda: False, start=start + datetime.timedelta(seconds=first), limit=3600)
    assert 5 <= len(sent) <= 16  # in an hour; not 240 (one per sweep)
    assert resent() == 1 + len(sent)
    assert jobs.redelivery_delay(0) == jobs.REDELIVER_AFTER
    assert jobs.redelivery_delay(30) == jobs.REDELIVER_MAX

    # Once a worker takes it, the count starts over.
    assert jobs.scan_job_lease(job_id=job.pk).redeliveries == 0


def test_the_keeper_stops_when_the_lease_is_lost_and_a_second_delivery_never_runs_a_held_job(inspector, inspection):
    job, _ = create(inspector, inspection)
    mine = jobs.scan_job_lease(job_id=job.pk)
    # A second delivery of the message while the lease is held: nothing to run.
    assert jobs.scan_job_lease(job_id=job.pk) is None

    # Taken over (this worker was presumed dead): the keeper's next renewal notices and stops.
    ScanJob.objects.filter(pk=job.pk).update(attempts=2)
    with pytest.raises(jobs.LeaseLost):
        jobs.scan_job_renew(job=mine)
    with pytest.raises(jobs.LeaseLost):
        jobs.scan_job_check_owned(job=mine)
    with pytest.raises(jobs.LeaseLost):
        jobs.scan_job_succeed(job=mine, observations=1, findings_created=0, duplicates=0, unmapped=0)
    assert ScanJob.objects.get(pk=job.pk).status == ScanStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_the_keeper_renews_on_its_own_connection_until_the_work_ends_or_the_lease_is_lost(
    inspector, inspection_factory
):
    job, _ = create(inspector, inspection_factory())
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.QUEUED)
    mine = jobs.scan_job_lease(job_id=job.pk)
    with jobs.LeaseKeeper(mine, every=0.05) as keeper:
        time.sleep(0.4)
        assert keeper.renewals >= 3 and not keeper.lost
    done = keeper.renewals
    time.sleep(0.2)
    assert keeper.renewals == done  # the work ended: no more renewals

    ScanJob.objects.filter(pk=job.pk).update(attempts=mine.attempts + 1)  # another delivery took it
    with jobs.LeaseKeeper(mine, every=0.05) as keeper:
        deadline = time.monotonic() + 5
        while not keeper.lost and time.monotonic() < deadline:
            time.sleep(0.02)
        assert keeper.lost
        with pytest.raises(jobs.LeaseLost):
            keeper(job=mine, progress=50, observations=1)
        renewals = keeper.renewals
        time.sleep(0.2)
        assert keeper.renewals == renewals  # stopped renewing


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_during_a_long_save(monkeypatch, inspector, inspection_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the keeper thread runs where the save streams (PostgreSQL)")
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.1)
    monkeypatch.setattr(jobs, "LEASE", datetime.timedelta(seconds=1))
    seen: list[datetime.datetime] = []
    save_spool = store.save_spool
    done = threading.Event()

    def watch(job_id):
        # Another connection, as the sweeper would look: the lease keeps moving and never lapses.
        from django.db import connections

        try:
            while not done.is_set():
                seen.append(ScanJob.objects.values_list("lease_expires_at", flat=True).get(pk=job_id))
                time.sleep(0.1)
        finally:
            connections.close_all()

    def slow_save(*, job, spool):
        watcher = threading.Thread(target=watch, args=(job.pk,))
        watcher.start()
        time.sleep(2.5)  # a save 2.5 times as long as the lease
        lapsed = jobs.scan_jobs_sweep(now=timezone.now())
        done.set()
        watcher.join()
        assert lapsed == {"failed": [], "requeued": [], "redelivered": []}
        return save_spool(job=job, spool=spool)

    job = upload(inspector, inspection_factory(), (FIXTURES / "capture.har").read_bytes(), name="capture.har")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.QUEUED)  # ran eagerly on commit: again
    monkeypatch.setattr(store, "save_spool", slow_save)

    finished = service.scan_job_process(job_id=job.pk)

    assert finished is not None and finished.status == ScanStatus.SUCCEEDED
    leases = [value for value in seen if value is not None]
    assert len(set(leases)) >= 5  # renewed again and again while the save ran
    assert all(b > a for a, b in zip(leases, leases[1:], strict=False) if a != b)
    assert ScanJob.objects.get(pk=job.pk).lease_expires_at is None


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_job_moved_on_during_the_save_rolls_back(monkeypatch, inspector, inspection_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the keeper thread runs where the save streams (PostgreSQL)")
    save_spool = store.save_spool

    def take_over(job_id, attempts):
        from django.db import connections

        try:
            ScanJob.objects.filter(pk=job_id).update(attempts=attempts + 1)
        finally:
            connections.close_all()

    def taken_over(*, job, spool):
        # Meanwhile the sweeper requeued the job and another worker leased it (this one was frozen).
        other = threading.Thread(target=take_over, args=(job.pk, job.attempts))
        other.start()
        other.join()
        return save_spool(job=job, spool=spool)

    job = upload(inspector, inspection_factory(), (FIXTURES / "capture.har").read_bytes(), name="capture.har")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.QUEUED)  # ran eagerly on commit: again
    rows = job.stored_observations.count()
    monkeypatch.setattr(store, "save_spool", taken_over)

    assert service.scan_job_process(job_id=job.pk) is None  # LeaseLost: stopped quietly

    job.refresh_from_db()
    assert job.status == ScanStatus.RUNNING  # left to the worker that holds it now
    assert job.stored_observations.count() == rows  # the save rolled back as a whole


def test_the_sweep_task_still_names_the_sweeper():
    assert tasks.sweep_scan_jobs.name == "cases.tasks.sweep_scan_jobs"


def test_a_long_waiting_job_is_sent_again_at_once_when_the_broker_lost_its_message(
    inspector, inspection, sent, django_capture_on_commit_callbacks, monkeypatch
):
    start = timezone.now()
    with freeze_time(start):
        job, _ = create(inspector, inspection)
    # It waited an hour behind other jobs: its next re-send is up to REDELIVER_MAX away.
    with django_capture_on_commit_callbacks(execute=True):
        sweeps_until(lambda: False, start=start, limit=3600)
    job.refresh_from_db()
    sent.clear()
    later = start + datetime.timedelta(seconds=3600 + 20)
    assert job.lease_expires_at > later

    with freeze_time(later), django_capture_on_commit_callbacks(execute=True):
        assert jobs.scan_jobs_sweep()["redelivered"] == []  # the broker may still hold its message
        monkeypatch.setattr(jobs, "broker_queue_empty", lambda: True)  # Redis restarted or flushed
        assert jobs.scan_jobs_sweep()["redelivered"] == [job.pk]
        # Just sent: not again at the next sweep, even with the queue still empty.
        assert jobs.scan_jobs_sweep()["redelivered"] == []
    assert sent == [job.pk]


def test_the_broker_queue_is_read():
    import uuid

    from config import queue

    conf = queue.app.conf
    saved = (conf.task_always_eager, conf.task_default_queue)
    name = f"rectify-test-{uuid.uuid4().hex[:12]}"
    conf.task_always_eager, conf.task_default_queue = False, name
    try:
        assert jobs.broker_queue_empty() is True
        with queue.app.connection_for_write() as conn:
            channel = conn.default_channel
            channel.queue_declare(queue=name, durable=True, auto_delete=False)
            channel.basic_publish(channel.prepare_message("x"), exchange="", routing_key=name)
        assert jobs.broker_queue_empty() is False
        with queue.app.connection_for_write() as conn:
            conn.default_channel.queue_purge(name)
            conn.default_channel.queue_delete(name)
        conf.task_always_eager = True
        assert jobs.broker_queue_empty() is False  # eager: no broker to ask
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
