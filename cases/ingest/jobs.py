"""The scan job state machine: queued → running → succeeded | failed, with leases (ARCHITECTURE.md §6).

PostgreSQL is the record; Redis only carries wake-ups. A job is written with its stored file in the
upload's transaction and the Celery message (the job id only) leaves on commit. A worker *leases*
the job with one conditional UPDATE, so two deliveries of one message never both run it; it renews
the lease as it makes progress; a beat sweeper puts jobs whose lease expired back in the queue, and
a job whose worker stopped ``MAX_ATTEMPTS`` times ends failed. Every move writes a ScanJobEvent in
the same transaction. The stored file is kept whatever the outcome.
"""

import datetime
import logging
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from cases import error_codes
from cases.evidence import FileTooLarge, original_name, server_name, sha256_of
from cases.models import Inspection, ScanJob, ScanJobEvent, ScanStatus
from cases.scanners import base as scanners
from cases.scanners.limits import HEAD_BYTES
from config import queue

logger = logging.getLogger(__name__)

S = ScanStatus

# A worker that stopped this many times on one file ends the job (the file is what kills it).
MAX_ATTEMPTS = 3
# Celery limits of the ingest task: the soft one raises inside the job, the hard one kills the process.
SOFT_TIME_LIMIT = 30 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 2 * 60
# A running job renews its lease as it reads; a lease that lapses means the worker is gone.
LEASE = datetime.timedelta(minutes=5)
# Saving the findings is one transaction that cannot renew the lease: it may use the rest of the time.
APPLY_LEASE = datetime.timedelta(seconds=TIME_LIMIT)
# A queued job no worker picked up by then (message lost, Redis down at commit) is sent again.
REDELIVER_AFTER = datetime.timedelta(minutes=10)

# Event kinds (constants, like cases.events).
UPLOADED = "uploaded"
STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
REQUEUED = "requeued"
RETRIED = "retried"

# Failure codes set here; the ingest adds the ones about the file itself.
WORKER_LOST = "worker_lost"

MSG_WORKER_LOST = _("The worker stopped %(n)s times while processing this file.")
MSG_NOT_FAILED = _("Only a failed job can be retried; this one is %(status)s.")
MSG_TOO_LARGE = _("The file is larger than %(max)s MB.")
MSG_UNKNOWN_TOOL = _("Unknown scanner “%(tool)s”.")
MSG_WRONG_TOOL = _(
    "This file is a %(detected)s output, not %(tool)s: upload it as %(detected)s, or leave the tool empty."
)

# Multipart framing allowed on top of the file in an upload request's Content-Length.
MULTIPART_ALLOWANCE = 64 * 1024
# Extensions kept on the stored file; anything else is stored as .bin. The base name is random.
STORED_EXTENSIONS = frozenset(
    {".json", ".har", ".sarif", ".xml", ".log", ".txt", ".csv", ".tsv", ".jsonl", ".xls", ".xlsx", ".zip"}
)


class LeaseLost(Exception):
    """This worker no longer holds the job (its lease lapsed and the job moved on): stop quietly."""


def _record(*, job: ScanJob, kind: str, from_status: str, actor=None, reason: str = "", data=None) -> None:
    ScanJobEvent.objects.create(
        job=job,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=job.status,
        attempt=job.attempts,
        reason=reason,
        data=data or {},
    )


INGEST_TASK = "cases.tasks.ingest_scan"


def _enqueue(job_id: int) -> None:
    queue.send(INGEST_TASK, job_id)


def _enqueue_on_commit(job_id: int) -> None:
    # robust: a broker that is down must not turn a committed upload into an error; the sweeper
    # sends the message again once REDELIVER_AFTER has passed.
    transaction.on_commit(partial(_enqueue, job_id), robust=True)


