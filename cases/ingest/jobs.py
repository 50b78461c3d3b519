"""The scan job state machine: queued → running → succeeded | failed, with leases (ARCHITECTURE.md §6).

PostgreSQL is the record; Redis only carries wake-ups. A job is written with its stored file in the
upload's transaction and the Celery message (the job id only) leaves on commit. A worker *leases*
the job with one conditional UPDATE, so two deliveries of one message never both run it; a short
lease is renewed every few seconds by a thread of the worker while the job's work runs
(``LeaseKeeper``), so a killed worker's lease lapses within ``LEASE``; a beat sweeper (every 15 s)
puts jobs whose lease expired back in the queue, and a job whose worker stopped ``MAX_ATTEMPTS``
times ends failed. Every move writes a ScanJobEvent in
the same transaction. The stored file is kept whatever the outcome.
"""

import datetime
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from accounts.reasons import reason_clean
from accounts.scoping import require_act
from cases import error_codes
from cases.evidence import FileTooLarge, original_name, server_name, sha256_of
from cases.ingest import failures
from cases.models import Finding, FindingStatus, Inspection, ScanJob, ScanJobEvent, ScanStatus
from cases.scanners import base as scanners
from cases.scanners.limits import HEAD_BYTES
from config import queue
from outbox import leases

logger = logging.getLogger(__name__)

S = ScanStatus

# A worker that stopped this many times on one file ends the job (the file is what kills it).
MAX_ATTEMPTS = 3
# Celery limits of the ingest task: the soft one raises inside the job, the hard one kills the process.
SOFT_TIME_LIMIT = 30 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 2 * 60
# A running job's lease is short and renewed every HEARTBEAT_SECONDS while its work runs (reading,
# rules, the saving transaction: ``LeaseKeeper``); a lease that lapses means the worker is gone.
LEASE = datetime.timedelta(seconds=30)
HEARTBEAT_SECONDS = 10.0
# A queued job no worker picked up by then (message lost, Redis down at commit) is sent again; a job
# that keeps waiting (a busy worker) is sent again after 30 s, 1, 2, 4 minutes, then every 5 minutes.
REDELIVER_AFTER = datetime.timedelta(seconds=30)
REDELIVER_MAX = datetime.timedelta(minutes=5)

# Event kinds (constants, like cases.events).
UPLOADED = "uploaded"
STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
REQUEUED = "requeued"
RETRIED = "retried"
WITHDRAWN = "withdrawn"

# Failure codes set here; the ingest adds the ones about the file itself.
WORKER_LOST = failures.WORKER_LOST

MSG_WORKER_LOST = failures.MSG_WORKER_LOST
MSG_NOT_FAILED = _("Only a failed job can be retried; this one is %(status)s.")
MSG_NOT_RETRYABLE = _(
    "Retrying cannot help: the job failed because of the file itself (%(code)s). Correct the file and upload it again."
)
MSG_NEEDS_OTHER_TOOL = _("The same file read the same way would fail again (%(code)s): retry it with another tool.")
MSG_NOT_WITHDRAWABLE = _("Only a finished (succeeded or failed) job can be withdrawn; this one is %(status)s.")
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


def redelivery_delay(redeliveries: int) -> datetime.timedelta:
    """How long a queued job waits before its message is sent (again) after ``redeliveries`` re-sends."""
    return min(REDELIVER_AFTER * 2 ** min(redeliveries, 16), REDELIVER_MAX)


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
    if content_length and content_length.isdecimal() and len(content_length) <= 20:
        check_upload_size(max(int(content_length) - MULTIPART_ALLOWANCE, 0))


def _stored_extension(name: str) -> str:
    ext = PurePath(name).suffix.lower()
    return ext if ext in STORED_EXTENSIONS else ".bin"


