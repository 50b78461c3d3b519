"""The ingest service with a stand-in parser: counts, fingerprints, upserts, progress, atomicity.

The stand-in reads JSON lines (one observation each; ``codes`` lists the violation codes its rule
reports) so each test states exactly what a file contains. The real parsers have their own tests
(tests/cases/test_ingest_real.py, test_hostile_inputs.py).
"""

import csv
import hashlib
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from cases.ingest import jobs, service, store
from cases.models import Finding, FindingSource, FindingStatus, ScanJob, ScanJobEvent, ScanStatus, finding_carried
from cases.scanners import Candidate, Observation, ScanError
from cases.services import finding_confirm

FAKE_TOOL = "fake-lines"


def fake_parse(stream, *, tool=None, filename=""):
    for number, line in enumerate(iter(stream.readline, b""), 1):
        line = line.strip()
        if not line:
            continue
        if line == b"BOOM":
            raise ScanError(f"line {number} is broken", position={"line": number})
        if line == b"CRASH":  # not the file's fault: a retry may succeed (internal_error)
            raise RuntimeError(f"crashed at line {number}")
        row = json.loads(line)
        yield Observation(FAKE_TOOL, row.get("kind", "thing"), row["locus"], row)


def fake_detect(observations, **options):
    for seq, observation in enumerate(observations, 1):
        for code in observation.attributes.get("codes", []):
            yield Candidate(
                rule=observation.attributes.get("rule", f"fake.{code}"),
                violation_code=code,
                title=observation.attributes.get("title", f"{code} at {observation.locus}"),
                locus=observation.locus,
                evidence=observation.attributes.get("evidence", {"locus": observation.locus}),
                sources=(seq,),
            )


