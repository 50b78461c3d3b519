"""Bad and hostile uploads: each ends as a FAILED job with a specific reason, never a 500, with no
network connection, and the next good file in the same worker still succeeds.

Files go through the real path: the upload API stores them and writes the job, the message is sent
on commit and the task runs (eagerly, in this process) through the real parsers. The last test
does the same with a real Celery worker on Redis and checks the worker process survives.
"""

import io
import json
import socket
import threading
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import tasks
from cases.error_codes import FILE_TOO_LARGE
from cases.ingest import failures, jobs
from cases.models import ScanJob, ScanStatus
from cases.scanners import limits
from tests.cases.ingest.test_service import english  # noqa: F401 (fixture)
from tests.cases.test_worker import celery_worker  # noqa: F401 (fixture)

GOOD_HAR = json.dumps(
    {
        "log": {
            "version": "1.2",
            "creator": {"name": "mitmproxy", "version": "10.0"},
            "entries": [
                {
                    "startedDateTime": "2025-09-20T10:00:00.000Z",
                    "time": 12,
                    "request": {
                        "method": "GET",
                        "url": f"https://api.example.com/v1/items/{n}?imei=86{n:013d}",
                        "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "User-Agent", "value": "okhttp/4.9.0"}],
                        "queryString": [{"name": "imei", "value": f"86{n:013d}"}],
                        "cookies": [],
                        "headersSize": -1,
                        "bodySize": 0,
                    },
                    "response": {
                        "status": 200,
                        "statusText": "OK",
                        "httpVersion": "HTTP/1.1",
                        "headers": [],
                        "cookies": [],
                        "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                        "redirectURL": "",
                        "headersSize": -1,
                        "bodySize": 2,
                    },
                    "cache": {},
                    "timings": {"send": 1, "wait": 10, "receive": 1},
                }
                for n in range(3)
            ],
        }
    }
).encode()


def _zip(entries: dict[str, bytes], *, count_padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for n in range(count_padding):
            archive.writestr(f"xl/media/pad{n}.bin", b"")
    return buffer.getvalue()


XLSX_HEAD = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
}

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE nmaprun [\n<!ENTITY lol "lol">\n'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'.encode() for n in range(1, 10)
    )
    + b']>\n<nmaprun scanner="nmap" args="nmap -oX x" version="7.95"><host>&lol9;</host></nmaprun>\n'
)


def xxe(port: int) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:{port}/nmap.dtd" [\n'
        f'<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/secret">\n'
        f'<!ENTITY file SYSTEM "file:///etc/hostname">\n]>\n'
        f'<nmaprun scanner="nmap" version="7.95"><host><address addr="&xxe;&file;"/></host></nmaprun>\n'
    ).encode()