def scan_job_create(*, actor, inspection: Inspection, uploaded, tool: str = "") -> tuple[ScanJob, bool]:
    """Store an uploaded scanner output and queue its ingestion. Return (job, created).

    The same file (SHA-256) uploaded again to the same inspection is the same job: it is returned
    as it stands and nothing new is stored or queued. A withdrawn job no longer holds its file: the
    same bytes make a new job (and are parsed again).
    """
    require_act(actor, inspection.authority_id)  # a scan joins another authority's file only where delegated
    check_upload_size(uploaded.size)
    tool = (tool or "").strip().lower()
    if tool and tool not in known_tools():
        raise InvalidInput(
            MSG_UNKNOWN_TOOL % {"tool": tool}, code=error_codes.UNKNOWN_TOOL, tools=sorted(known_tools())
        )
    if tool:
        check_tool_agrees(uploaded, tool=tool)
    digest = sha256_of(uploaded)
    existing = ScanJob.objects.filter(inspection=inspection, sha256=digest).exclude(status=S.WITHDRAWN).first()
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
        lease_expires_at=timezone.now() + redelivery_delay(0),
        created_by=actor,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            # The same file arrived twice at once: the other upload won; drop our copy of the bytes.
            job.file.storage.delete(job.file.name)
            return ScanJob.objects.exclude(status=S.WITHDRAWN).get(inspection=inspection, sha256=digest), False
        _record(job=job, kind=UPLOADED, from_status="", actor=actor, data={"sha256": digest, "size": job.size})
        _enqueue_on_commit(job.pk)
    return job, True