@pytest.fixture(autouse=True)
def english(settings):
    """Reasons are stored in the default language; make it English so tests read the sentences."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fake_scanner(monkeypatch):
    monkeypatch.setattr(service, "parse", fake_parse)
    monkeypatch.setattr(service, "detect_candidates", fake_detect)


def lines(*rows) -> bytes:
    return b"".join(json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in rows)


def upload(actor, inspection, content: bytes, name: str = "capture.jsonl", tool: str = ""):
    """Create the job the way an upload does (row + stored file + message on commit)."""
    job, _created = jobs.scan_job_create(
        actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(name, content), tool=tool
    )
    return job


def run(job) -> ScanJob:
    """What the worker does with the message: lease and ingest, in this process."""
    service.scan_job_process(job_id=job.pk)
    return ScanJob.objects.get(pk=job.pk)


def fingerprint(version_id, rule, locus) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in (version_id, rule, locus)).encode()).hexdigest()


@pytest.fixture
def inspection(inspection_factory):
    return inspection_factory()


def test_ingest_creates_candidate_findings_with_counts_and_fingerprints(fake_scanner, inspector, inspection):
    content = lines(
        {"locus": "GET https://t.example/a", "codes": ["PI-01"], "rule": "har.device_id"},
        {"locus": "GET https://t.example/b", "codes": ["PI-02", "PI-03"]},
        {"locus": "GET https://cdn.example/x"},  # no candidate: unmapped
        {"locus": "GET https://t.example/c", "codes": ["XX-99"]},  # unknown code: unmapped
    )
    job = run(upload(inspector, inspection, content))

    assert job.status == ScanStatus.SUCCEEDED
    assert job.progress == 100
    assert (job.observations, job.findings_created, job.duplicates) == (4, 3, 0)
    # one observation without candidate + one whose only candidate has an unknown code (it fed no
    # saved candidate); the unknown code is counted apart.
    assert job.unmapped == 2
    assert job.counts == {"by_kind": {"thing": 4}, "unknown_codes": 1}
    stored = list(job.stored_observations.values_list("seq", "kind", "locus", "mapped"))
    assert stored == [
        (1, "thing", "GET https://t.example/a", True),
        (2, "thing", "GET https://t.example/b", True),
        (3, "thing", "GET https://cdn.example/x", False),
        (4, "thing", "GET https://t.example/c", False),
    ]
    assert job.attempts == 1
    assert job.tool == FAKE_TOOL
    assert job.finished_at is not None and job.lease_expires_at is None
    findings = Finding.objects.filter(inspection=inspection).order_by("violation_type__code")
    assert [f.violation_type.code for f in findings] == ["PI-01", "PI-02", "PI-03"]
    first = findings[0]
    assert first.status == FindingStatus.CANDIDATE
    assert first.source == FindingSource.SCAN
    assert first.scan_job_id == job.pk
    assert first.created_by == inspector
    assert first.rule == "har.device_id"
    assert first.locus == "GET https://t.example/a"
    assert first.fingerprint == fingerprint(inspection.product_version_id, "har.device_id", "GET https://t.example/a")
    assert first.occurrences == 1
    assert first.evidence == {"locus": "GET https://t.example/a"}
    kinds = list(ScanJobEvent.objects.filter(job=job).values_list("kind", "from_status", "to_status", "attempt"))
    assert kinds == [
        (jobs.UPLOADED, "", "queued", 0),
        (jobs.STARTED, "queued", "running", 1),
        (jobs.SUCCEEDED, "running", "succeeded", 1),
    ]


def test_same_locus_and_rule_in_one_file_is_one_finding_with_occurrences(fake_scanner, inspector, inspection):
    row = {"locus": "POST https://t.example/collect", "codes": ["PI-01"], "rule": "har.imei"}
    job = run(upload(inspector, inspection, lines(row, row, row, {**row, "rule": "har.other"})))

    assert (job.observations, job.findings_created, job.duplicates, job.unmapped) == (4, 2, 2, 0)
    merged = Finding.objects.get(inspection=inspection, rule="har.imei")
    assert merged.occurrences == 3
    assert Finding.objects.get(inspection=inspection, rule="har.other").occurrences == 1


def test_reimport_upserts_counts_duplicates_and_keeps_decisions(fake_scanner, inspector, reviewer, inspection):
    a = {"locus": "GET https://t.example/a", "codes": ["PI-01"], "rule": "r1"}
    b = {"locus": "GET https://t.example/b", "codes": ["PI-02"], "rule": "r2"}
    c = {"locus": "GET https://t.example/c", "codes": ["PI-03"], "rule": "r3"}
    first = run(upload(inspector, inspection, lines(a, b), name="day1.jsonl"))
    confirmed = finding_confirm(actor=reviewer, finding=Finding.objects.get(inspection=inspection, rule="r1"))

    # A second capture of the same app version: a and b again (in new evidence), c is new.
    second = run(upload(inspector, inspection, lines({**a, "evidence": {"new": True}}, b, c), name="day2.jsonl"))

    assert (first.findings_created, first.duplicates) == (2, 0)
    assert (second.observations, second.findings_created, second.duplicates, second.unmapped) == (3, 1, 2, 0)
    assert Finding.objects.filter(inspection=inspection).count() == 3
    again = Finding.objects.get(pk=confirmed.pk)
    assert again.status == FindingStatus.CONFIRMED
    assert again.decided_by == reviewer
    assert again.evidence == {"locus": "GET https://t.example/a"}  # the evidence a person decided on
    assert again.scan_job_id == first.pk
    assert again.occurrences == 2
    assert Finding.objects.get(inspection=inspection, rule="r3").scan_job_id == second.pk


def test_same_candidates_in_another_inspection_are_separate_findings(fake_scanner, inspector, inspection_factory):
    row = {"locus": "GET https://t.example/a", "codes": ["PI-01"], "rule": "r1"}
    one, two = inspection_factory(), inspection_factory()
    run(upload(inspector, one, lines(row)))
    job = run(upload(inspector, two, lines(row)))

    assert (job.findings_created, job.duplicates) == (1, 0)
    assert Finding.objects.filter(rule="r1").count() == 2


def test_a_file_failing_half_way_saves_no_findings_and_says_why(fake_scanner, inspector, inspection):
    good = lines(*({"locus": f"GET https://t.example/{n}", "codes": ["PI-01"]} for n in range(30)))
    job = run(upload(inspector, inspection, good + b"BOOM\n"))

    assert job.status == ScanStatus.FAILED
    assert job.failure_code == "damaged_file"
    assert job.failure_params == {"position": {"line": 31}, "detail": "line 31 is broken"}
    assert job.failure_reason == "The file is damaged or malformed. (line 31)"
    assert Finding.objects.filter(inspection=inspection).count() == 0
    assert job.file.storage.exists(job.file.name)  # the file is kept whatever the outcome
    event = ScanJobEvent.objects.get(job=job, kind=jobs.FAILED)
    assert (event.from_status, event.to_status, event.reason) == ("running", "failed", job.failure_reason)
    assert event.data == {"code": "damaged_file"}


def test_progress_is_written_by_bytes_read_and_renews_the_lease(fake_scanner, monkeypatch, inspector, inspection):
    monkeypatch.setattr(service, "PROGRESS_EVERY", 10)
    seen = []
    heartbeat = jobs.scan_job_heartbeat

    def spy(**kwargs):
        heartbeat(**kwargs)
        row = ScanJob.objects.get(pk=kwargs["job"].pk)
        seen.append((row.progress, row.observations, row.lease_expires_at))

    monkeypatch.setattr(jobs, "scan_job_heartbeat", spy)
    rows = [{"locus": f"GET https://t.example/{n:04d}", "codes": ["PI-01"]} for n in range(50)]
    job = run(upload(inspector, inspection, lines(*rows)))

    assert job.status == ScanStatus.SUCCEEDED
    # every 10 observations while reading, then once before saving (90 = the reading share)
    assert [count for _, count, _ in seen] == [10, 20, 30, 40, 50, 50]
    progress = [p for p, _, _ in seen]
    assert progress == sorted(progress)
    assert 0 < progress[0] < service.READ_SHARE
    assert progress[-1] == service.READ_SHARE
    assert all(lease is not None for _, _, lease in seen)
    assert seen[-1][2] > seen[-2][2]  # the save gets the long lease


def test_text_postgresql_refuses_is_cleaned_and_long_fields_are_cut(fake_scanner, inspector, inspection):
    long_locus = "GET https://t.example/" + "p" * 700
    row_nul = {"locus": "GET https://t.example/\u0000nul", "codes": ["PI-01"], "evidence": {"body": "a\u0000b"}}
    row_long = {"locus": long_locus, "codes": ["PI-02"], "title": "t" * 400, "evidence": {"body": "x" * 100_000}}
    # A lone surrogate cannot be written as UTF-8; JSON can carry it as an escape.
    surrogate = b'{"locus": "GET https://t.example/\\ud800", "codes": ["PI-03"], "evidence": {"s": "\\udfff"}}\n'
    job = run(upload(inspector, inspection, lines(row_nul, row_long) + surrogate))

    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    assert job.findings_created == 3
    nul = Finding.objects.get(inspection=inspection, violation_type__code="PI-01")
    assert nul.locus == "GET https://t.example/\ufffdnul"
    assert nul.evidence == {"body": "a\ufffdb"}
    cut = Finding.objects.get(inspection=inspection, violation_type__code="PI-02")
    assert len(cut.locus) == 500 and long_locus.startswith(cut.locus)
    assert len(cut.title) == 300
    assert cut.fingerprint == fingerprint(inspection.product_version_id, "fake.PI-02", cut.locus)
    assert cut.evidence["truncated"] is True
    assert cut.evidence["chars"] > service.EVIDENCE_CHARS
    assert len(cut.evidence["preview"]) == service.EVIDENCE_PREVIEW_CHARS
    lone = Finding.objects.get(inspection=inspection, violation_type__code="PI-03")
    assert lone.locus == "GET https://t.example/?"
    assert lone.evidence == {"s": "?"}


def test_inactive_violation_type_counts_as_unmapped(fake_scanner, inspector, inspection):
    from cases.models import ViolationType

    ViolationType.objects.filter(code="PI-07").update(active=False)
    job = run(upload(inspector, inspection, lines({"locus": "x", "codes": ["PI-07"]})))

    assert (job.observations, job.findings_created, job.unmapped) == (1, 0, 1)
    assert job.counts["unknown_codes"] == 1


def test_an_unexpected_error_fails_the_job_with_a_reference_not_a_crash(monkeypatch, inspector, inspection):
    def broken_parse(stream, *, tool=None, filename=""):
        raise KeyError("bug in a parser")
        yield

    monkeypatch.setattr(service, "parse", broken_parse)
    job = run(upload(inspector, inspection, b"anything"))

    assert job.status == ScanStatus.FAILED
    assert job.failure_code == "internal_error"
    assert f"job {job.pk}" in job.failure_reason


def test_recursion_and_decoding_errors_a_parser_lets_through_are_named(monkeypatch, inspector, inspection_factory):
    def deep(stream, *, tool=None, filename=""):
        raise RecursionError("maximum recursion depth exceeded")
        yield

    def undecodable(stream, *, tool=None, filename=""):
        b"ok \xff".decode("utf-8")
        yield

    monkeypatch.setattr(service, "parse", deep)
    job = run(upload(inspector, inspection_factory(), b"x"))
    assert (job.status, job.failure_code) == (ScanStatus.FAILED, "too_deep")

    monkeypatch.setattr(service, "parse", undecodable)
    job = run(upload(inspector, inspection_factory(), b"y"))
    assert (job.status, job.failure_code) == (ScanStatus.FAILED, "not_utf8")
    assert "position 3" in job.failure_reason


def test_batched_store_matches_the_postgresql_store(fake_scanner, monkeypatch, inspector, inspection_factory):
    """The ORM path (SQLite, the embedded default) gives the same rows and counts as COPY."""
    rows = [{"locus": f"L{n % 7}", "codes": ["PI-01"], "rule": f"r{n % 3}"} for n in range(40)]
    content = lines(*rows)
    by_copy = run(upload(inspector, inspection_factory(), content))

    inspection = inspection_factory()
    job = upload(inspector, inspection, content)
    leased = jobs.scan_job_lease(job_id=job.pk)
    spool = io.StringIO(newline="")
    with leased.file.open("rb") as stream:
        tally = service.read_into_spool(job=leased, stream=stream, spool=spool)
    spool.seek(0)
    monkeypatch.setattr(store, "BATCH", 8)  # several batches, with fingerprints repeating across them
    created = store._save_batches(job=leased, rows=csv.reader(spool), carried=finding_carried(inspection))

    assert tally.candidates == 40
    assert created == by_copy.findings_created == 21
    fields = ("rule", "locus", "occurrences", "violation_type_id")
    assert sorted(Finding.objects.filter(inspection=inspection).values_list(*fields)) == sorted(
        Finding.objects.filter(scan_job=by_copy).values_list(*fields)
    )
    # Both paths carry the inspection's authority and vendor onto each finding (issue 14).
    for made in (inspection, by_copy.inspection):
        carried = {(made.authority_id, made.vendor_id)}
        assert set(Finding.objects.filter(inspection=made).values_list("authority_id", "vendor_id")) == carried


def test_second_delivery_of_a_finished_job_does_nothing(fake_scanner, inspector, inspection):
    job = run(upload(inspector, inspection, lines({"locus": "a", "codes": ["PI-01"]})))

    assert service.scan_job_process(job_id=job.pk) is None
    assert ScanJob.objects.get(pk=job.pk).attempts == 1
    assert Finding.objects.get(inspection=inspection).occurrences == 1
