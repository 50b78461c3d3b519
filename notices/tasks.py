"""Celery tasks and outbox handlers for notices: thin, by id, one service each."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError

from outbox import handlers

from .sdk_letters import SEND_JOB as SDK_LETTER_JOB
from .sdk_letters import sdk_letter_send
from .workflow import PUBLISH_JOB, notice_publish


@handlers.register(PUBLISH_JOB)
def publish_notice_job(*, notice_id: int, actor_id: int) -> str:
    """Outbox handler of ``notice.publish``: idempotent, a published notice is returned as it is."""
    actor = get_user_model().objects.get(pk=actor_id)
    return notice_publish(notice_id=notice_id, actor=actor).status


@handlers.register(SDK_LETTER_JOB, atomic=True)
def send_sdk_letter_job(*, letter_id: int) -> str:
    """Outbox handler of ``sdk.letter``: draws, stores and e-mails one letter; a sent one stays sent."""
    return sdk_letter_send(letter_id=letter_id)


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=330,
)
def publish_notice(self, notice_id: int, actor_id: int) -> str:
    """Messages queued before the outbox (publications now run as ``outbox.tasks.run_outbox_job``)."""
    return publish_notice_job(notice_id=notice_id, actor_id=actor_id)
