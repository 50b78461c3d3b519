"""The outbox job state machine: queued → running → done | failed, with short leases (ARCHITECTURE.md §9).

PostgreSQL is the record; Redis only carries wake-ups. ``outbox_job_enqueue`` writes the job in the
transaction that asks for the work and sends its id on commit. A worker *leases* the job with one
conditional UPDATE (two deliveries of one message never both run it), and a heartbeat thread renews
the short lease while the work runs, so a lease lapses only when its worker is gone. The beat sweeper
(every 15 s) puts jobs whose lease lapsed back in the queue and sends again a queued job whose
message was lost (Redis restarted or flushed, the broker down at commit). A job whose worker died
``MAX_ATTEMPTS`` times, or that failed for good, ends ``failed``. Every move writes an OutboxEvent.

Exactly once rests on the handlers: each is idempotent on its own unique key (a published notice is
returned unchanged; an ``EmailSent`` key is sent once), so a job run again after its worker died
between the work's commit and ``done`` finds the work done.
"""

import datetime
import logging
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from config import queue

from . import handlers, leases
from .models import OutboxEvent, OutboxJob, OutboxStatus

logger = logging.getLogger(__name__)

S = OutboxStatus

RUN_TASK = "outbox.tasks.run_outbox_job"

# A running job's lease; the heartbeat renews it every HEARTBEAT while the work runs.
LEASE = datetime.timedelta(seconds=30)
HEARTBEAT = datetime.timedelta(seconds=10)
# A queued job no worker picked up by then (message lost) is sent again by the sweeper.
REDELIVER_AFTER = datetime.timedelta(seconds=20)
# The sweeper's beat interval (CELERY_BEAT_SCHEDULE): a lost job runs again within
# LEASE + SWEEP_EVERY (killed worker) or REDELIVER_AFTER + SWEEP_EVERY (lost message), under 60 s.
SWEEP_EVERY = 15.0
# Attempts before a job ends failed: a worker that died this many times, or transient errors.
MAX_ATTEMPTS = 5
# Wait before the next attempt after a transient error: 15 s, 30 s, 60 s, 120 s.
RETRY_BASE = datetime.timedelta(seconds=15)
# Celery limits of the run task (a PDF render is the longest job).
SOFT_TIME_LIMIT = 300
TIME_LIMIT = SOFT_TIME_LIMIT + 30

# Event kinds.
QUEUED = "queued"
STARTED = "started"
DONE = "done"
FAILED = "failed"
RETRY = "retry"
REQUEUED = "requeued"
REQUESTED_AGAIN = "requested_again"

# Failure codes set here; others are the exception's code or class name.
WORKER_LOST = "worker_lost"
UNKNOWN_KIND = "unknown_kind"


class LeaseLost(Exception):
    """This worker no longer holds the job (its lease lapsed and the job moved on)."""


def _record(*, job: OutboxJob, kind: str, from_status: str, reason: str = "", data=None) -> None:
    OutboxEvent.objects.create(
        job=job,
        kind=kind,
        from_status=from_status,
        to_status=job.status,
        attempt=job.attempts,
        reason=reason[:2000],
        data=data or {},
    )


def _send(job_id: int) -> None:
    queue.send(RUN_TASK, job_id)


def _send_on_commit(job_id: int) -> None:
    # robust: a broker that is down must not turn a committed request into an error; the sweeper
    # sends the message again once the redelivery time has passed.
    transaction.on_commit(partial(_send, job_id), robust=True)


