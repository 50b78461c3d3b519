"""The outbox state machine: enqueue in the caller's transaction, lease once, retry, sweep."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from outbox import handlers, jobs
from outbox.models import OutboxEvent, OutboxJob, OutboxStatus

pytestmark = pytest.mark.django_db
S = OutboxStatus

CALLS: list[dict] = []


@handlers.register("test.echo")
def _echo(**payload):
    CALLS.append(payload)
    return {"echo": payload}


@handlers.register("test.flaky")
def _flaky(**payload):
    CALLS.append(payload)
    raise OSError("disk briefly unavailable")


@handlers.register("test.broken")
def _broken(**payload):
    raise ValueError("a bug")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.fixture
def sent(monkeypatch):
    """Record the ids the outbox sends instead of running them (the message may then be "lost")."""
    ids: list[int] = []
    monkeypatch.setattr(jobs, "_send", ids.append)
    return ids


@pytest.fixture
def clock():
    with freeze_time("2025-09-26 02:00:00") as frozen:
        yield frozen


def _enqueue(kind="test.echo", key="k1", **payload):
    return jobs.outbox_job_enqueue(kind=kind, key=key, payload=payload or {"n": 1})


def test_enqueue_writes_the_row_and_sends_its_id_on_commit(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _enqueue()
    assert sent == [job.pk]
    assert (job.status, job.attempts) == (S.QUEUED, 0)
    assert list(job.events.values_list("kind", flat=True)) == [jobs.QUEUED]


def test_the_same_key_is_the_same_job(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue()
        second = _enqueue(n=2)
    assert first.pk == second.pk and OutboxJob.objects.count() == 1
    assert sent == [first.pk]


def test_two_deliveries_run_the_job_once(sent):
    job = _enqueue()
    assert jobs.outbox_job_run(job_id=job.pk).status == S.DONE
    assert jobs.outbox_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (S.DONE, 1, {"echo": {"n": 1}})
    assert CALLS == [{"n": 1}]
    assert list(job.events.values_list("kind", flat=True)) == [jobs.QUEUED, jobs.STARTED, jobs.DONE]


def test_a_held_lease_is_not_taken_again(sent):
    job = _enqueue()
    held = jobs.outbox_job_lease(job_id=job.pk)
    assert held is not None and held.lease_expires_at > timezone.now()
    assert jobs.outbox_job_lease(job_id=job.pk) is None


def test_a_lost_message_is_sent_again_by_the_sweeper(sent, clock):
    job = _enqueue()  # the on-commit send never happens: the message is lost
    assert jobs.outbox_sweep() == {"failed": [], "requeued": [], "redelivered": []}
    clock.tick(jobs.REDELIVER_AFTER + datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["redelivered"] == [job.pk]
    assert jobs.outbox_sweep()["redelivered"] == []  # not again before the next redelivery time
    assert jobs.outbox_job_run(job_id=job.pk).status == S.DONE
    assert CALLS == [{"n": 1}]


def test_a_killed_worker_loses_its_lease_and_the_job_runs_again(sent, clock):
    job = _enqueue()
    jobs.outbox_job_lease(job_id=job.pk)  # ... and the worker dies: no heartbeat renews the lease
    clock.tick(jobs.LEASE - datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["requeued"] == []
    clock.tick(datetime.timedelta(seconds=2))
    assert jobs.outbox_sweep()["requeued"] == [job.pk]
    assert jobs.outbox_job_run(job_id=job.pk).status == S.DONE
    job.refresh_from_db()
    assert job.attempts == 2 and CALLS == [{"n": 1}]
    assert jobs.REQUEUED in set(job.events.values_list("kind", flat=True))


def test_a_job_whose_worker_keeps_dying_ends_failed(sent, clock):
    job = _enqueue()
    for _ in range(jobs.MAX_ATTEMPTS):
        jobs.outbox_sweep()
        clock.tick(jobs.REDELIVER_AFTER + datetime.timedelta(seconds=1))
        jobs.outbox_job_lease(job_id=job.pk)
        clock.tick(jobs.LEASE + datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["failed"] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.failure_code, job.attempts) == (S.FAILED, jobs.WORKER_LOST, jobs.MAX_ATTEMPTS)


def test_a_transient_error_is_retried_later_then_fails(sent, clock):
    job = _enqueue(kind="test.flaky", key="flaky")
    assert jobs.outbox_job_run(job_id=job.pk).status == S.QUEUED
    assert jobs.outbox_job_run(job_id=job.pk) is None  # waits for its retry time
    for _ in range(jobs.MAX_ATTEMPTS - 1):
        clock.tick(datetime.timedelta(minutes=10))
        jobs.outbox_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.failure_code, job.attempts) == (S.FAILED, "OSError", jobs.MAX_ATTEMPTS)
    assert len(CALLS) == jobs.MAX_ATTEMPTS


def test_a_permanent_error_fails_at_once_and_asking_again_queues_it(sent, django_capture_on_commit_callbacks):
    job = _enqueue(kind="test.broken", key="broken")
    job = jobs.outbox_job_run(job_id=job.pk)
    assert (job.status, job.failure_code, job.failure_reason) == (S.FAILED, "ValueError", "a bug")
    assert _enqueue(kind="test.broken", key="broken").status == S.FAILED  # asked again, not "again"
    with django_capture_on_commit_callbacks(execute=True):
        again = jobs.outbox_job_enqueue(kind="test.broken", key="broken", payload={}, again=True)
    assert (again.status, again.attempts, again.failure_code) == (S.QUEUED, 0, "")
    assert sent == [job.pk]


def test_an_unknown_kind_fails(sent):
    job = _enqueue(kind="test.nobody", key="nobody")
    assert jobs.outbox_job_run(job_id=job.pk).failure_code == jobs.UNKNOWN_KIND


def test_the_heartbeat_renews_the_lease_of_the_holder_only(sent, clock):
    job = jobs.outbox_job_lease(job_id=_enqueue().pk)
    clock.tick(datetime.timedelta(seconds=20))
    assert jobs.outbox_job_heartbeat(job=job)
    job.refresh_from_db()
    assert job.lease_expires_at == timezone.now() + jobs.LEASE
    OutboxJob.objects.filter(pk=job.pk).update(attempts=job.attempts + 1)  # another worker took it
    assert not jobs.outbox_job_heartbeat(job=job)


def test_recovery_bounds_stay_under_a_minute():
    """ARCHITECTURE.md §9: a lost message or a killed worker's job runs again within 60 s."""
    sweep = datetime.timedelta(seconds=jobs.SWEEP_EVERY)
    assert jobs.LEASE + sweep < datetime.timedelta(seconds=50)
    assert jobs.REDELIVER_AFTER + sweep < datetime.timedelta(seconds=50)
    assert jobs.HEARTBEAT * 2 < jobs.LEASE


