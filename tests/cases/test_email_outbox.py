"""Case e-mails as outbox jobs (issue 13): a lost message or a mail server that is down loses
no e-mail, and none goes twice (the EmailSent key)."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from freezegun import freeze_time

from cases import notifications
from cases.models import EmailSent
from outbox import jobs
from outbox.models import OutboxJob, OutboxStatus
from tests import factories

from .served import served_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    case = served_case()
    factories.VendorUserFactory(vendor=case.vendor, email="staff@vendor.test")
    return case


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(jobs, "_send", ids.append)
    return ids


@pytest.fixture
def clock():
    with freeze_time("2025-09-26 02:00:00") as frozen:
        yield frozen


def test_an_email_whose_message_is_lost_is_sent_once(case, sent, clock):
    notifications.case_email_enqueue(kind=notifications.DEADLINE_MOVED, case=case)
    notifications.case_email_enqueue(kind=notifications.DEADLINE_MOVED, case=case)  # asked twice: one job
    job = OutboxJob.objects.get()
    assert job.key == f"case.email:{notifications.email_key(kind=notifications.DEADLINE_MOVED, case=case)}"
    clock.tick(jobs.REDELIVER_AFTER + datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["redelivered"] == [job.pk]
    assert jobs.outbox_job_run(job_id=job.pk).status == OutboxStatus.DONE
    assert jobs.outbox_job_run(job_id=job.pk) is None
    assert len(mail.outbox) == 1 and EmailSent.objects.filter(case=case).count() == 1


def test_a_killed_worker_after_the_send_does_not_send_twice(case, sent, clock, monkeypatch):
    notifications.case_email_enqueue(kind=notifications.DEADLINE_MOVED, case=case)
    job = OutboxJob.objects.get()
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "_finish", lambda **kw: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            jobs.outbox_job_run(job_id=job.pk)
    clock.tick(jobs.LEASE + datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["requeued"] == [job.pk]
    job = jobs.outbox_job_run(job_id=job.pk)
    assert (job.status, job.result) == (OutboxStatus.DONE, False)  # the key was there: nothing sent
    assert len(mail.outbox) == 1


def test_a_mail_server_that_is_down_is_retried_until_it_answers(case, sent, clock, monkeypatch):
    notifications.case_email_enqueue(kind=notifications.DEADLINE_MOVED, case=case)
    job = OutboxJob.objects.get()

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", refuse)
        job = jobs.outbox_job_run(job_id=job.pk)
    assert job.status == OutboxStatus.QUEUED and EmailSent.objects.count() == 0
    clock.tick(jobs.RETRY_BASE + datetime.timedelta(seconds=1))
    assert job.pk in jobs.outbox_sweep()["redelivered"]
    assert jobs.outbox_job_run(job_id=job.pk).status == OutboxStatus.DONE
    assert len(mail.outbox) == 1