def outbox_job_enqueue(*, kind: str, key: str, payload: dict, actor=None, again: bool = False) -> OutboxJob:
    """Write the job for ``key`` in the caller's transaction and send its id on commit.

    The same key asked again is the same job: returned as it stands, nothing new is sent. With
    ``again``, a job that ended failed is queued once more with fresh attempts (a person asked
    again, e.g. a second publication request after a failure); a done job stays done.
    """
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                job = OutboxJob.objects.create(
                    kind=kind,
                    key=key,
                    payload=payload,
                    status=S.QUEUED,
                    available_at=now,
                    lease_expires_at=now + REDELIVER_AFTER,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            job = OutboxJob.objects.select_for_update().get(key=key)
            if again and job.status == S.FAILED:
                job.status = S.QUEUED
                job.attempts = 0
                job.payload = payload
                job.available_at = now
                job.lease_expires_at = now + REDELIVER_AFTER
                job.failure_code = ""
                job.failure_reason = ""
                job.finished_at = None
                job.save()
                _record(job=job, kind=REQUESTED_AGAIN, from_status=S.FAILED)
                _send_on_commit(job.pk)
            return job
        _record(job=job, kind=QUEUED, from_status="")
        _send_on_commit(job.pk)
    return job


def _leasable(now: datetime.datetime) -> Q:
    return Q(status=S.QUEUED, available_at__lte=now) | Q(
        status=S.RUNNING, lease_expires_at__lt=now, attempts__lt=MAX_ATTEMPTS
    )


def outbox_job_lease(*, job_id: int) -> OutboxJob | None:
    """Take the job for this worker, or answer None if another worker holds it, it is finished or
    it waits for a later attempt. One conditional UPDATE decides."""
    now = timezone.now()
    with transaction.atomic():
        before = OutboxJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        taken = OutboxJob.objects.filter(_leasable(now), pk=job_id).update(
            status=S.RUNNING,
            attempts=F("attempts") + 1,
            lease_expires_at=now + LEASE,
            started_at=now,
            finished_at=None,
        )
        if not taken:
            return None
        job = OutboxJob.objects.get(pk=job_id)
        _record(job=job, kind=STARTED, from_status=before or "")
    return job


def _owned(job: OutboxJob):
    return OutboxJob.objects.filter(pk=job.pk, status=S.RUNNING, attempts=job.attempts)


def outbox_job_heartbeat(*, job: OutboxJob) -> bool:
    """Renew the lease of a job this worker holds; answer whether it still holds it."""
    return _owned(job).update(lease_expires_at=timezone.now() + LEASE) == 1


def lease_keeper(job: OutboxJob) -> leases.LeaseKeeper:
    """Renew the job's lease every HEARTBEAT from a thread with its own database connection while the
    work runs (``outbox.leases.LeaseKeeper``), so the lease can be short however long one
    transaction of the work takes. A lost lease is found out when the job finishes (``LeaseLost``)."""
    return leases.LeaseKeeper(
        partial(outbox_job_heartbeat, job=job),
        every=HEARTBEAT.total_seconds(),
        name=f"outbox-lease-{job.pk}",
        lost_error=LeaseLost,
    )


def _finish(*, job: OutboxJob, result) -> OutboxJob:
    with transaction.atomic():
        now = timezone.now()
        if not _owned(job).update(status=S.DONE, lease_expires_at=None, finished_at=now, result=result):
            raise LeaseLost(job.pk)
        job.refresh_from_db()
        _record(job=job, kind=DONE, from_status=S.RUNNING)
    return job


def _fail(*, job: OutboxJob, code: str, reason: str) -> OutboxJob | None:
    with transaction.atomic():
        if not _owned(job).update(
            status=S.FAILED,
            failure_code=code[:64],
            failure_reason=reason,
            lease_expires_at=None,
            finished_at=timezone.now(),
        ):
            return None
        job.refresh_from_db()
        _record(job=job, kind=FAILED, from_status=S.RUNNING, reason=reason, data={"code": code})
    logger.warning("outbox job %s failed: %s %s", job.key, code, reason)
    return job


def _retry_later(*, job: OutboxJob, code: str, reason: str) -> OutboxJob | None:
    if job.attempts >= MAX_ATTEMPTS:
        return _fail(job=job, code=code, reason=reason)
    wait = RETRY_BASE * (2 ** (job.attempts - 1))
    at = timezone.now() + wait
    with transaction.atomic():
        if not _owned(job).update(status=S.QUEUED, available_at=at, lease_expires_at=at, failure_reason=reason):
            return None
        job.refresh_from_db()
        _record(job=job, kind=RETRY, from_status=S.RUNNING, reason=reason, data={"code": code, "wait": wait.seconds})
    return job


def _code_of(exc: BaseException) -> str:
    return str(getattr(exc, "code", "") or type(exc).__name__)


def outbox_job_run(*, job_id: int) -> OutboxJob | None:
    """Lease the job, run its handler while a heartbeat keeps the lease, and finish it.

    Answer the job as it ends, or None when this worker did not run it (another holds it, it is
    finished, or it waits for a later attempt). A transient error (``Handler.retry_on``) queues the
    job again after a growing wait; any other error ends it failed with the error's code.
    """
    job = outbox_job_lease(job_id=job_id)
    if job is None:
        return None
    try:
        handler = handlers.get(job.kind)
    except KeyError:
        return _fail(job=job, code=UNKNOWN_KIND, reason=job.kind)
    try:
        with lease_keeper(job):
            if handler.atomic:
                with transaction.atomic():
                    return _finish(job=job, result=_plain(handler.run(**job.payload)))
            result = handler.run(**job.payload)
    except LeaseLost:
        return None
    except handler.retry_on as exc:
        logger.warning("outbox job %s: %s, will retry", job.key, exc)
        return _retry_later(job=job, code=_code_of(exc), reason=str(exc)[:2000])
    except Exception as exc:
        logger.exception("outbox job %s failed", job.key)
        return _fail(job=job, code=_code_of(exc), reason=str(exc)[:2000])
    try:
        return _finish(job=job, result=_plain(result))
    except LeaseLost:
        return None


def _plain(result):
    return result if isinstance(result, (str, int, bool, dict, list)) else None


def _fail_worker_lost(*, job_id: int, now: datetime.datetime) -> bool:
    reason = f"the worker stopped {MAX_ATTEMPTS} times during this job"
    with transaction.atomic():
        ended = OutboxJob.objects.filter(
            pk=job_id, status=S.RUNNING, lease_expires_at__lt=now, attempts__gte=MAX_ATTEMPTS
        ).update(
            status=S.FAILED, failure_code=WORKER_LOST, failure_reason=reason, lease_expires_at=None, finished_at=now
        )
        if ended:
            job = OutboxJob.objects.get(pk=job_id)
            _record(job=job, kind=FAILED, from_status=S.RUNNING, reason=reason, data={"code": WORKER_LOST})
    return bool(ended)


def _requeue(*, job_id: int, now: datetime.datetime) -> bool:
    moved = OutboxJob.objects.filter(
        pk=job_id, status=S.RUNNING, lease_expires_at__lt=now, attempts__lt=MAX_ATTEMPTS
    ).update(status=S.QUEUED, available_at=now, lease_expires_at=now + REDELIVER_AFTER)
    if moved:
        job = OutboxJob.objects.get(pk=job_id)
        _record(job=job, kind=REQUEUED, from_status=S.RUNNING, reason="lease expired")
        _send_on_commit(job_id)
    return bool(moved)


def _redeliver(*, job_id: int, now: datetime.datetime) -> bool:
    bumped = OutboxJob.objects.filter(pk=job_id, status=S.QUEUED, lease_expires_at__lt=now).update(
        lease_expires_at=now + REDELIVER_AFTER
    )
    if bumped:
        _send_on_commit(job_id)
    return bool(bumped)


def outbox_sweep(*, now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Beat task body (every SWEEP_EVERY seconds): recover jobs whose worker went away and
    messages that never arrived (the skeleton: ``outbox.leases.sweep``).

    - running, lease lapsed, attempts left: back to queued and sent again;
    - running, lease lapsed, no attempts left: failed (``worker_lost``);
    - queued and not picked up by its redelivery time: sent again.
    """
    now = now or timezone.now()
    stale = OutboxJob.objects.filter(status=S.QUEUED, lease_expires_at__lt=now)
    return leases.sweep(
        name="outbox",
        lapsed=OutboxJob.objects.filter(status=S.RUNNING, lease_expires_at__lt=now),
        max_attempts=MAX_ATTEMPTS,
        fail=lambda job_id: _fail_worker_lost(job_id=job_id, now=now),
        requeue=lambda job_id: _requeue(job_id=job_id, now=now),
        due=lambda: ((job_id,) for job_id in stale.values_list("pk", flat=True)),
        redeliver=lambda job_id: _redeliver(job_id=job_id, now=now),
    )