def check_upload_size(size: int | None) -> None:
    """Refuse a file over ``MAX_UPLOAD_BYTES`` (413) before anything is stored."""
    limit = settings.MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        raise FileTooLarge(MSG_TOO_LARGE % {"max": limit // (1024 * 1024)}, max_bytes=limit)


def check_declared_length(content_length: str | None) -> None:
    """Refuse an upload request by its Content-Length, before its body is read (413).

    The body also holds the multipart framing (boundaries, part headers, the tool field), hence
    the allowance; the file's own size is checked again once it is read.
    """
    if content_length and content_length.isdigit():
        check_upload_size(max(int(content_length) - MULTIPART_ALLOWANCE, 0))


def _stored_extension(name: str) -> str:
    ext = PurePath(name).suffix.lower()
    return ext if ext in STORED_EXTENSIONS else ".bin"


def scan_job_create(*, actor, inspection: Inspection, uploaded, tool: str = "") -> tuple[ScanJob, bool]:
    """Store an uploaded scanner output and queue its ingestion. Return (job, created).

    The same file (SHA-256) uploaded again to the same inspection is the same job: it is returned
    as it stands and nothing new is stored or queued.
    """
    check_upload_size(uploaded.size)
    tool = (tool or "").strip().lower()
    if tool and tool not in known_tools():
        raise InvalidInput(
            MSG_UNKNOWN_TOOL % {"tool": tool}, code=error_codes.UNKNOWN_TOOL, tools=sorted(known_tools())
        )
    if tool:
        check_tool_agrees(uploaded, tool=tool)
    digest = sha256_of(uploaded)
    existing = ScanJob.objects.filter(inspection=inspection, sha256=digest).first()
    if existing is not None:
        return existing, False
    name = original_name(uploaded)
    job = ScanJob(
        inspection=inspection,
        file=File(uploaded, name=server_name(_stored_extension(name))),
        original_name=name,
        sha256=digest,
        size=uploaded.size,
        tool=tool,
        status=S.QUEUED,
        lease_expires_at=timezone.now() + REDELIVER_AFTER,
        created_by=actor,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            # The same file arrived twice at once: the other upload won; drop our copy of the bytes.
            job.file.storage.delete(job.file.name)
            return ScanJob.objects.get(inspection=inspection, sha256=digest), False
        _record(job=job, kind=UPLOADED, from_status="", actor=actor, data={"sha256": digest, "size": job.size})
        _enqueue_on_commit(job.pk)
    return job, True


def check_tool_agrees(uploaded, *, tool: str) -> None:
    """Refuse (400 ``wrong_tool``) a named tool when the file's first bytes are another tool's format.

    Detection and the named tool use the same signatures (each parser's ``sniff``). A file that no
    signature recognises keeps the named tool: its parser checks the structure when it reads.
    """
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    if scanners.get(tool).sniff(head):
        return
    try:
        detected = scanners.detect(head, original_name(uploaded))
    except scanners.ScanError:
        return
    raise InvalidInput(
        MSG_WRONG_TOOL % {"tool": tool, "detected": detected},
        code=error_codes.WRONG_TOOL,
        tool=tool,
        detected=detected,
    )


def known_tools() -> frozenset[str]:
    """Names of the registered scanner parsers (what ``tool`` may say)."""
    return frozenset(scanners.registry.names())


def _leasable(now: datetime.datetime) -> Q:
    return Q(status=S.QUEUED) | Q(status=S.RUNNING, lease_expires_at__lt=now, attempts__lt=MAX_ATTEMPTS)


def scan_job_lease(*, job_id: int) -> ScanJob | None:
    """Take the job for this worker, or answer None if another worker holds it or it is finished.

    One conditional UPDATE decides: of two deliveries of the same message, one changes the row
    and the other changes nothing. A lapsed lease on the last allowed attempt fails the job instead.
    """
    now = timezone.now()
    with transaction.atomic():
        before = ScanJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        taken = (
            ScanJob.objects.filter(_leasable(now), pk=job_id).update(
                status=S.RUNNING,
                attempts=F("attempts") + 1,
                lease_expires_at=now + LEASE,
                started_at=now,
                finished_at=None,
                progress=0,
                observations=0,
                findings_created=0,
                duplicates=0,
                unmapped=0,
                failure_code="",
                failure_reason="",
            )
            == 1
        )
        if taken:
            job = ScanJob.objects.select_related("inspection").get(pk=job_id)
            _record(job=job, kind=STARTED, from_status=before or "")
            return job
    _fail_if_worker_lost(job_id=job_id, now=now)
    return None


def _fail_if_worker_lost(*, job_id: int, now: datetime.datetime) -> bool:
    """End a job whose lease lapsed on its last allowed attempt. Answer whether it did."""
    reason = str(MSG_WORKER_LOST % {"n": MAX_ATTEMPTS})
    with transaction.atomic():
        ended = ScanJob.objects.filter(
            pk=job_id, status=S.RUNNING, lease_expires_at__lt=now, attempts__gte=MAX_ATTEMPTS
        ).update(
            status=S.FAILED,
            failure_code=WORKER_LOST,
            failure_reason=reason,
            lease_expires_at=None,
            finished_at=now,
        )
        if ended:
            _record(job=ScanJob.objects.get(pk=job_id), kind=FAILED, from_status=S.RUNNING, reason=reason)
    return bool(ended)


def _owned(job: ScanJob):
    return ScanJob.objects.filter(pk=job.pk, status=S.RUNNING, attempts=job.attempts)


def scan_job_heartbeat(
    *, job: ScanJob, progress: int, observations: int, lease: datetime.timedelta = LEASE, tool: str = ""
) -> None:
    """Write progress and renew the lease; raise LeaseLost if this worker no longer holds the job."""
    fields = {
        "progress": max(0, min(progress, 100)),
        "observations": observations,
        "lease_expires_at": timezone.now() + lease,
    }
    if tool and not job.tool:
        fields["tool"] = tool[:32]
    if _owned(job).update(**fields) != 1:
        raise LeaseLost(job.pk)


def scan_job_lock_owned(*, job: ScanJob) -> ScanJob:
    """Inside the saving transaction: lock the row and check this worker still holds the job."""
    locked = _owned(job).select_for_update().first()
    if locked is None:
        raise LeaseLost(job.pk)
    return locked


def scan_job_succeed(
    *, job: ScanJob, observations: int, findings_created: int, duplicates: int, unmapped: int, tool: str = ""
) -> ScanJob:
    """Finish the job; call inside the transaction that saved its findings, after scan_job_lock_owned."""
    now = timezone.now()
    job.status = S.SUCCEEDED
    job.progress = 100
    job.observations = observations
    job.findings_created = findings_created
    job.duplicates = duplicates
    job.unmapped = unmapped
    job.tool = job.tool or tool[:32]
    job.lease_expires_at = None
    job.finished_at = now
    job.save(
        update_fields=[
            "status",
            "progress",
            "observations",
            "findings_created",
            "duplicates",
            "unmapped",
            "tool",
            "lease_expires_at",
            "finished_at",
        ]
    )
    _record(
        job=job,
        kind=SUCCEEDED,
        from_status=S.RUNNING,
        data={
            "observations": observations,
            "findings_created": findings_created,
            "duplicates": duplicates,
            "unmapped": unmapped,
        },
    )
    return job


def scan_job_fail(*, job: ScanJob, code: str, reason: str) -> ScanJob | None:
    """End the job this worker holds as failed, with a reason a person can act on. The file stays."""
    now = timezone.now()
    with transaction.atomic():
        if (
            _owned(job).update(
                status=S.FAILED,
                failure_code=code[:32],
                failure_reason=reason,
                lease_expires_at=None,
                finished_at=now,
            )
            != 1
        ):
            return None
        job.refresh_from_db()
        _record(job=job, kind=FAILED, from_status=S.RUNNING, reason=reason, data={"code": code})
    return job


def scan_job_retry(*, actor, job: ScanJob) -> ScanJob:
    """Queue a failed job again, with the file it keeps; the attempt count starts over."""
    with transaction.atomic():
        locked = ScanJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != S.FAILED:
            raise Conflict(
                MSG_NOT_FAILED % {"status": locked.get_status_display()},
                code=error_codes.SCAN_JOB_NOT_FAILED,
                job_status=locked.status,
            )
        previous = {"code": locked.failure_code, "reason": locked.failure_reason}
        locked.status = S.QUEUED
        locked.attempts = 0
        locked.progress = 0
        locked.failure_code = ""
        locked.failure_reason = ""
        locked.started_at = None
        locked.finished_at = None
        locked.lease_expires_at = timezone.now() + REDELIVER_AFTER
        locked.save(
            update_fields=[
                "status",
                "attempts",
                "progress",
                "failure_code",
                "failure_reason",
                "started_at",
                "finished_at",
                "lease_expires_at",
            ]
        )
        _record(job=locked, kind=RETRIED, from_status=S.FAILED, actor=actor, data={"previous": previous})
        _enqueue_on_commit(locked.pk)
    return locked


def scan_jobs_sweep(*, now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Beat task body: recover jobs whose worker went away and messages that never arrived.

    - running, lease lapsed, attempts left: back to queued and sent again;
    - running, lease lapsed, no attempts left: failed ("the worker stopped N times");
    - queued and not picked up by its redelivery time: sent again.
    """
    now = now or timezone.now()
    result: dict[str, list[int]] = {"failed": [], "requeued": [], "redelivered": []}
    lapsed = ScanJob.objects.filter(status=S.RUNNING, lease_expires_at__lt=now)
    for job_id in lapsed.filter(attempts__gte=MAX_ATTEMPTS).values_list("pk", flat=True):
        if _fail_if_worker_lost(job_id=job_id, now=now):
            result["failed"].append(job_id)
    for job_id in lapsed.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True):
        with transaction.atomic():
            moved = ScanJob.objects.filter(
                pk=job_id, status=S.RUNNING, lease_expires_at__lt=now, attempts__lt=MAX_ATTEMPTS
            ).update(status=S.QUEUED, lease_expires_at=now + REDELIVER_AFTER)
            if moved:
                job = ScanJob.objects.get(pk=job_id)
                _record(job=job, kind=REQUEUED, from_status=S.RUNNING, reason="lease expired")
                _enqueue_on_commit(job_id)
                result["requeued"].append(job_id)
    stale = ScanJob.objects.filter(Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True), status=S.QUEUED)
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            bumped = (
                ScanJob.objects.filter(pk=job_id, status=S.QUEUED)
                .filter(Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
                .update(lease_expires_at=now + REDELIVER_AFTER)
            )
            if bumped:
                _enqueue_on_commit(job_id)
                result["redelivered"].append(job_id)
    if any(result.values()):
        logger.info("scan job sweep: %s", result)
    return result
