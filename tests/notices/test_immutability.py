"""The database refuses to change what was said (migration 0002)."""

import pytest
from django.db import InternalError, ProgrammingError, connection, transaction

from notices import services, workflow
from notices.models import Notice, NoticeEntry, NoticeEvent, NoticeItem, NoticeKind, NoticeStatus

from .conftest import make_case

pytestmark = pytest.mark.django_db
REFUSED = (ProgrammingError, InternalError)


@pytest.fixture
def published(inspector, reviewer, renderer, frozen):
    draft = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    workflow.notice_approve(actor=reviewer, notice=draft)
    return workflow.notice_publish(notice_id=draft.pk, actor=reviewer)


def _sql(statement: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _refused(fn):
    with pytest.raises(REFUSED) as err, transaction.atomic():
        fn()
    return str(err.value)


def test_a_published_notice_cannot_be_edited_or_deleted(published):
    assert "immutable" in _refused(lambda: Notice.objects.filter(pk=published.pk).update(title="改"))
    assert "immutable" in _refused(lambda: Notice.objects.filter(pk=published.pk).update(pdf_sha256="0" * 64))
    assert "immutable" in _refused(lambda: Notice.objects.filter(pk=published.pk).update(status=NoticeStatus.DRAFT))
    assert "immutable" in _refused(lambda: _sql("DELETE FROM notices_notice WHERE id = %s", published.pk))
    published.refresh_from_db()
    assert published.title == "关于侵害用户权益行为的APP（SDK）通报"


def test_superseding_may_change_the_status_only(published):
    assert "immutable" in _refused(
        lambda: Notice.objects.filter(pk=published.pk).update(status=NoticeStatus.SUPERSEDED, title="改")
    )
    with transaction.atomic():
        Notice.objects.filter(pk=published.pk).update(status=NoticeStatus.SUPERSEDED)
    published.refresh_from_db()
    assert published.status == NoticeStatus.SUPERSEDED
    assert "immutable" in _refused(lambda: Notice.objects.filter(pk=published.pk).update(status=NoticeStatus.PUBLISHED))


def test_rows_of_a_published_notice_cannot_change(published):
    entry = published.entries.get()
    assert "immutable" in _refused(lambda: NoticeEntry.objects.filter(pk=entry.pk).update(name="改"))
    assert "immutable" in _refused(lambda: NoticeEntry.objects.filter(pk=entry.pk).delete())
    assert "immutable" in _refused(
        lambda: NoticeEntry.objects.create(
            notice=published, position=2, seq=2, case=entry.case, name="x", developer="y", issues="z"
        )
    )
    assert "immutable" in _refused(
        lambda: NoticeItem.objects.create(
            notice=published,
            position=1,
            violation_code="PI-01",
            violation_name="x",
            legal_basis="y",
            evidence_summary="z",
        )
    )


def test_events_are_append_only(published):
    event = NoticeEvent.objects.filter(notice=published).first()
    assert "append-only" in _refused(lambda: NoticeEvent.objects.filter(pk=event.pk).update(reason="改"))
    assert "append-only" in _refused(lambda: NoticeEvent.objects.filter(pk=event.pk).delete())


def test_drafts_stay_editable_in_the_database(inspector):
    draft = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    NoticeEntry.objects.filter(notice=draft).update(name="草稿可改")
    assert draft.entries.get().name == "草稿可改"
