"""Failures a person can act on (issue 12, deliverable 2): codes, parameters and positions kept on
the job; messages rebuilt in the reader's language; retry offered only where it could succeed, with
another tool where that is what would help."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.errors import Conflict, InvalidInput
from cases.error_codes import SCAN_JOB_NEEDS_OTHER_TOOL, SCAN_JOB_NOT_RETRYABLE, UNKNOWN_TOOL, WRONG_TOOL
from cases.ingest import failures, jobs
from cases.models import ScanJob, ScanJobEvent, ScanStatus
from cases.scanners import errors, registry
from tests.cases.ingest.test_service import media_root, run  # noqa: F401 (fixtures)
from tests.cases.scanners.conftest import FIXTURES, SAMPLES

CJK = re.compile(r"[\u4e00-\u9fff]")

WRONG_PAIRS = [(fmt, tool) for fmt in SAMPLES for tool in SAMPLES if fmt != tool]

# Sample parameter values for every message variant.
VALUES = {
    "tool": "sarif",
    "detected": "har",
    "expected": "version, runs[]",
    "container": "ZIP",
    "format": "JSON",
    "truncated": True,
    "field": "ts",
    "type": "time",
    "value": "yesterday",
    "max_line_bytes": 1048576,
    "max_rows": 1000000,
    "max_entries": 10000,
    "max_mb": 500,
    "byte": 17,
    "max_depth": 200,
    "max_digits": 100,
    "minutes": 30,
    "n": 3,
    "job": 42,
}
VARIANTS = [(code, needed) for code, options in failures.MESSAGES.items() for needed, _text in options]


@pytest.fixture
def inspection(inspection_factory):
    return inspection_factory()


def upload(actor, inspection, name: str, content: bytes, tool: str = "") -> ScanJob:
    job, _ = jobs.scan_job_create(
        actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(name, content), tool=tool
    )
    return job


# --- messages in both languages --------------------------------------------------------------------


@pytest.mark.parametrize(("code", "needed"), VARIANTS, ids=[f"{c}:{'+'.join(n) or '-'}" for c, n in VARIANTS])
def test_every_failure_message_exists_in_english_and_chinese(code, needed):
    params = {key: VALUES[key] for key in needed}
    with translation.override("en"):
        english = failures.message(code, params)
    with translation.override("zh-hans"):
        chinese = failures.message(code, params)
    assert english and not CJK.search(english.replace("“", "").replace("”", "")), english
    assert CJK.search(chinese), chinese
    assert english != chinese
    for key in needed:
        if key != "truncated":
            # Tools by the name people know them by (sarif → SARIF).
            value = registry.display_name(VALUES[key]) if key in ("tool", "detected") else str(VALUES[key])
            assert value in english and value in chinese


@pytest.mark.parametrize(
    ("position", "english", "chinese"),
    [
        ({"line": 5, "column": 10, "byte": 31}, "(line 5, column 10)", "（位置：第 5 行第 10 列）"),
        ({"line": 8}, "(line 8)", "（位置：第 8 行）"),
        ({"byte": 21}, "(byte 21)", "（位置：第 21 字节）"),
        ({"sheet": "隐私合规", "row": 7}, "(sheet “隐私合规”, row 7)", "（位置：工作表“隐私合规”第 7 行）"),
    ],
)
def test_the_position_is_said_in_the_readers_language(position, english, chinese):
    params = {"format": "JSON", "position": position, "detail": "invalid JSON at ..."}
    with translation.override("en"):
        assert failures.message(errors.DAMAGED_FILE, params) == f"The JSON file is damaged or malformed. {english}"
    with translation.override("zh-hans"):
        assert failures.message(errors.DAMAGED_FILE, params) == f"JSON 文件已损坏或格式错误。{chinese}"


def test_a_code_from_before_the_codes_keeps_its_stored_reason():
    assert failures.message("invalid_file", {}, fallback="unsupported format") == "unsupported format"
    assert failures.retry_rule("invalid_file") == failures.RETRY_OTHER_TOOL


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("worker_lost", "same"),
        ("timeout", "same"),
        ("internal_error", "same"),
        ("wrong_tool", "other_tool"),
        ("unsupported_format", "other_tool"),
        ("file_missing", "none"),
        ("damaged_file", "none"),
        ("invalid_value", "none"),
        ("reference_data", "none"),
        ("empty_file", "none"),
        ("too_large", "none"),
        ("not_utf8", "none"),
        ("too_deep", "none"),
        ("number_too_long", "none"),
        ("xml_forbidden", "none"),
    ],
)
def test_retry_is_offered_only_where_it_could_succeed(code, rule):
    assert failures.retry_rule(code) == rule


def test_the_api_failure_object_follows_the_request_language(api_client, inspector, inspection):
    job = upload(inspector, inspection, "notes.txt", b"")  # empty: refused before any parser
    job = run(job)
    api_client.force_authenticate(inspector)
    url = reverse("scans-api:job", args=[job.pk])

    english = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["failure"]
    chinese = api_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["failure"]

    assert english == {
        "code": "empty_file",
        "reason": "The file is empty.",
        "params": {"detail": "empty file"},
        "position": None,
        "retryable": False,
        "retry_with_other_tool": False,
        "suggested_tool": None,
    }
    assert chinese["reason"] == "文件为空。"
    assert job.failure_reason == "文件为空。"  # stored in the default language (zh-hans)
    assert api_client.get(url).json()["retry_url"] is None


def test_the_scan_page_shows_the_failure_in_the_pages_language(client, inspector, inspection):
    run(upload(inspector, inspection, "notes.txt", b"plain words"))
    client.force_login(inspector)
    url = reverse("scan-page", args=[inspection.pk])

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "This file is not in any scanner format Rectify reads." in english
    assert "该文件不是本系统可读取的任何检测工具格式。" not in english
    assert "该文件不是本系统可读取的任何检测工具格式。" in chinese
    assert "This file is not in any scanner format Rectify reads." not in chinese


# --- the wrong-tool matrix at read time, and retry with another tool ---------------------------------


@pytest.mark.parametrize(("fmt", "tool"), WRONG_PAIRS, ids=[f"{f}-as-{t}" for f, t in WRONG_PAIRS])
def test_a_wrong_tool_that_got_past_the_upload_fails_at_read_and_is_retried_with_the_right_one(
    monkeypatch, api_client, inspector, inspection, django_capture_on_commit_callbacks, fmt, tool
):
    """The upload check (test_api's matrix) refuses these pairs with 400; should one get through
    (a file whose first bytes say nothing), the named parser's structure check refuses it."""
    monkeypatch.setattr(jobs, "check_tool_agrees", lambda uploaded, *, tool, name=None: None)
    content = (FIXTURES / SAMPLES[fmt]).read_bytes()
    job = run(upload(inspector, inspection, SAMPLES[fmt], content, tool=tool))
    monkeypatch.undo()

    assert (job.status, job.failure_code, job.tool) == (ScanStatus.FAILED, errors.WRONG_TOOL, tool)
    assert {k: v for k, v in job.failure_params.items() if k not in ("detail", "position")} == {
        "tool": tool,
        "detected": fmt,
    }
    api_client.force_authenticate(inspector)
    failure = api_client.get(reverse("scans-api:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en").json()["failure"]
    shown, named = registry.display_name(fmt), registry.display_name(tool)  # people read "MobSF", not "mobsf"
    assert failure["reason"].startswith(f"This file is a {shown} output, not {named}: retry it as {shown}.")
    assert (failure["retryable"], failure["retry_with_other_tool"], failure["suggested_tool"]) == (False, True, fmt)

    retry_url = reverse("scans-api:retry", args=[job.pk])
    same = api_client.post(retry_url, {"tool": tool}, format="json")
    assert (same.status_code, same.json()["error"]["code"]) == (409, SCAN_JOB_NEEDS_OTHER_TOOL)
    with django_capture_on_commit_callbacks(execute=True):
        retried = api_client.post(retry_url, {"tool": fmt.upper()}, format="json")
    assert retried.status_code == 202
    job.refresh_from_db()
    assert (job.status, job.tool, job.failure_code, job.failure_params) == (ScanStatus.SUCCEEDED, fmt, "", {})
    event = ScanJobEvent.objects.get(job=job, kind=jobs.RETRIED)
    assert (event.data["tool"], event.data["previous"]["tool"], event.data["previous"]["code"]) == (
        fmt,
        tool,
        "wrong_tool",
    )


def test_retry_with_a_tool_that_disagrees_with_the_file_is_refused_like_an_upload(inspector, inspection):
    job = run(upload(inspector, inspection, "x.json", b'{"version": "1.0", "name": "x"}', tool="sarif"))
    assert (job.failure_code, job.failure_params["tool"]) == (errors.UNSUPPORTED_FORMAT, "sarif")

    with pytest.raises(InvalidInput) as unknown:
        jobs.scan_job_retry(actor=inspector, job=job, tool="nope")
    assert unknown.value.code == UNKNOWN_TOOL

    other = upload(inspector, inspection, "capture.har", (FIXTURES / "capture.har").read_bytes())
    ScanJob.objects.filter(pk=other.pk).update(status=ScanStatus.FAILED, failure_code=errors.UNSUPPORTED_FORMAT)
    with pytest.raises(InvalidInput) as disagrees:
        jobs.scan_job_retry(actor=inspector, job=other, tool="zeek")
    assert (disagrees.value.code, disagrees.value.details) == (WRONG_TOOL, {"tool": "zeek", "detected": "har"})


@pytest.mark.parametrize("code", ["damaged_file", "empty_file", "reference_data", "too_large", "file_missing"])
def test_a_failure_of_the_file_itself_is_not_retried_even_with_another_tool(api_client, inspector, inspection, code):
    job = upload(inspector, inspection, "x.har", b"{}")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.FAILED, failure_code=code)
    api_client.force_authenticate(inspector)

    for body in ({}, {"tool": "sarif"}):
        response = api_client.post(reverse("scans-api:retry", args=[job.pk]), body, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (409, SCAN_JOB_NOT_RETRYABLE)
    assert api_client.get(reverse("scans-api:job", args=[job.pk])).json()["retry_url"] is None
    with pytest.raises(Conflict):
        jobs.scan_job_retry(actor=inspector, job=job)


@pytest.mark.parametrize("code", ["worker_lost", "timeout", "internal_error"])
def test_a_failure_beside_the_file_is_retried_as_it_was(api_client, inspector, inspection, code):
    job = upload(inspector, inspection, "x.har", b"{}", tool="har")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.FAILED, failure_code=code)
    api_client.force_authenticate(inspector)
    assert api_client.get(reverse("scans-api:job", args=[job.pk])).json()["failure"]["retryable"] is True

    response = api_client.post(reverse("scans-api:retry", args=[job.pk]))

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["tool"]) == ("queued", "har")