def check_tool_agrees(uploaded, *, tool: str, name: str | None = None) -> None:
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
        detected = scanners.detect(head, name if name is not None else original_name(uploaded))
    except scanners.ScanError:
        return
    raise InvalidInput(
        MSG_WRONG_TOOL
        % {"tool": scanners.registry.display_name(tool), "detected": scanners.registry.display_name(detected)},
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
                redeliveries=0,
                started_at=now,
                finished_at=None,
                progress=0,
                observations=0,
                findings_created=0,
                duplicates=0,
                unmapped=0,
                failure_code="",
                failure_reason="",
                failure_params={},
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
    failure = failures.Failure(WORKER_LOST, {"n": MAX_ATTEMPTS})
    with translation.override(settings.LANGUAGE_CODE):
        reason = failure.reason()
    with transaction.atomic():
        ended = ScanJob.objects.filter(
            pk=job_id, status=S.RUNNING, lease_expires_at__lt=now, attempts__gte=MAX_ATTEMPTS
        ).update(
            status=S.FAILED,
            failure_code=WORKER_LOST,
            failure_reason=reason,
            failure_params=failure.stored_params,
            lease_expires_at=None,
            finished_at=now,
        )
        if ended:
            _record(
                job=ScanJob.objects.get(pk=job_id),
                kind=FAILED,
                from_status=S.RUNNING,
                reason=reason,
                data={"code": WORKER_LOST},
            )
    return bool(ended)


def _owned(job: ScanJob):
    return ScanJob.objects.filter(pk=job.pk, status=S.RUNNING, attempts=job.attempts)


def scan_job_heartbeat(
    *, job: ScanJob, progress: int, observations: int, lease: datetime.timedelta | None = None, tool: str = ""
) -> None:
    """Write progress and renew the lease; raise LeaseLost if this worker no longer holds the job."""
    fields = {
        "progress": max(0, min(progress, 100)),
        "observations": observations,
        "lease_expires_at": timezone.now() + (lease or LEASE),
    }
    if tool and not job.tool:
        fields["tool"] = tool[:32]
    if _owned(job).update(**fields) != 1:
        raise LeaseLost(job.pk)


def scan_job_renew(*, job: ScanJob, lease: datetime.timedelta | None = None) -> None:
    """Renew the lease only (the keeper's tick); raise LeaseLost if this worker no longer holds the job."""
    if _owned(job).update(lease_expires_at=timezone.now() + (lease or LEASE)) != 1:
        raise LeaseLost(job.pk)


def scan_job_check_owned(*, job: ScanJob) -> None:
    """Before saving: check this worker still holds the job (raise LeaseLost otherwise).

    No row lock is taken, so the keeper's renewals go on during the save; the success itself is
    one conditional UPDATE (``scan_job_succeed``) that raises LeaseLost, and so rolls the whole
    save back, if the job moved on meanwhile.
    """
    if not _owned(job).exists():
        raise LeaseLost(job.pk)


class LeaseKeeper(leases.LeaseKeeper):
    """Keep this worker's lease on ``job`` while its work runs: ``outbox.leases.LeaseKeeper``, which
    renews it every ``every`` seconds through a database connection of its own (committed at once),
    whatever the working connection is doing (reading, or inside the saving transaction and its COPY).

    Use it as a context manager around the work. Calling it (``keeper(job=..., progress=...)``)
    writes progress through the same connection (``scan_job_heartbeat``). It stops renewing when
    the work ends (exit) or when a renewal finds the job no longer this worker's: ``lost`` is then
    set and the next call or ``check()`` raises LeaseLost. A worker killed with the job dies with
    its keeper, and the lease lapses within ``LEASE``.
    """

    def __init__(self, job: ScanJob, *, every: float | None = None, lease: datetime.timedelta | None = None):
        self.job = job

        def renew() -> bool:
            scan_job_renew(job=job, lease=lease)  # raises LeaseLost
            return True

        super().__init__(
            renew,
            every=HEARTBEAT_SECONDS if every is None else every,
            name=f"scan-lease-{job.pk}",
            lost_error=LeaseLost,
        )

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(self.job.pk)

    def __call__(self, **kwargs) -> None:
        self.check()
        try:
            self.call(scan_job_heartbeat, **kwargs)
        except LeaseLost:
            self.lose()
            raise


def scan_job_succeed(
    *, job: ScanJob, observations: int, findings_created: int, duplicates: int, unmapped: int, tool: str = ""
) -> ScanJob:
    """Finish the job this worker holds; call inside the transaction that saved its findings.

    Raise LeaseLost (and so roll the save back) if the job is no longer this worker's."""
    now = timezone.now()
    tool = job.tool or tool[:32]
    fields = {
        "status": S.SUCCEEDED,
        "progress": 100,
        "observations": observations,
        "findings_created": findings_created,
        "duplicates": duplicates,
        "unmapped": unmapped,
        "tool": tool,
        "lease_expires_at": None,
        "finished_at": now,
    }
    # Conditional: a worker whose job moved on (lease lapsed, another delivery took it) rolls back.
    if _owned(job).update(**fields) != 1:
        raise LeaseLost(job.pk)
    for name, value in fields.items():
        setattr(job, name, value)
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


def scan_job_fail(*, job: ScanJob, failure: failures.Failure) -> ScanJob | None:
    """End the job this worker holds as failed, with its code, parameters and the reason in the
    default language (pages and the API rebuild it in the reader's). The file stays."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        reason = failure.reason() or failure.detail or failure.code
    with transaction.atomic():
        if (
            _owned(job).update(
                status=S.FAILED,
                failure_code=failure.code[:32],
                failure_reason=reason,
                failure_params=failure.stored_params,
                lease_expires_at=None,
                finished_at=now,
            )
            != 1
        ):
            return None
        job.refresh_from_db()
        _record(job=job, kind=FAILED, from_status=S.RUNNING, reason=reason, data={"code": failure.code})
    return job


def retry_offer(job: ScanJob) -> str:
    """What a retry of this job would need: ``same``, ``other_tool`` or ``none`` (not failed)."""
    if job.status != S.FAILED:
        return failures.RETRY_NONE
    return failures.retry_rule(job.failure_code)


def scan_job_retry(*, actor, job: ScanJob, tool: str = "") -> ScanJob:
    """Queue a failed job again, with the file it keeps; the attempt count starts over.

    Offered only where a retry could succeed (``failures.retry_rule``): the same way after a
    worker loss, a time limit or an unexpected error; with another ``tool`` (case-insensitive,
    checked against the stored file like an upload) when the file was another tool's or not the
    named tool's structure. Anything else answers 409 with a code saying what would help.
    """
    require_act(actor, Inspection.objects.values_list("authority_id", flat=True).get(pk=job.inspection_id))
    tool = (tool or "").strip().lower()
    if tool and tool not in known_tools():
        raise InvalidInput(
            MSG_UNKNOWN_TOOL % {"tool": tool}, code=error_codes.UNKNOWN_TOOL, tools=sorted(known_tools())
        )
    with transaction.atomic():
        locked = ScanJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != S.FAILED:
            raise Conflict(
                MSG_NOT_FAILED % {"status": locked.get_status_display()},
                code=error_codes.SCAN_JOB_NOT_FAILED,
                job_status=locked.status,
            )
        rule = failures.retry_rule(locked.failure_code)
        # Why it failed, in the reader's words and language (the code stays in the error's details).
        why = failures.job_message(locked)
        if rule == failures.RETRY_NONE:
            raise Conflict(
                MSG_NOT_RETRYABLE % {"code": why or locked.failure_code},
                code=error_codes.SCAN_JOB_NOT_RETRYABLE,
                failure_code=locked.failure_code,
            )
        if rule == failures.RETRY_OTHER_TOOL and (not tool or tool == locked.tool):
            raise Conflict(
                MSG_NEEDS_OTHER_TOOL % {"code": why or locked.failure_code},
                code=error_codes.SCAN_JOB_NEEDS_OTHER_TOOL,
                failure_code=locked.failure_code,
                tool=locked.tool,
                tools=sorted(known_tools() - {locked.tool}),
            )
        if tool:
            try:
                stored = locked.file.open("rb")
            except OSError:
                raise Conflict(
                    failures.MSG_FILE_MISSING,
                    code=error_codes.SCAN_JOB_NOT_RETRYABLE,
                    failure_code=failures.FILE_MISSING,
                ) from None
            with stored:
                check_tool_agrees(stored, tool=tool, name=locked.original_name)
        previous = {"code": locked.failure_code, "reason": locked.failure_reason, "tool": locked.tool}
        locked.status = S.QUEUED
        locked.tool = tool or locked.tool
        locked.attempts = 0
        locked.progress = 0
        locked.failure_code = ""
        locked.failure_reason = ""
        locked.failure_params = {}
        locked.started_at = None
        locked.finished_at = None
        locked.lease_expires_at = timezone.now() + redelivery_delay(0)
        locked.redeliveries = 0
        locked.save(
            update_fields=[
                "redeliveries",
                "status",
                "tool",
                "attempts",
                "progress",
                "failure_code",
                "failure_reason",
                "failure_params",
                "started_at",
                "finished_at",
                "lease_expires_at",
            ]
        )
        data = {"previous": previous}
        if tool:
            data["tool"] = tool
        _record(job=locked, kind=RETRIED, from_status=S.FAILED, actor=actor, data=data)
        _enqueue_on_commit(locked.pk)
    return locked


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing a job did to the findings it created."""

    job: ScanJob
    removed: int
    kept_decided: int
    kept_shared: int
    kept_with_evidence: int

    @property
    def kept(self) -> int:
        return self.kept_decided + self.kept_shared + self.kept_with_evidence


def scan_job_withdraw(*, actor, job: ScanJob, reason: str) -> Withdrawal:
    """Withdraw a finished job, with a required reason, audited in the same transaction.

    The job becomes ``withdrawn`` (``withdrawn_at`` set, a ``withdrawn`` event with the actor and
    the reason) and frees its file: the same bytes may be uploaded again and make a new job.

    Findings, the rule kept simple: a finding is removed only if this job created it
    (``scan_job``), it is still a candidate (no person decided it), no evidence file is attached
    to it, and no other job could have merged into it. Ingest merges a later job's observation
    into an existing finding (``occurrences``) without recording which job it came from, so a
    candidate is *shared* (kept) when another job of the inspection that still stands (succeeded,
    not withdrawn) finished after this one and merged at least one candidate (``duplicates`` > 0):
    removing it could lose what that job saw. Confirmed and dismissed findings are never removed.
    Findings of earlier jobs this job merged into keep their occurrence count (it is not known
    per job). The answer says how many were removed and why the others were kept.
    """
    require_act(actor, Inspection.objects.values_list("authority_id", flat=True).get(pk=job.inspection_id))
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = ScanJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (S.SUCCEEDED, S.FAILED):
            raise Conflict(
                MSG_NOT_WITHDRAWABLE % {"status": locked.get_status_display()},
                code=error_codes.SCAN_JOB_NOT_WITHDRAWABLE,
                job_status=locked.status,
            )
        # Serialise with ingests saving into the same inspection (cases.ingest.store).
        list(Inspection.objects.select_for_update(no_key=True).filter(pk=locked.inspection_id).values_list("pk"))
        created = Finding.objects.filter(scan_job=locked)
        decided = created.exclude(status=FindingStatus.CANDIDATE).count()
        candidates = created.filter(status=FindingStatus.CANDIDATE)
        with_evidence = candidates.filter(evidence_files__isnull=False).distinct()
        kept_with_evidence = with_evidence.count()
        candidates = candidates.exclude(pk__in=with_evidence.values("pk"))
        later_mergers = ScanJob.objects.filter(
            inspection_id=locked.inspection_id, status=S.SUCCEEDED, duplicates__gt=0
        ).exclude(pk=locked.pk)
        if locked.finished_at is not None:
            later_mergers = later_mergers.filter(finished_at__gt=locked.finished_at)
        if later_mergers.exists():
            kept_shared, removed = candidates.count(), 0
        else:
            kept_shared = 0
            removed, _by_model = candidates.delete()
        from_status = locked.status
        locked.status = S.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.lease_expires_at = None
        locked.save(update_fields=["status", "withdrawn_at", "lease_expires_at"])
        _record(
            job=locked,
            kind=WITHDRAWN,
            from_status=from_status,
            actor=actor,
            reason=reason,
            data={
                "removed": removed,
                "kept_decided": decided,
                "kept_shared": kept_shared,
                "kept_with_evidence": kept_with_evidence,
            },
        )
    return Withdrawal(
        job=locked,
        removed=removed,
        kept_decided=decided,
        kept_shared=kept_shared,
        kept_with_evidence=kept_with_evidence,
    )


def broker_queue_empty() -> bool:
    """Whether the broker's queue of ingest messages holds none (False when it cannot tell, or eager)."""
    app = queue.app
    if app.conf.task_always_eager:
        return False
    name = app.conf.task_default_queue
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            _name, messages, _consumers = conn.default_channel.queue_declare(
                queue=name, durable=True, auto_delete=False
            )
    except Exception:
        logger.warning("scan job sweep: the broker's queue could not be read", exc_info=True)
        return False
    return messages == 0


def _requeue(*, job_id: int, now: datetime.datetime) -> bool:
    moved = ScanJob.objects.filter(
        pk=job_id, status=S.RUNNING, lease_expires_at__lt=now, attempts__lt=MAX_ATTEMPTS
    ).update(status=S.QUEUED, lease_expires_at=now + redelivery_delay(0), redeliveries=0)
    if moved:
        job = ScanJob.objects.get(pk=job_id)
        _record(job=job, kind=REQUEUED, from_status=S.RUNNING, reason="lease expired")
        _enqueue_on_commit(job_id)
    return bool(moved)


def _due(now: datetime.datetime) -> list[tuple[int, int, datetime.datetime | None]]:
    """The queued jobs to send again: (id, redeliveries, next send time as stored)."""
    stale = ScanJob.objects.filter(Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True), status=S.QUEUED)
    due = list(stale.values_list("pk", "redeliveries", "lease_expires_at"))
    # Jobs still in their backoff are re-sent anyway when the broker's queue is empty: nothing can be
    # waiting for them there, so their messages were lost (Redis restarted or flushed).
    waiting = ScanJob.objects.filter(status=S.QUEUED, lease_expires_at__gte=now)
    if waiting.exists() and broker_queue_empty():
        for job_id, redeliveries, next_at in waiting.values_list("pk", "redeliveries", "lease_expires_at"):
            if now - (next_at - redelivery_delay(redeliveries)) >= REDELIVER_AFTER:
                due.append((job_id, redeliveries, next_at))
    return due


