"""Celery tasks of accounts: the heartbeat the health check reads (thin, one service)."""

from celery import shared_task

from .health import heartbeat_record


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def record_heartbeat() -> None:
    heartbeat_record(name="worker")
