"""A publication on a full or read-only file store: nothing published, no partial PDF left, the
notice still approved and its numbers given back (issue 13: "Storage faults answer a bare 500").

The worker's retry of such a publication belongs to the outbox (notices/tasks.py); here the web
side: the request that asks for the publication answers without a 500.
"""

import errno

import pytest

from notices import services, workflow
from notices.models import Notice, NoticeCounter, NoticeSeries, NoticeStatus
from tests.config.test_faults import failing_storage, stored_files

from .conftest import make_case

pytestmark = pytest.mark.django_db


def _approved(inspector, reviewer):
    notice = services.notice_draft(actor=inspector, kind="naming", case_ids=[make_case().pk])
    return workflow.notice_approve(actor=reviewer, notice=notice)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_publication_on_a_faulty_store_leaves_no_pdf_and_publishes_nothing(
    monkeypatch, settings, inspector, reviewer, renderer, frozen, code
):
    notice = _approved(inspector, reviewer)
    failing_storage(monkeypatch, code)
    with pytest.raises(OSError):
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.APPROVED and not notice.pdf
    assert NoticeCounter.objects.get(series=NoticeSeries.APP).overall == 0
    assert stored_files(settings.MEDIA_ROOT) == []


def test_asking_for_a_publication_on_a_full_store_is_no_500(
    monkeypatch, settings, api_client, inspector, reviewer, renderer, frozen, django_capture_on_commit_callbacks
):
    notice = _approved(inspector, reviewer)
    failing_storage(monkeypatch, errno.ENOSPC)
    api_client.force_authenticate(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/notices/{notice.pk}/publish/")
    assert response.status_code == 202  # queued; the failed run is recorded on the notice
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.APPROVED
    assert [f for f in stored_files(settings.MEDIA_ROOT) if f.endswith(".pdf")] == []
