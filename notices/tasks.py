"""Celery tasks for notices: thin, by id, one service each."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError

from .workflow import notice_publish


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=330,
)
def publish_notice(self, notice_id: int, actor_id: int) -> str:
    actor = get_user_model().objects.get(pk=actor_id)
    notice = notice_publish(notice_id=notice_id, actor=actor)
    return notice.status
