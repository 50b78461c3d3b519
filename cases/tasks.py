"""Celery tasks of the cases app. Thin: work out the arguments, call one service."""

import smtplib

from celery import shared_task
from django.utils import timezone

from cases import ingest, notifications, transfers
from cases.clock import marks, reminders, upkeep
from cases.ingest import jobs
from config import storage
from outbox import handlers


@shared_task
def mark_overdue_cases() -> list[int]:
    """Hourly (CELERY_BEAT_SCHEDULE): move cases whose deadline passed to overdue.

    "Today" is the date in the regulator's zone (TIME_ZONE, Asia/Shanghai), not the server's.
    """
    return marks.cases_mark_overdue(today=timezone.localdate())


@shared_task
def run_deadline_clock() -> dict[str, list[int]]:
    """Hourly, after the overdue marks: order emails, reminders two working days before a deadline,
    naming and removal proposals. Idempotent: running it twice, or late, sends and proposes once."""
    return reminders.clock_run(today=timezone.localdate())


@shared_task(autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=300, max_retries=5)
def warn_calendar_cliff() -> bool:
    """Daily (CELERY_BEAT_SCHEDULE): from 1 November while next year's calendar is unknown, e-mail
    the administrators, once a day however often it runs."""
    return upkeep.calendar_alert_admins(today=timezone.localdate())


@handlers.register(notifications.EMAIL_JOB)
def send_case_email_job(*, kind: str, case_id: int, obj_id: int | None = None) -> bool:
    """Outbox handler of ``case.email``: send one email about a case, once per dedup key
    (``EmailSent``); a mail server that fails is retried by the outbox."""
    return notifications.case_email_dispatch(kind=kind, case_id=case_id, obj_id=obj_id)


@handlers.register(transfers.TRANSFER_EMAIL_JOB)
def send_case_transfer_email_job(*, case_id: int, event_id: int) -> bool:
    """Outbox handler of ``case.transfer_email``: tell both authorities, once per transfer."""
    return transfers.case_transfer_email_send(case_id=case_id, event_id=event_id)


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_case_email(kind: str, case_id: int, obj_id: int | None = None) -> bool:
    """Messages queued before the outbox (e-mails now run as ``outbox.tasks.run_outbox_job``)."""
    return send_case_email_job(kind=kind, case_id=case_id, obj_id=obj_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=jobs.SOFT_TIME_LIMIT,
    time_limit=jobs.TIME_LIMIT,
    ignore_result=True,
)
def ingest_scan(job_id: int) -> str | None:
    """Ingest one uploaded scanner output. The message carries only the job id; the row holds the
    state, so a second delivery finds the job leased (or finished) and does nothing."""
    job = ingest.scan_job_process(job_id=job_id)
    return job.status if job else None


@shared_task(ignore_result=True)
def sweep_scan_jobs() -> dict[str, list[int]]:
    """Every 15 seconds (CELERY_BEAT_SCHEDULE): re-send jobs whose worker went away or whose message
    was lost; fail those whose worker stopped too often."""
    return jobs.scan_jobs_sweep()


@shared_task(ignore_result=True)
def sweep_storage() -> dict:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): remove stored files no row points to, past the
    grace period, and report them (config/storage.py)."""
    return storage.storage_sweep().as_dict()
