"""Scan upload, job status, retry, comparison and why-merged: the API and the scan page."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.error_codes import NOT_FOUND
from cases.error_codes import (
    FILE_TOO_LARGE,
    INSPECTION_NOT_A_RETEST,
    SCAN_JOB_NEEDS_OTHER_TOOL,
    SCAN_JOB_NOT_FAILED,
    UNKNOWN_TOOL,
    WRONG_TOOL,
)
from cases.ingest import jobs
from cases.models import Finding, FindingSource, ScanJob, ScanStatus
from cases.scanners import registry
from tests.cases.ingest.test_service import english, fake_scanner, lines, media_root  # noqa: F401 (fixtures)
from tests.cases.scanners.conftest import FIXTURES, SAMPLES

ROW = {"locus": "GET https://t.example/a", "codes": ["PI-01"], "rule": "har.device_id"}


@pytest.fixture
def inspection(inspection_factory):
    return inspection_factory()


def scans_url(inspection) -> str:
    return f"/api/v1/inspections/{inspection.pk}/scans/"


def post_file(client, inspection, content: bytes, name="capture.jsonl", **extra):
    return client.post(scans_url(inspection), {"file": SimpleUploadedFile(name, content), **extra}, format="multipart")


def test_upload_answers_202_with_the_job_url_and_the_worker_runs_it(
    fake_scanner,  # noqa: F811
    api_client,
    inspector,
    inspection,
    django_capture_on_commit_callbacks,
):
    api_client.force_authenticate(inspector)
    content = lines(ROW, {"locus": "GET https://cdn.example/x"})
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(api_client, inspection, content)

    assert response.status_code == 202
    body = response.json()
    job = ScanJob.objects.get()
    assert body["id"] == job.pk
    assert body["url"] == f"/api/v1/scans/{job.pk}/"
    assert response["Location"] == body["url"]
    assert body["status"] == "queued"  # serialised at upload; the worker ran on commit
    assert body["sha256"] == hashlib.sha256(content).hexdigest()

    status = api_client.get(body["url"]).json()
    assert status["status"] == "succeeded"
    assert status["progress"] == 100
    assert status["counts"] == {"observations": 2, "findings_created": 1, "duplicates": 0, "unmapped": 1}
    assert status["failure"] is None
    assert status["retry_url"] is None
    assert status["tool"] == "fake-lines"


def test_the_same_file_again_answers_200_with_the_existing_job(api_client, inspector, inspection):
    api_client.force_authenticate(inspector)
    first = post_file(api_client, inspection, b"same", name="a.har")
    again = post_file(api_client, inspection, b"same", name="b.har")

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["original_name"] == "a.har"
    assert ScanJob.objects.count() == 1


def test_a_failed_job_shows_its_reason_and_can_be_retried(
    api_client, inspector, inspection, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        job_url = post_file(api_client, inspection, b"plain words, no scanner wrote this", name="notes.txt").json()[
            "url"
        ]

    failed = api_client.get(job_url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert failed["status"] == "failed"
    assert failed["failure"] == {
        "code": "unsupported_format",
        "reason": "This file is not in any scanner format Rectify reads.",
        "params": {"detail": "unsupported format"},
        "position": None,
        "retryable": False,
        "retry_with_other_tool": True,
        "suggested_tool": None,
    }
    assert failed["retry_url"] == f"{job_url}retry/"

    # The same file read the same way would fail again: only another tool may help.
    refused = api_client.post(failed["retry_url"])
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == SCAN_JOB_NEEDS_OTHER_TOOL
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retried = api_client.post(failed["retry_url"], {"tool": "HAR"}, format="json")
    assert retried.status_code == 202
    assert (retried.json()["status"], retried.json()["tool"]) == ("queued", "har")
    assert retried.json()["failure"] is None
    assert len(callbacks) == 1

    conflict = api_client.post(failed["retry_url"])
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == SCAN_JOB_NOT_FAILED


def test_a_file_over_the_upload_limit_answers_413_and_stores_nothing(
    settings,
    api_client,
    inspector,
    inspection,
    media_root,  # noqa: F811
):
    settings.MAX_UPLOAD_BYTES = 1000
    api_client.force_authenticate(inspector)

    response = post_file(api_client, inspection, b"x" * 1001)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == FILE_TOO_LARGE
    assert ScanJob.objects.count() == 0
    assert not (media_root / "scans").exists()


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(
    settings, api_client, inspector, inspection, monkeypatch
):
    settings.MAX_UPLOAD_BYTES = 1000
    api_client.force_authenticate(inspector)
    read = []
    monkeypatch.setattr(jobs, "scan_job_create", lambda **kwargs: read.append(kwargs))

    response = api_client.post(
        scans_url(inspection),
        {"file": SimpleUploadedFile("big.har", b"x" * 10)},
        format="multipart",
        CONTENT_LENGTH=str(1000 + jobs.MULTIPART_ALLOWANCE + 1),
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == FILE_TOO_LARGE
    assert read == []


def test_unknown_tool_and_missing_file_are_400(api_client, inspector, inspection):
    api_client.force_authenticate(inspector)

    unknown = post_file(api_client, inspection, b"x", tool="nessus")
    missing = api_client.post(scans_url(inspection), {"tool": "har"}, format="multipart")

    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == UNKNOWN_TOOL
    assert missing.status_code == 400
    assert "file" in missing.json()["error"]["details"]


def test_naming_the_tool_skips_detection(api_client, inspector, inspection, django_capture_on_commit_callbacks):
    api_client.force_authenticate(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        url = post_file(api_client, inspection, b'{"runs": []}', name="x.json", tool="har").json()["url"]

    job = api_client.get(url).json()
    assert job["tool"] == "har"
    assert job["status"] == "failed"
    assert job["failure"]["code"] == "unsupported_format"
    assert job["failure"]["params"] == {
        "tool": "har",
        "expected": "log.entries[]",
        "detail": "not a HAR file: it has no log object with an entries list",
    }


def test_policies_reviewer_reads_vendor_and_anonymous_do_not(api_client, inspector, reviewer, vendor_user, inspection):
    api_client.force_authenticate(inspector)
    job_url = post_file(api_client, inspection, b"x").json()["url"]

    api_client.force_authenticate(reviewer)
    assert api_client.get(job_url).status_code == 200
    assert api_client.get(scans_url(inspection)).status_code == 200
    assert post_file(api_client, inspection, b"y").status_code == 403

    api_client.force_authenticate(vendor_user)
    assert api_client.get(job_url).status_code == 403
    assert post_file(api_client, inspection, b"z").status_code == 403

    api_client.force_authenticate(None)
    assert api_client.get(job_url).status_code == 401
    assert ScanJob.objects.count() == 1


def test_missing_job_and_inspection_are_404(api_client, inspector):
    api_client.force_authenticate(inspector)
    assert api_client.get("/api/v1/scans/999999/").json()["error"]["code"] == NOT_FOUND
    response = api_client.post(
        "/api/v1/inspections/999999/scans/", {"file": SimpleUploadedFile("a.har", b"x")}, format="multipart"
    )
    assert response.status_code == 404
    assert ScanJob.objects.count() == 0


def test_list_of_an_inspections_jobs(api_client, inspector, inspection, django_assert_max_num_queries):
    api_client.force_authenticate(inspector)
    for n in range(3):
        post_file(api_client, inspection, f"file {n}".encode(), name=f"f{n}.har")

    with django_assert_max_num_queries(6):
        response = api_client.get(scans_url(inspection))

    assert response.status_code == 200
    assert [job["original_name"] for job in response.json()] == ["f2.har", "f1.har", "f0.har"]


def test_why_merged_gives_the_fingerprint_parts(
    fake_scanner,  # noqa: F811
    api_client,
    inspector,
    inspection,
    finding_factory,
    django_capture_on_commit_callbacks,
):
    api_client.force_authenticate(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        post_file(api_client, inspection, lines(ROW, ROW))
    finding = Finding.objects.get(inspection=inspection, source=FindingSource.SCAN)

    body = api_client.get(f"/api/v1/findings/{finding.pk}/why-merged/").json()

    assert body["rule"] == "har.device_id"
    assert body["locus"] == "GET https://t.example/a"
    assert body["product_version_id"] == inspection.product_version_id
    assert body["occurrences"] == 2
    expected = hashlib.sha256(f"{inspection.product_version_id}\x1fhar.device_id\x1fGET https://t.example/a".encode())
    assert body["fingerprint"] == expected.hexdigest()
    assert "2 observation(s) were merged" in body["explanation"]
    manual = finding_factory(inspection=inspection, source=FindingSource.MANUAL)
    assert api_client.get(f"/api/v1/findings/{manual.pk}/why-merged/").status_code == 404


def test_comparison_of_an_inspection_that_is_not_a_retest_is_409(api_client, inspector, inspection):
    api_client.force_authenticate(inspector)
    response = api_client.get(f"/api/v1/inspections/{inspection.pk}/comparison/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == INSPECTION_NOT_A_RETEST


# The scan page ------------------------------------------------------------------------------


def test_scan_page_lists_jobs_with_live_progress_hooks(client, inspector, inspection):
    jobs.scan_job_create(actor=inspector, inspection=inspection, uploaded=SimpleUploadedFile("a.har", b"x"))
    client.force_login(inspector)

    response = client.get(reverse("scan-page", args=[inspection.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    job = ScanJob.objects.get()
    assert f'data-scan-job="/api/v1/scans/{job.pk}/"' in html
    assert 'data-status="queued"' in html
    assert "<progress" in html
    assert "js/scan_progress.js" in html
    assert 'enctype="multipart/form-data"' in html


def test_scan_page_upload_redirects_and_retry_button_for_failed_jobs(
    client, inspector, inspection, django_capture_on_commit_callbacks
):
    client.force_login(inspector)
    url = reverse("scan-page", args=[inspection.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("notes.txt", b"not a scanner output"), "tool": ""})

    job = ScanJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}#scan-job-{job.pk}"
    assert job.status == ScanStatus.FAILED
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This file is not in any scanner format Rectify reads." in page
    assert reverse("scan-retry", args=[job.pk]) in page
    assert 'data-field="retry-with-tool"' in page  # only another tool could help

    with django_capture_on_commit_callbacks(execute=False):
        retried = client.post(reverse("scan-retry", args=[job.pk]), {"tool": "zeek"})
    assert retried.status_code == 302
    assert ScanJob.objects.get().status == ScanStatus.QUEUED


def test_scan_page_refuses_an_oversize_file_with_413(settings, client, inspector, inspection):
    settings.MAX_UPLOAD_BYTES = 100
    client.force_login(inspector)

    response = client.post(
        reverse("scan-page", args=[inspection.pk]), {"file": SimpleUploadedFile("a.har", b"x" * 101)}
    )

    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert ScanJob.objects.count() == 0


def test_scan_page_for_a_reviewer_has_no_upload_form_and_vendor_is_refused(client, reviewer, vendor_user, inspection):
    client.force_login(reviewer)
    page = client.get(reverse("scan-page", args=[inspection.pk]))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    assert client.post(reverse("scan-page", args=[inspection.pk]), {}).status_code == 403

    client.force_login(vendor_user)
    assert client.get(reverse("scan-page", args=[inspection.pk])).status_code == 403


# --- the named tool and the content agree (one signature per format: each parser's sniff) ---------

MATRIX = [(fmt, tool) for fmt in SAMPLES for tool in SAMPLES]


@pytest.mark.parametrize(("fmt", "tool"), MATRIX, ids=[f"{f}-as-{t}" for f, t in MATRIX])
def test_a_named_tool_that_disagrees_with_the_content_is_refused(api_client, inspector, inspection, fmt, tool):

    api_client.force_authenticate(inspector)
    content = (FIXTURES / SAMPLES[fmt]).read_bytes()
    response = post_file(api_client, inspection, content, name=SAMPLES[fmt], tool=tool, HTTP_ACCEPT_LANGUAGE="en")
    if fmt == tool:
        assert response.status_code == 202
        assert ScanJob.objects.get(inspection=inspection).tool == tool
    else:
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == WRONG_TOOL
        assert error["details"] == {"tool": tool, "detected": fmt}
        assert f"a {registry.display_name(fmt)} output, not {registry.display_name(tool)}" in error["message"]
        assert not ScanJob.objects.filter(inspection=inspection).exists()


def test_tool_names_are_case_insensitive(api_client, inspector, inspection):

    api_client.force_authenticate(inspector)
    content = (FIXTURES / "multi_run.sarif").read_bytes()
    assert post_file(api_client, inspection, content, name="r.sarif", tool=" SARIF ").status_code == 202
    assert ScanJob.objects.get(inspection=inspection).tool == "sarif"
