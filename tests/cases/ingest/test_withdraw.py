"""Withdrawing a finished scan job (issue 12, deliverable 1): a required reason, audited in the same
transaction; its undecided candidates go, decided findings stay; its file is freed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.error_codes import REASON_REQUIRED
from accounts.errors import InvalidInput
from cases.error_codes import SCAN_JOB_NOT_WITHDRAWABLE
from cases.ingest import jobs
from cases.models import Finding, FindingStatus, ScanJob, ScanJobEvent, ScanStatus
from tests.cases.ingest.test_service import english, fake_scanner, lines, media_root, run  # noqa: F401 (fixtures)

ROWS = [{"locus": f"GET https://t.example/{n}", "codes": ["PI-01"], "rule": "r"} for n in range(3)]


@pytest.fixture
def inspection(inspection_factory):
    return inspection_factory()


def upload(actor, inspection, content: bytes, name="capture.jsonl") -> tuple[ScanJob, bool]:
    return jobs.scan_job_create(actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(name, content))


def withdraw_url(job) -> str:
    return reverse("scans-api:withdraw", args=[job.pk])


def test_withdraw_removes_candidates_keeps_decided_findings_and_frees_the_file(
    fake_scanner,  # noqa: F811
    api_client,
    inspector,
    inspection,
    django_capture_on_commit_callbacks,
):
    content = lines(*ROWS)
    job = run(upload(inspector, inspection, content)[0])
    assert job.findings_created == 3
    confirmed, dismissed, candidate = Finding.objects.filter(scan_job=job).order_by("locus")
    Finding.objects.filter(pk=confirmed.pk).update(status=FindingStatus.CONFIRMED)
    Finding.objects.filter(pk=dismissed.pk).update(status=FindingStatus.DISMISSED)
    api_client.force_authenticate(inspector)

    response = api_client.post(withdraw_url(job), {"reason": "报告属于另一个应用"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["findings"] == {"removed": 1, "kept": 2, "kept_decided": 2, "kept_shared": 0, "kept_with_evidence": 0}
    assert body["job"]["status"] == "withdrawn"
    assert body["job"]["withdrawal"]["by"] == inspector.username
    assert body["job"]["withdrawal"]["reason"] == "报告属于另一个应用"
    assert body["job"]["retry_url"] is None and body["job"]["withdraw_url"] is None
    job.refresh_from_db()
    assert job.status == ScanStatus.WITHDRAWN and job.withdrawn_at is not None
    assert set(Finding.objects.filter(inspection=inspection).values_list("pk", flat=True)) == {
        confirmed.pk,
        dismissed.pk,
    }
    event = ScanJobEvent.objects.get(job=job, kind=jobs.WITHDRAWN)
    assert (event.actor, event.reason, event.from_status, event.to_status) == (
        inspector,
        "报告属于另一个应用",
        "succeeded",
        "withdrawn",
    )
    assert event.data == {"removed": 1, "kept_decided": 2, "kept_shared": 0, "kept_with_evidence": 0}
    assert job.file.storage.exists(job.file.name)  # the file is kept with the withdrawn job

    # The same bytes again: a new job, parsed again; the decided findings take the merges.
    with django_capture_on_commit_callbacks(execute=True):
        again = api_client.post(
            f"/api/v1/inspections/{inspection.pk}/scans/",
            {"file": SimpleUploadedFile("capture.jsonl", content)},
            format="multipart",
        )
    assert again.status_code == 202
    new = ScanJob.objects.get(pk=again.json()["id"])
    assert new.pk != job.pk
    assert (new.status, new.findings_created, new.duplicates) == (ScanStatus.SUCCEEDED, 1, 2)
    assert Finding.objects.get(pk=confirmed.pk).status == FindingStatus.CONFIRMED


def test_withdraw_needs_a_reason(fake_scanner, api_client, inspector, inspection):  # noqa: F811
    job = run(upload(inspector, inspection, lines(*ROWS))[0])
    api_client.force_authenticate(inspector)

    response = api_client.post(withdraw_url(job), {"reason": "  "}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (400, REASON_REQUIRED)
    with pytest.raises(InvalidInput) as refused:
        jobs.scan_job_withdraw(actor=inspector, job=job, reason=" ")
    assert refused.value.code == REASON_REQUIRED
    job.refresh_from_db()
    assert job.status == ScanStatus.SUCCEEDED
    assert Finding.objects.filter(scan_job=job).count() == 3


@pytest.mark.parametrize("status", [ScanStatus.QUEUED, ScanStatus.RUNNING, ScanStatus.WITHDRAWN])
def test_only_a_finished_job_can_be_withdrawn(api_client, inspector, inspection, status):
    job, _ = upload(inspector, inspection, b"x")
    ScanJob.objects.filter(pk=job.pk).update(status=status)
    api_client.force_authenticate(inspector)

    response = api_client.post(withdraw_url(job), {"reason": "r"}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (409, SCAN_JOB_NOT_WITHDRAWABLE)
    assert not ScanJobEvent.objects.filter(job=job, kind=jobs.WITHDRAWN).exists()


def test_a_failed_job_can_be_withdrawn_and_its_file_uploaded_again(inspector, inspection):
    job = run(upload(inspector, inspection, b"plain words", name="notes.txt")[0])
    assert job.status == ScanStatus.FAILED

    result = jobs.scan_job_withdraw(actor=inspector, job=job, reason="wrong file")

    assert (result.removed, result.kept, result.job.status) == (0, 0, ScanStatus.WITHDRAWN)
    again, created = upload(inspector, inspection, b"plain words", name="notes.txt")
    assert created and again.pk != job.pk
    assert upload(inspector, inspection, b"plain words")[0].pk == again.pk  # one standing job per file


def test_candidates_a_later_standing_job_may_have_merged_into_are_kept(
    fake_scanner,  # noqa: F811
    inspector,
    inspection,
):
    first = run(upload(inspector, inspection, lines(*ROWS))[0])
    # Other bytes, one of the same observations: merged into the first job's finding.
    later = run(
        upload(inspector, inspection, lines(ROWS[0], {"locus": "GET https://t.example/new", "codes": ["PI-01"]}))[0]
    )
    assert (later.findings_created, later.duplicates) == (1, 1)

    result = jobs.scan_job_withdraw(actor=inspector, job=first, reason="r")

    assert (result.removed, result.kept_shared) == (0, 3)
    assert Finding.objects.filter(inspection=inspection).count() == 4
    # Withdrawing the later job (nothing merged after it) removes what it created.
    result = jobs.scan_job_withdraw(actor=inspector, job=later, reason="r")
    assert (result.removed, result.kept_shared) == (1, 0)


def test_withdraw_policy_and_the_page(fake_scanner, api_client, client, inspector, reviewer, inspection):  # noqa: F811
    job = run(upload(inspector, inspection, lines(*ROWS))[0])
    api_client.force_authenticate(reviewer)
    assert api_client.post(withdraw_url(job), {"reason": "r"}, format="json").status_code == 403

    client.force_login(reviewer)
    page = client.get(reverse("scan-page", args=[inspection.pk])).content.decode()
    assert reverse("scan-withdraw", args=[job.pk]) not in page
    assert client.post(reverse("scan-withdraw", args=[job.pk]), {"reason": "r"}).status_code == 403

    client.force_login(inspector)
    url = reverse("scan-page", args=[inspection.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("scan-withdraw", args=[job.pk]) in page
    refused = client.post(reverse("scan-withdraw", args=[job.pk]), {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 302
    assert ScanJob.objects.get(pk=job.pk).status == ScanStatus.SUCCEEDED

    done = client.post(reverse("scan-withdraw", args=[job.pk]), {"reason": "另一个应用的报告"}, follow=True)
    assert ScanJob.objects.get(pk=job.pk).status == ScanStatus.WITHDRAWN
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page.split(f'id="scan-job-{job.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f"Withdrawn by {inspector.get_full_name() or inspector.username}" in row
    assert "另一个应用的报告" in row
    assert reverse("scan-withdraw", args=[job.pk]) not in row
    assert done.status_code == 200


def test_a_candidate_with_evidence_attached_is_kept(fake_scanner, inspector, inspection):  # noqa: F811
    from cases.models import Evidence

    job = run(upload(inspector, inspection, lines(*ROWS))[0])
    candidate = Finding.objects.filter(scan_job=job).order_by("locus").first()
    Evidence.objects.create(
        file="evidence/x.png",
        original_name="x.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        finding=candidate,
        uploaded_by=inspector,
    )

    result = jobs.scan_job_withdraw(actor=inspector, job=job, reason="r")

    assert (result.removed, result.kept_with_evidence, result.kept) == (2, 1, 1)
    assert list(Finding.objects.filter(inspection=inspection)) == [candidate]


def test_listing_withdrawn_jobs_takes_a_fixed_number_of_queries(
    api_client, client, inspector, inspection, django_assert_max_num_queries
):
    """Who withdrew each job is read once for the whole list (API and page), not once per job."""

    def withdraw_one(content: bytes) -> None:
        job = run(upload(inspector, inspection, content, name="notes.txt")[0])
        jobs.scan_job_withdraw(actor=inspector, job=job, reason="wrong file")

    withdraw_one(b"plain words")
    api_client.force_authenticate(inspector)
    client.force_login(inspector)
    url, page = f"/api/v1/inspections/{inspection.pk}/scans/", reverse("scan-page", args=[inspection.pk])
    with django_assert_max_num_queries(50) as one:
        assert api_client.get(url).json()[0]["withdrawal"]["reason"] == "wrong file"
    with django_assert_max_num_queries(80) as one_page:
        assert client.get(page).status_code == 200
    for n in range(3):
        withdraw_one(f"other words {n}".encode())
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = api_client.get(url).json()
    assert [job["withdrawal"]["by"] for job in body] == [inspector.username] * 4
    with django_assert_max_num_queries(len(one_page.captured_queries)):
        assert client.get(page).content.decode().count("wrong file") == 4
