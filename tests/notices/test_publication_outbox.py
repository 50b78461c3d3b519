"""Publication as an outbox job (issue 13): a lost message or a killed worker never leaves a
requested notice approved for good, and a second run never gives a second number or PDF."""

import datetime
import os

import pytest
from django.core import mail

from cases.models import EmailSent
from notices import workflow
from notices.models import Notice, NoticeCounter, NoticeKind, NoticeSeries, NoticeStatus
from outbox import jobs
from outbox.models import OutboxJob, OutboxStatus

from .conftest import make_case
from .test_workflow import _approved

pytestmark = pytest.mark.django_db
S = NoticeStatus


class Killed(BaseException):
    """Stands for kill -9: no ``except Exception`` cleanup runs, the transaction is rolled back."""


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(jobs, "_send", ids.append)
    return ids


def _request(inspector, reviewer, case, *, kind=NoticeKind.NAMING):
    notice = _approved(inspector, reviewer, case, kind=kind)
    workflow.notice_request_publication(actor=reviewer, notice=notice)  # on-commit send never runs
    return notice, OutboxJob.objects.get(key=workflow.publish_job_key(notice.pk))


def _pdfs(notice) -> list[str]:
    folder = os.path.dirname(Notice._meta.get_field("pdf").storage.path(f"notices/{notice.kind}/x"))
    return sorted(n for n in os.listdir(folder) if n.startswith(f"{notice.pk}-")) if os.path.isdir(folder) else []


def _parts(notice) -> list[str]:
    folder = os.path.dirname(Notice._meta.get_field("pdf").storage.path(f"notices/{notice.kind}/x"))
    return sorted(n for n in os.listdir(folder) if n.startswith(f".{notice.pk}-")) if os.path.isdir(folder) else []


