"""Numbers are allocated atomically at publication: no gaps, no duplicates, even at once."""

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.models import Authority
from accounts.roles import Role
from notices import numbering, rendering, services, workflow
from notices.models import Notice, NoticeCounter, NoticeKind, NoticeSeries, NoticeStatus
from tests import factories

from .conftest import RecordingRenderer, ensure_reference_data, make_case


def test_doc_number_format():
    numbers = numbering.Numbers(year=2025, yearly=12, overall=40, prefix="X信管函")
    assert numbers.doc_number == "X信管函〔2025〕12号"


@pytest.mark.django_db
def test_a_missing_counter_row_is_created():
    NoticeCounter.objects.filter(series=NoticeSeries.TERMINAL).delete()
    ministry = Authority.objects.national()
    with transaction.atomic():
        first = numbering.allocate(authority=ministry, series=NoticeSeries.TERMINAL, year=2025)
        second = numbering.allocate(authority=ministry, series=NoticeSeries.TERMINAL, year=2025)
    assert (first.yearly, first.overall, second.yearly, second.overall) == (1, 1, 2, 2)


def _approved_pair():
    ensure_reference_data()
    inspector = factories.UserFactory(role=Role.INSPECTOR)
    reviewer = factories.UserFactory(role=Role.REVIEWER)
    notices = []
    for _ in range(2):
        draft = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
        notices.append(workflow.notice_approve(actor=reviewer, notice=draft))
    return reviewer, notices


def _other_backend_waits_for_a_lock(timeout: float = 10.0) -> bool:
    """Poll pg_stat_activity until another backend of this database waits on a row lock."""
    import time

    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            # Activity statistics are a per-transaction snapshot unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def _run_in_threads(targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_notices_published_at_once_get_consecutive_numbers(monkeypatch, frozen, settings, tmp_path):
    """Thread A holds the series' counter while rendering; thread B publishes meanwhile and must
    wait for A's commit, then take the next number. Both are checked in the database afterwards."""
    reviewer, (first, second) = _approved_pair()
    a_rendering = threading.Event()
    b_waited = []
    recorder = RecordingRenderer()

    def renderer(doc):
        if doc.title and not a_rendering.is_set():
            a_rendering.set()
            # Keep the lock until the other publication is seen queuing behind it.
            b_waited.append(_other_backend_waits_for_a_lock())
        return recorder(doc)

    monkeypatch.setattr(rendering, "render_notice_pdf", renderer, raising=False)

    def publish_a():
        workflow.notice_publish(notice_id=first.pk, actor=reviewer)

    def publish_b():
        assert a_rendering.wait(timeout=30)
        workflow.notice_publish(notice_id=second.pk, actor=reviewer)

    errors = _run_in_threads([publish_a, publish_b])

    assert errors == []
    assert b_waited == [True]
    rows = sorted(
        Notice.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", "batch_number", "overall_number")
    )
    assert rows == [(NoticeStatus.PUBLISHED, 1, 1), (NoticeStatus.PUBLISHED, 2, 2)]
    assert sorted(d.batch_line for d in recorder.documents) == ["（2025年第1批，总第1批）", "（2025年第2批，总第2批）"]
    counter = NoticeCounter.objects.get(series=NoticeSeries.APP, authority=Authority.objects.national())
    assert (counter.yearly, counter.overall) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_one_notice_published_twice_at_once_is_one_version(monkeypatch, frozen):
    reviewer, (notice, _) = _approved_pair()
    recorder = RecordingRenderer()
    monkeypatch.setattr(rendering, "render_notice_pdf", recorder, raising=False)
    start = threading.Barrier(2)

    def publish():
        start.wait(timeout=30)
        workflow.notice_publish(notice_id=notice.pk, actor=reviewer)

    errors = _run_in_threads([publish, publish])

    assert errors == []
    assert len(recorder.documents) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.batch_number, notice.overall_number) == (NoticeStatus.PUBLISHED, 1, 1)
    assert NoticeCounter.objects.get(series=NoticeSeries.APP, authority=Authority.objects.national()).overall == 1
    assert Notice.objects.filter(status=NoticeStatus.PUBLISHED).count() == 1
