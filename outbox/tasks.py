"""Celery tasks of the outbox: thin, by id."""

from celery import shared_task

from . import jobs


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=jobs.SOFT_TIME_LIMIT,
    time_limit=jobs.TIME_LIMIT,
    ignore_result=True,
)
def run_outbox_job(job_id: int) -> str | None:
    """Run one outbox job. The message carries only the id; the row holds the state, so a second
    delivery finds the job leased (or done) and does nothing."""
    job = jobs.outbox_job_run(job_id=job_id)
    return job.status if job else None


@shared_task(ignore_result=True)
def sweep_outbox() -> dict[str, list[int]]:
    """Every 15 s (CELERY_BEAT_SCHEDULE): send again the jobs whose worker went away or whose
    message was lost; fail those whose worker stopped too often."""
    return jobs.outbox_sweep()