def test_a_lost_publication_message_is_sent_again_and_publishes_once(inspector, reviewer, renderer, frozen, sent):
    notice, job = _request(inspector, reviewer, make_case())
    assert job.status == OutboxStatus.QUEUED and job.payload == {"notice_id": notice.pk, "actor_id": reviewer.pk}
    frozen.tick(jobs.REDELIVER_AFTER + datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["redelivered"] == [job.pk]
    assert jobs.outbox_job_run(job_id=job.pk).status == OutboxStatus.DONE
    notice.refresh_from_db()
    assert notice.status == S.PUBLISHED and (notice.year, notice.batch_number) == (2025, 1)
    # The sweeper's message and the original one both arrive late: nothing runs twice.
    assert jobs.outbox_job_run(job_id=job.pk) is None
    frozen.tick(datetime.timedelta(minutes=5))
    assert jobs.outbox_sweep() == {"failed": [], "requeued": [], "redelivered": []}
    assert len(renderer.documents) == 1
    assert NoticeCounter.objects.get(series=NoticeSeries.APP).yearly == 1


def test_a_kill_after_the_pdf_write_gives_one_pdf_and_one_number(
    inspector, reviewer, renderer, frozen, sent, monkeypatch, django_capture_on_commit_callbacks
):
    notice, job = _request(inspector, reviewer, make_case())

    def die(**kwargs):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(workflow, "_serve_cases", die)  # after numbering and the PDF write, before commit
        with pytest.raises(Killed):
            jobs.outbox_job_run(job_id=job.pk)
    notice.refresh_from_db()
    assert notice.status == S.APPROVED and notice.batch_number is None
    # The dead worker's PDF never reached its final name: only its temporary file is left, for the
    # storage sweep (config.storage: files move into place when their row commits).
    assert _pdfs(notice) == []
    assert _parts(notice)
    assert OutboxJob.objects.get(pk=job.pk).status == OutboxStatus.RUNNING

    frozen.tick(jobs.LEASE + datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["requeued"] == [job.pk]
    with django_capture_on_commit_callbacks(execute=True):  # the commit moves the PDF into place
        assert jobs.outbox_job_run(job_id=job.pk).status == OutboxStatus.DONE
    notice.refresh_from_db()
    assert notice.status == S.PUBLISHED and (notice.batch_number, notice.overall_number) == (1, 1)
    assert _pdfs(notice) == [f"{notice.pk}-v1.pdf"] and notice.pdf.name == f"notices/naming/{notice.pk}-v1.pdf"
    assert notice.pdf.read() == renderer(renderer.documents[-1])
    assert NoticeCounter.objects.get(series=NoticeSeries.APP).yearly == 1


def test_a_kill_after_the_commit_finds_the_work_done(inspector, reviewer, renderer, frozen, sent, monkeypatch):
    notice, job = _request(inspector, reviewer, make_case())

    def die(**kwargs):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "_finish", die)  # published and committed, the job not yet marked done
        with pytest.raises(Killed):
            jobs.outbox_job_run(job_id=job.pk)
    assert Notice.objects.get(pk=notice.pk).status == S.PUBLISHED
    frozen.tick(jobs.LEASE + datetime.timedelta(seconds=1))
    jobs.outbox_sweep()
    job = jobs.outbox_job_run(job_id=job.pk)
    assert (job.status, job.result) == (OutboxStatus.DONE, S.PUBLISHED)
    assert len(renderer.documents) == 1


def test_the_order_email_is_an_outbox_job_of_the_publication(inspector, reviewer, renderer, frozen, sent):
    from cases.models import CaseStatus
    from tests import factories

    case = make_case(CaseStatus.OPEN)
    factories.VendorUserFactory(vendor=case.vendor, email="staff@vendor.test")
    notice, job = _request(inspector, reviewer, case, kind=NoticeKind.ORDER)
    jobs.outbox_job_run(job_id=job.pk)
    email = OutboxJob.objects.get(kind="case.email")
    assert email.key == f"case.email:order_served:{case.pk}:2025-09-26:-"
    assert mail.outbox == []  # the e-mail's own message was lost too
    frozen.tick(jobs.REDELIVER_AFTER + datetime.timedelta(seconds=1))
    assert email.pk in jobs.outbox_sweep()["redelivered"]
    jobs.outbox_job_run(job_id=email.pk)
    jobs.outbox_job_run(job_id=email.pk)
    assert len(mail.outbox) == 1 and EmailSent.objects.filter(case=case, kind="order_served").count() == 1


def test_asking_again_after_a_failed_publication_queues_it_again(inspector, reviewer, renderer, frozen, sent):
    notice, job = _request(inspector, reviewer, make_case())
    renderer_calls = len(renderer.documents)
    OutboxJob.objects.filter(pk=job.pk).update(status=OutboxStatus.FAILED, failure_code="boom")
    workflow.notice_request_publication(actor=reviewer, notice=notice)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.failure_code) == (OutboxStatus.QUEUED, 0, "")
    assert jobs.outbox_job_run(job_id=job.pk).status == OutboxStatus.DONE
    assert Notice.objects.get(pk=notice.pk).status == S.PUBLISHED
    assert len(renderer.documents) == renderer_calls + 1


def test_a_publication_requested_before_the_outbox_is_picked_up_by_the_sweeper(
    inspector, reviewer, renderer, frozen, sent
):
    """notices/migrations/0004_i13_publication_outbox.py: a notice left approved with its request
    date set (its Celery message lost before the upgrade) becomes a due outbox job."""
    from importlib import import_module

    from django.apps import apps

    from notices import events

    notice = _approved(inspector, reviewer, make_case())
    Notice.objects.filter(pk=notice.pk).update(publish_requested_at=notice.approved_at)
    events.record(notice=notice, kind=events.PUBLISH_REQUESTED, actor=reviewer)
    migration = import_module("notices.migrations.0004_i13_publication_outbox")
    migration.forward(apps, None)
    migration.forward(apps, None)  # idempotent
    job = OutboxJob.objects.get()
    assert job.payload == {"notice_id": notice.pk, "actor_id": reviewer.pk}
    frozen.tick(datetime.timedelta(seconds=1))
    assert jobs.outbox_sweep()["redelivered"] == [job.pk]
    jobs.outbox_job_run(job_id=job.pk)
    assert Notice.objects.get(pk=notice.pk).status == S.PUBLISHED