def test_the_scan_page_offers_a_tool_choice_only_where_that_would_help(client, inspector, inspection):
    wrong = upload(inspector, inspection, "a.har", b"{}", tool="har")
    damaged = upload(inspector, inspection, "b.har", b"{ }")
    lost = upload(inspector, inspection, "c.har", b"{  }")
    ScanJob.objects.filter(pk=wrong.pk).update(
        status=ScanStatus.FAILED, failure_code="wrong_tool", failure_params={"tool": "har", "detected": "sarif"}
    )
    ScanJob.objects.filter(pk=damaged.pk).update(status=ScanStatus.FAILED, failure_code="damaged_file")
    ScanJob.objects.filter(pk=lost.pk).update(status=ScanStatus.FAILED, failure_code="worker_lost")
    client.force_login(inspector)

    page = client.get(reverse("scan-page", args=[inspection.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    rows = {job.pk: page.split(f'id="scan-job-{job.pk}"', 1)[1].split("</tr>", 1)[0] for job in (wrong, damaged, lost)}
    assert 'data-field="retry-with-tool"' in rows[wrong.pk]
    assert '<option value="sarif" selected>' in rows[wrong.pk]
    assert '<option value="har"' not in rows[wrong.pk]  # the tool that failed is not offered again
    assert 'data-field="no-retry"' in rows[damaged.pk] and "scan-retry" not in rows[damaged.pk]
    assert reverse("scan-retry", args=[lost.pk]) in rows[lost.pk]
    assert 'data-field="retry-with-tool"' not in rows[lost.pk]


def test_retry_with_a_tool_when_the_stored_file_is_gone_answers_409(inspector, inspection):
    job = upload(inspector, inspection, "x.json", b'{"version": "1.0"}', tool="sarif")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.FAILED, failure_code="unsupported_format")
    job.file.storage.delete(job.file.name)

    with pytest.raises(Conflict) as refused:
        jobs.scan_job_retry(actor=inspector, job=job, tool="har")

    assert (refused.value.code, refused.value.details["failure_code"]) == (SCAN_JOB_NOT_RETRYABLE, "file_missing")


def test_a_refused_retry_says_why_in_words_not_by_its_code(inspector, inspection):
    """Issue 15 (one language per page): the refusal names the failure as people read it."""
    job = upload(inspector, inspection, "x.json", b'{"version": "1.0"}', tool="sarif")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.FAILED, failure_code="file_missing")
    job.refresh_from_db()
    with translation.override("en"), pytest.raises(Conflict) as refused:
        jobs.scan_job_retry(actor=inspector, job=job)
    assert "file_missing" not in str(refused.value.message)
    assert "The stored file is missing" in str(refused.value.message)
    assert refused.value.details["failure_code"] == "file_missing"
