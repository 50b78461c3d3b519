"""Storage and database faults answer 507/503 in the reader's language, and leave nothing behind
(issue 13: "Storage faults answer a bare 500", "During a 10 s PostgreSQL outage ... a 500")."""

import errno
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse

from accounts import error_codes
from cases.models import CaseStatus, Evidence, Finding, ScanJob
from config import faults
from config.storage import AtomicFileSystemStorage
from products.models import VendorMembership
from tests.cases.served import png, served_case
from tests.factories import VendorUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(root) -> list[str]:
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def failing_storage(monkeypatch, code: int, *, after: int = 0):
    """Make the file system storage write a partial file and fail with ``code``, after ``after`` good saves."""
    real = FileSystemStorage._save
    calls = {"n": 0}

    def _save(self, name, content):
        calls["n"] += 1
        if calls["n"] <= after:
            return real(self, name, content)
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as half:
            half.write(b"half a file")
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(FileSystemStorage, "_save", _save)


def test_the_default_storage_is_the_one_that_cleans_up():
    assert isinstance(default_storage, AtomicFileSystemStorage)


class _Breaks(ContentFile):
    def chunks(self, chunk_size=None):
        yield b"first chunk"
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_write_that_fails_half_way_removes_its_partial_file(media):
    storage = AtomicFileSystemStorage(location=str(media))
    with pytest.raises(OSError):
        storage.save("scans/x.bin", _Breaks(b"", name="x.bin"))
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        (errno.ENOSPC, 507, error_codes.STORAGE_FULL),
        (errno.EDQUOT, 507, error_codes.STORAGE_FULL),
        (errno.EROFS, 503, error_codes.STORAGE_UNAVAILABLE),
        (errno.EACCES, 503, error_codes.STORAGE_UNAVAILABLE),
    ],
)
def test_scan_upload_api_on_a_full_or_read_only_store(
    monkeypatch, api_client, inspector, inspection_factory, media, code, status, error
):
    inspection = inspection_factory()
    failing_storage(monkeypatch, code)
    api_client.force_authenticate(inspector)
    response = api_client.post(
        f"/api/v1/inspections/{inspection.pk}/scans/",
        {"file": SimpleUploadedFile("capture.har", b'{"log": {"entries": []}}')},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == error
    assert "nothing was saved" in body["error"]["message"]
    assert ScanJob.objects.count() == 0
    assert stored_files(media) == []
    if status == 503:
        assert response["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)


def test_scan_upload_page_on_a_full_store_answers_a_page_in_chinese(
    monkeypatch, client, inspector, inspection_factory, media
):
    inspection = inspection_factory()
    failing_storage(monkeypatch, errno.ENOSPC)
    client.force_login(inspector)
    page = client.post(
        reverse("scan-page", args=[inspection.pk]),
        {"file": SimpleUploadedFile("capture.har", b'{"log": {"entries": []}}'), "tool": ""},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 507
    assert page["Content-Type"].startswith("text/html")
    assert "文件存储空间已满" in page.content.decode()
    assert ScanJob.objects.count() == 0
    assert stored_files(media) == []


def test_vendor_evidence_on_a_full_store_saves_nothing_and_removes_the_files_already_written(
    monkeypatch, client, media
):
    case = served_case()
    staff = VendorUserFactory(vendor=case.vendor, username="acme-it")
    VendorMembership.objects.filter(user=staff).update(is_vendor_admin=True)
    client.force_login(staff)
    before = stored_files(media)  # the served case's own evidence
    failing_storage(monkeypatch, errno.ENOSPC, after=1)  # the first file is stored, the second fails
    page = client.post(
        reverse("portal:respond", args=[case.pk]),
        {"summary": "fixed", "fixed_version": "3.3.0", "text": "", "files": [png(), png("b.png")]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 507
    assert "The file store is full" in page.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ORDERED
    assert Evidence.objects.filter(response__case=case).count() == 0
    assert stored_files(media) == before


def test_vendor_evidence_on_a_read_only_store_answers_503(monkeypatch, client, media):
    case = served_case()
    staff = VendorUserFactory(vendor=case.vendor, username="acme-it")
    client.force_login(staff)
    before = stored_files(media)
    failing_storage(monkeypatch, errno.EROFS)
    page = client.post(
        reverse("portal:respond", args=[case.pk]),
        {"summary": "fixed", "fixed_version": "3.3.0", "text": "", "files": [png()]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 503
    assert "cannot be written to" in page.content.decode()
    assert stored_files(media) == before


def test_evidence_through_the_api_on_a_full_store_saves_no_finding_and_no_file(
    monkeypatch, api_client, inspector, inspection_factory, media
):
    inspection = inspection_factory()
    api_client.force_authenticate(inspector)
    failing_storage(monkeypatch, errno.ENOSPC, after=1)
    response = api_client.post(
        "/api/v1/findings/",
        {
            "inspection": inspection.pk,
            "violation_type": "PI-01",
            "title": "启动即收集IMEI",
            "files": [png("a.png"), png("b.png")],
        },
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 507
    assert response.json()["error"] == {
        "code": error_codes.STORAGE_FULL,
        "message": "文件存储空间已满，未保存任何内容。请稍后再试。",
        "details": {},
    }
    assert not Finding.objects.filter(inspection=inspection).exists()
    assert stored_files(media) == []


def test_other_errors_are_not_taken_for_faults():
    assert faults.classify(OSError(errno.ENOENT, "missing")) is None
    assert faults.classify(ConnectionRefusedError(errno.ECONNREFUSED, "refused")) is None
    assert faults.classify(ValueError("x")) is None


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as when PostgreSQL does not answer."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    def down():
        monkeypatch.setattr(CursorWrapper, "execute", refuse)
        monkeypatch.setattr(CursorWrapper, "executemany", refuse)

    return down


def test_api_answers_503_with_retry_after_in_the_json_shape_when_the_database_is_down(
    api_client, inspector, database_down
):
    api_client.force_authenticate(inspector)
    database_down()
    response = api_client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)
    assert response.json() == {
        "error": {
            "code": error_codes.DATABASE_UNAVAILABLE,
            "message": "The service cannot reach its database right now. Please try again in a moment.",
            "details": {},
        }
    }


def test_token_api_answers_503_when_the_database_is_down(api_client, database_down):
    database_down()
    response = api_client.post("/api/v1/auth/token/", {"username": "a", "password": "b"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == error_codes.DATABASE_UNAVAILABLE


def test_pages_answer_a_calm_503_page_when_the_database_is_down(client, inspector, database_down):
    client.force_login(inspector)
    database_down()
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 503
    assert page["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)
    body = page.content.decode()
    assert "暂时无法访问" in body and "Traceback" not in body


def test_a_fault_outside_a_view_is_answered_by_handler500(rf):
    from config.api import server_error

    request = rf.get("/api/v1/cases/")
    try:
        raise OperationalError("the server closed the connection")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)