def test_events_are_append_only(require_postgresql, sent):
    from django.db import DatabaseError, transaction

    job = _enqueue()
    with pytest.raises(DatabaseError), transaction.atomic():
        OutboxEvent.objects.filter(job=job).update(reason="rewritten")


def test_the_backlog_tells_the_operator_what_waits(sent, clock):
    from outbox.selectors import outbox_backlog

    assert outbox_backlog().queued == 0 and outbox_backlog().oldest_queued_seconds is None
    _enqueue(key="a")
    jobs.outbox_job_run(job_id=_enqueue(key="b", kind="test.broken").pk)
    clock.tick(datetime.timedelta(minutes=2))
    backlog = outbox_backlog()
    assert (backlog.queued, backlog.running, backlog.failed, backlog.overdue) == (1, 0, 1, 1)
    assert backlog.oldest_queued_seconds == 120


SEEN_LEASES: list = []


@handlers.register("test.slow")
def _slow(*, job_key):
    import time

    first = OutboxJob.objects.get(key=job_key).lease_expires_at
    time.sleep(0.8)
    SEEN_LEASES.extend([first, OutboxJob.objects.get(key=job_key).lease_expires_at])
    return True


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_renews_the_lease_while_the_handler_runs(monkeypatch):
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)
    monkeypatch.setattr(jobs, "HEARTBEAT", datetime.timedelta(seconds=0.2))
    SEEN_LEASES.clear()
    job = jobs.outbox_job_enqueue(kind="test.slow", key="slow", payload={"job_key": "slow"})
    assert jobs.outbox_job_run(job_id=job.pk).status == S.DONE
    first, later = SEEN_LEASES
    assert later > first  # renewed by the thread (its own connection) while the handler slept
