"""Stored files (issue 13): written under a temporary name and moved into place after commit; the
storage sweep removes what no row points to after a grace period, and reports it (config/storage.py)."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from freezegun import freeze_time

from cases import tasks
from cases.ingest import jobs
from cases.models import Evidence, ScanJob
from config import storage
from notices import workflow
from notices.models import Notice
from tests.notices.conftest import FROZEN_NOW, RecordingRenderer, ensure_reference_data, make_case
from tests.notices.test_workflow import _approved

HOUR = 3600


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGE_SWEEP_GRACE_SECONDS = HOUR
    return Path(settings.MEDIA_ROOT)


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


class Exploding(File):
    """Content whose second chunk fails, as a full disk or a dropped connection would."""

    def __init__(self):
        super().__init__(io.BytesIO(), name="x.json")

    def chunks(self, chunk_size=None):
        yield b'{"half": "'
        raise OSError(28, "No space left on device")


def test_every_file_field_writes_atomically():
    # Scan uploads, vendor evidence and notice PDFs: every FileField uses the default storage.
    assert all(isinstance(f.storage, storage.AtomicFileSystemStorage) for f in storage.file_fields())
    assert isinstance(Notice._meta.get_field("pdf").storage, storage.AtomicFileSystemStorage)


@pytest.mark.django_db
def test_a_write_that_fails_half_way_leaves_no_file(media):
    with pytest.raises(OSError), transaction.atomic():
        default_storage.save("scans/2026/12/abc.json", Exploding())
    assert files_under(media) == []  # neither the final name nor the temporary one


@pytest.mark.django_db
def test_the_file_appears_under_its_final_name_only_once_its_row_commits(
    media, inspector, inspection_factory, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks.ingest_scan, "delay", lambda job_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = jobs.scan_job_create(
            actor=inspector, inspection=inspection_factory(), uploaded=SimpleUploadedFile("a.har", b"{}")
        )
        # Before the commit: only a hidden temporary file, which this process still reads by name.
        (written,) = files_under(media)
        assert storage.final_name(written) == job.file.name and not (media / job.file.name).exists()
        with job.file.open("rb") as stored:
            assert stored.read() == b"{}"
    assert files_under(media) == [job.file.name]


@pytest.mark.django_db
def test_a_rolled_back_row_leaves_only_a_temporary_file_for_the_sweep(media):
    with pytest.raises(RuntimeError), transaction.atomic():
        name = default_storage.save("evidence/2026/12/e.pdf", ContentFile(b"%PDF-1.7"))
        raise RuntimeError("the transaction fails after the write")
    (left,) = files_under(media)
    assert storage.final_name(left) == name  # never under the final name
    assert not default_storage.exists(name)
    with pytest.raises(FileNotFoundError):
        default_storage.open(name)
    age(media / left, 2 * HOUR)
    assert storage.storage_sweep().removed == [left]
    assert files_under(media) == []


def test_outside_a_transaction_the_file_is_moved_into_place_at_once(media):
    name = default_storage.save("scans/x.txt", ContentFile(b"abc"))
    assert files_under(media) == [name]


@pytest.mark.django_db
def test_the_sweep_knows_every_file_field():
    fields = {(f.model._meta.label, f.name) for f in storage.file_fields()}
    assert {("cases.ScanJob", "file"), ("cases.Evidence", "file"), ("notices.Notice", "pdf")} <= fields


@pytest.mark.django_db
def test_the_sweep_removes_old_orphans_and_keeps_referenced_and_young_files(
    media, inspector, reviewer, inspection_factory, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks.ingest_scan, "delay", lambda job_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = jobs.scan_job_create(
            actor=inspector, inspection=inspection_factory(), uploaded=SimpleUploadedFile("a.har", b"{}")
        )
    ensure_reference_data()  # a transactional test earlier in the run may have flushed the taxonomy
    monkeypatch.setattr("notices.rendering.render_notice_pdf", RecordingRenderer(), raising=False)
    with freeze_time(FROZEN_NOW, tick=True), django_capture_on_commit_callbacks(execute=True):
        notice = workflow.notice_publish(notice_id=_approved(inspector, reviewer, make_case()).pk, actor=reviewer)
    notice.refresh_from_db()
    orphan = media / "scans/2025/01/orphan.har"
    young = media / "evidence/2026/12/young.pdf"
    pdf_orphan = media / f"notices/naming/{notice.pk}-v1_AbCdEfG.pdf"  # a kill after a PDF write
    for path in (orphan, young, pdf_orphan):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    for path in (orphan, pdf_orphan, media / job.file.name, media / notice.pdf.name):
        age(path, 30 * 24 * HOUR)  # referenced files are kept however old
    age(young, HOUR - 60)

    dry = storage.storage_sweep(dry_run=True)
    assert sorted(dry.removed) == sorted(["scans/2025/01/orphan.har", pdf_orphan.relative_to(media).as_posix()])
    assert orphan.exists() and pdf_orphan.exists()

    report = storage.storage_sweep()

    assert sorted(report.removed) == sorted(dry.removed)
    assert (report.scanned, report.referenced, report.young) == (5, 2, 1)
    assert report.removed_bytes == 2 * len(b"left behind")
    assert files_under(media) == sorted([job.file.name, notice.pdf.name, "evidence/2026/12/young.pdf"])
    assert storage.storage_sweep().removed == []


@pytest.mark.django_db
def test_a_kill_between_the_commit_and_the_move_is_repaired_by_the_sweep(media, inspector, inspection_factory):
    job = ScanJob.objects.create(
        inspection=inspection_factory(),
        file="scans/2026/12/abc.har",
        original_name="a.har",
        sha256="0" * 64,
        size=2,
        created_by=inspector,
    )
    part = media / storage.part_name(job.file.name)
    part.parent.mkdir(parents=True)
    part.write_bytes(b"{}")
    age(part, 2 * HOUR)

    report = storage.storage_sweep()

    assert report.placed == [job.file.name] and report.removed == []
    assert files_under(media) == [job.file.name]


@pytest.mark.django_db
def test_the_command_reports_what_it_removes(media, capsys):
    orphan = media / "evidence/old.bin"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    age(orphan, 2 * HOUR)

    call_command("storage_sweep", "--dry-run")
    out = capsys.readouterr().out
    assert "would remove evidence/old.bin" in out and "(dry run)" in out
    assert orphan.exists()

    call_command("storage_sweep", "--grace", str(3 * HOUR))
    assert "0 removed" in capsys.readouterr().out and orphan.exists()

    call_command("storage_sweep")
    assert "removed evidence/old.bin" in capsys.readouterr().out
    assert not orphan.exists()
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_the_beat_task_sweeps(media):
    orphan = media / "x.bin"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    age(orphan, 2 * HOUR)
    assert tasks.sweep_storage()["removed"] == ["x.bin"]


@pytest.mark.django_db
def test_deleting_after_a_rollback_removes_the_temporary_file(media):
    """What a failed publication does (notices.workflow): delete the names it stored, after the rollback."""
    with pytest.raises(RuntimeError), transaction.atomic():
        name = default_storage.save("notices/naming/1-v1.pdf", ContentFile(b"%PDF-1.7"))
        raise RuntimeError("the render or the numbering failed")
    default_storage.delete(name)
    assert files_under(media) == []