def _redeliver(job_id: int, redeliveries: int, next_at: datetime.datetime | None, *, now: datetime.datetime) -> bool:
    bumped = ScanJob.objects.filter(
        pk=job_id, status=S.QUEUED, redeliveries=redeliveries, lease_expires_at=next_at
    ).update(lease_expires_at=now + redelivery_delay(redeliveries + 1), redeliveries=redeliveries + 1)
    if bumped:
        _enqueue_on_commit(job_id)
    return bool(bumped)


def scan_jobs_sweep(*, now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Beat task body: recover jobs whose worker went away and messages that never arrived (the
    skeleton: ``outbox.leases.sweep``).

    - running, lease lapsed, attempts left: back to queued and sent again;
    - running, lease lapsed, no attempts left: failed ("the worker stopped N times");
    - queued and not picked up by its redelivery time: sent again, the next time after twice the
      wait (``redelivery_delay``), so a job merely waiting behind others is not re-sent endlessly;
      sent again at once, whatever the pause, when it was last sent REDELIVER_AFTER ago or more and
      the broker's queue is empty (its message was lost).
    """
    now = now or timezone.now()
    return leases.sweep(
        name="scan job",
        lapsed=ScanJob.objects.filter(status=S.RUNNING, lease_expires_at__lt=now),
        max_attempts=MAX_ATTEMPTS,
        fail=lambda job_id: _fail_if_worker_lost(job_id=job_id, now=now),
        requeue=lambda job_id: _requeue(job_id=job_id, now=now),
        due=lambda: _due(now),
        redeliver=partial(_redeliver, now=now),
    )