# name, file name, content, the failure code, what the parser's detail says
CASES = [
    ("empty file", "capture.har", b"", "empty_file", "empty file"),
    ("truncated JSON", "capture.har", GOOD_HAR[: len(GOOD_HAR) // 2], "damaged_file", "truncated JSON"),
    (
        "100,000-deep nesting",
        "capture.har",
        b'{"log": {"entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
        "too_deep",
        f"nesting deeper than {limits.MAX_JSON_DEPTH} levels",
    ),
    (
        "a number with 5,000 digits",
        "capture.har",
        b'{"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [{"time": ' + b"9" * 5000 + b"}]}}",
        "number_too_long",
        f"number with more than {limits.MAX_NUMBER_DIGITS} digits",
    ),
    ("billion laughs", "scan.xml", BILLION_LAUGHS, "xml_forbidden", "XML entity declarations are not allowed"),
    (
        "XLSX with too many entries",
        "privacy.xlsx",
        _zip(XLSX_HEAD, count_padding=limits.MAX_XLSX_ENTRIES + 1),
        "too_large",
        f"XLSX has more than {limits.MAX_XLSX_ENTRIES} entries",
    ),
    (
        "a .json that is really a ZIP",
        "report.json",
        _zip({"report.json": b"{}"}),
        "unsupported_format",
        "report.json is a ZIP archive, not the text format its name suggests",
    ),
    (
        "invalid UTF-8",
        "capture.har",
        GOOD_HAR.replace(b"okhttp/4.9.0", b"okhttp/\xff\xfe4.9.0"),
        "not_utf8",
        "invalid UTF-8 at byte",
    ),
    (
        "unsupported format",
        "notes.txt",
        b"Dear inspector, please find the results attached.\n",
        "unsupported_format",
        "unsupported format",
    ),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every attempt to open a socket or resolve a name in this process."""
    attempts: list[tuple] = []

    def refuse(name):
        def refused(*args, **kwargs):
            attempts.append((name, args[1:] if name.startswith("socket.") else args))
            raise OSError(f"network access refused in tests ({name})")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    return attempts


def upload(client, inspection, name: str, content: bytes, callbacks_fixture):
    with callbacks_fixture(execute=True):
        response = client.post(
            f"/api/v1/inspections/{inspection.pk}/scans/",
            {"file": SimpleUploadedFile(name, content)},
            format="multipart",
        )
    return response


@pytest.mark.parametrize(("case", "name", "content", "code", "detail"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_fails_its_job_with_a_specific_reason(
    case,
    name,
    content,
    code,
    detail,
    media,
    no_network,
    api_client,
    inspector,
    inspection_factory,
    django_capture_on_commit_callbacks,
):
    api_client.force_authenticate(inspector)
    inspection = inspection_factory()

    response = upload(api_client, inspection, name, content, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    job = ScanJob.objects.get(pk=response.json()["id"])
    assert job.status == ScanStatus.FAILED, case
    assert job.failure_code == code
    assert detail in job.failure_params["detail"]
    assert job.failure_reason == failures.message(code, job.failure_params)
    assert job.attempts == 1
    assert job.findings.count() == 0
    assert job.file.storage.exists(job.file.name)  # the file is kept whatever the outcome
    status = api_client.get(response.json()["url"], HTTP_ACCEPT_LANGUAGE="en").json()
    assert status["failure"]["code"] == code
    assert status["failure"]["reason"] == job.failure_reason
    assert status["failure"]["retryable"] is False
    assert no_network == []

    # The same worker process goes on: the next good file of the inspection succeeds.
    good = upload(api_client, inspection, "good.har", GOOD_HAR, django_capture_on_commit_callbacks)
    good_job = ScanJob.objects.get(pk=good.json()["id"])
    assert good_job.status == ScanStatus.SUCCEEDED, good_job.failure_reason
    assert (good_job.tool, good_job.observations) == ("har", 3)  # 3 requests (the capture's header is not one)


def test_xlsx_expanding_beyond_the_limit_fails(
    monkeypatch, media, no_network, api_client, inspector, inspection_factory, django_capture_on_commit_callbacks
):
    # 2 MB of zeros (a few KB compressed) against a 1 MB limit: the same check as at 500 MB.
    monkeypatch.setattr(limits, "MAX_XLSX_UNCOMPRESSED_BYTES", 1024 * 1024)
    api_client.force_authenticate(inspector)
    content = _zip({**XLSX_HEAD, "xl/worksheets/sheet1.xml": b"\0" * (2 * 1024 * 1024)})
    assert len(content) < 64 * 1024

    response = upload(api_client, inspection_factory(), "bomb.xlsx", content, django_capture_on_commit_callbacks)

    job = ScanJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.failure_code) == (ScanStatus.FAILED, "too_large")
    assert job.failure_params == {"max_mb": 1, "detail": "XLSX expands beyond 1 MB"}
    assert job.failure_reason == "The file expands to more than 1 MB."
    assert no_network == []


def test_xml_external_entities_are_never_fetched(
    media, api_client, inspector, inspection_factory, django_capture_on_commit_callbacks
):
    """A real listening socket the XML points at: nothing connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    connections = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            try:
                connections.append(server.accept())
            except TimeoutError:
                continue

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        api_client.force_authenticate(inspector)
        response = upload(api_client, inspection_factory(), "scan.xml", xxe(port), django_capture_on_commit_callbacks)
    finally:
        done.set()
        watcher.join()
        server.close()

    job = ScanJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.failure_code) == (ScanStatus.FAILED, "xml_forbidden")
    assert "not allowed" in job.failure_params["detail"]
    assert connections == []


def test_a_file_over_the_upload_limit_answers_413_and_makes_no_job(
    settings, media, api_client, inspector, inspection_factory
):
    settings.MAX_UPLOAD_BYTES = 4096
    api_client.force_authenticate(inspector)

    response = api_client.post(
        f"/api/v1/inspections/{inspection_factory().pk}/scans/",
        {"file": SimpleUploadedFile("big.har", GOOD_HAR + b" " * 4096)},
        format="multipart",
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == FILE_TOO_LARGE
    assert ScanJob.objects.count() == 0


# With a real worker --------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_survives_hostile_files_and_still_ingests_good_ones(
    celery_worker,  # noqa: F811
    monkeypatch,
    inspector,
    inspection_factory,
):
    # Messages leave on commit through Redis to the worker's own queue (not eagerly here).
    monkeypatch.setattr(
        tasks.ingest_scan,
        "delay",
        lambda job_id: celery_worker.client.send_task(tasks.ingest_scan.name, args=[job_id], queue=celery_worker.queue),
    )
    inspection = inspection_factory()
    hostile = [case for case in CASES if case[0] in {"100,000-deep nesting", "billion laughs", "invalid UTF-8"}]
    created = []
    for _, name, content, _, _ in hostile:
        job, _ = jobs.scan_job_create(
            actor=inspector, inspection=inspection, uploaded=SimpleUploadedFile(name, content)
        )
        created.append(job.pk)
    good, _ = jobs.scan_job_create(
        actor=inspector, inspection=inspection, uploaded=SimpleUploadedFile("g.har", GOOD_HAR)
    )

    deadline = time.monotonic() + 60
    while ScanJob.objects.filter(
        pk__in=[*created, good.pk], status__in=(ScanStatus.QUEUED, ScanStatus.RUNNING)
    ).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not finish the jobs within 60 s:\n{celery_worker.log()}")
        time.sleep(0.2)

    results = dict(ScanJob.objects.filter(pk__in=created).values_list("pk", "status"))
    assert set(results.values()) == {ScanStatus.FAILED}
    for (_, _, _, code, detail), job_id in zip(hostile, created, strict=True):
        failed = ScanJob.objects.get(pk=job_id)
        assert (failed.failure_code, detail in failed.failure_params["detail"]) == (code, True)
    good.refresh_from_db()
    assert good.status == ScanStatus.SUCCEEDED, good.failure_reason
    assert good.attempts == 1
    assert celery_worker.process.poll() is None  # the worker process is alive
