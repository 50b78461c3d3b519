"""The invitation e-mail is an outbox job (issue 13): sent after commit, once, and not lost with a
Redis message or a mail server that is down."""

import datetime
import re
import smtplib

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from freezegun import freeze_time

from outbox import jobs
from outbox.models import OutboxJob, OutboxStatus
from products import memberships
from products.models import VendorMembership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor_admin():
    user = factories.VendorUserFactory(username="acme-it", email="it@acme.test")
    VendorMembership.objects.filter(user=user).update(is_vendor_admin=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def clock():
    with freeze_time("2025-09-26 02:00:00") as frozen:
        yield frozen


def test_the_invitation_goes_after_commit_through_the_outbox(vendor_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = memberships.membership_invite(actor=vendor_admin, email="c@acme.test")
        assert mail.outbox == []
    [message] = mail.outbox
    assert message.to == ["c@acme.test"]
    # The link's token carries its second: check it rather than compare with one made later.
    uid, token = re.search(r"/portal/invitation/([^/]+)/([^/]+)/", message.body).groups()
    assert memberships.invitation_path(membership.user).startswith(f"/portal/invitation/{uid}/")
    assert default_token_generator.check_token(membership.user, token)
    job = OutboxJob.objects.get(key=f"vendor.invitation:{membership.pk}")
    assert (job.status, job.result) == (OutboxStatus.DONE, True)


def test_a_lost_invitation_is_sent_once_when_the_mail_server_answers(vendor_admin, clock, monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(jobs, "_send", sent.append)
    membership = memberships.membership_invite(actor=vendor_admin, email="c@acme.test")
    job = OutboxJob.objects.get(key=f"vendor.invitation:{membership.pk}")

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("down")

    clock.tick(jobs.REDELIVER_AFTER + datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["redelivered"] == [job.pk]
    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", refuse)
        assert jobs.outbox_job_run(job_id=job.pk).status == OutboxStatus.QUEUED
    clock.tick(jobs.RETRY_BASE + datetime.timedelta(seconds=1))
    jobs.outbox_sweep()
    assert jobs.outbox_job_run(job_id=job.pk).status == OutboxStatus.DONE
    assert jobs.outbox_job_run(job_id=job.pk) is None
    assert len(mail.outbox) == 1
