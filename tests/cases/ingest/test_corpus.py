"""Real scanner outputs (../shared/corpus) through the whole job path and the real parsers and rules.

Each file is uploaded the way the API does, its message runs the task on commit, and the job's
counts are checked against what the parsers and rules say about the same bytes.
"""

import hashlib
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import retest
from cases.ingest import jobs
from cases.models import Finding, FindingSource, ScanJob, ScanStatus
from cases.scanners import ScanContext, detect_candidates, is_counted, parse
from tests.cases.ingest.test_service import english, media_root  # noqa: F401 (fixtures)
from tests.conftest import CORPUS

pytestmark = pytest.mark.corpus

# Files the parsers refuse on purpose, with the start of their reason.
REFUSED = {
    "har/mitmproxy-test_brokenfile_malformed.har": ("damaged_file", "invalid JSON at line 5"),
    "exodus/mobsf-shipped_exodus_api_trackers_2025-08.json": ("reference_data", "this is the εxodus tracker list"),
}
CORPUS_FILES = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*") if p.is_file() and p.suffix != ".md") or [
    "(corpus missing)"
]


def ingest(actor, inspection, path: Path, callbacks):
    with callbacks(execute=True):
        job, created = jobs.scan_job_create(
            actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(path.name, path.read_bytes())
        )
    assert created
    return ScanJob.objects.get(pk=job.pk)


# Device captures and network scans are inspections of terminals; the other tools read apps.
TERMINAL_TOOLS = {"nmap", "zeek"}


def product_kind(relative: str) -> str:
    return "terminal" if relative.split("/")[0] in TERMINAL_TOOLS else "app"


def inspection_for(relative: str, inspection_factory):
    kind = product_kind(relative)
    if kind == "terminal":
        return inspection_factory(
            product_version__product__kind=kind, product_version__product__terminal_category="other"
        )
    return inspection_factory(product_version__product__kind=kind)


def expected_counts(path: Path, kind: str = "app") -> tuple[int, int, int, int]:
    """(rows read, observations counted, distinct (rule, locus) with known codes that apply, candidates
    with such codes)."""
    from cases.models import ViolationType

    known = {v.code for v in ViolationType.objects.filter(active=True) if v.applies_to_kind(kind)}
    with path.open("rb") as stream:
        observations = list(parse(stream, filename=path.name))
    counted = sum(1 for o in observations if is_counted(o.kind, o.attributes))
    found = detect_candidates(iter(observations), context=ScanContext(product_kind=kind))
    candidates = [c for c in found if c.violation_code in known]
    return len(observations), counted, len({(c.rule, c.locus) for c in candidates}), len(candidates)


@pytest.mark.parametrize("relative", CORPUS_FILES)
def test_every_corpus_file_ends_as_the_parsers_say(
    relative, corpus, inspector, inspection_factory, django_capture_on_commit_callbacks
):
    path = corpus(relative)
    job = ingest(inspector, inspection_for(relative, inspection_factory), path, django_capture_on_commit_callbacks)

    if relative in REFUSED:
        code, detail = REFUSED[relative]
        assert (job.status, job.failure_code) == (ScanStatus.FAILED, code)
        assert job.failure_params["detail"].startswith(detail)
        return
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    rows, observations, distinct, candidates = expected_counts(path, product_kind(relative))
    assert job.observations == observations
    assert sum(job.counts["by_kind"].values()) == observations
    assert job.findings_created == distinct
    assert job.duplicates == candidates - distinct
    assert 0 <= job.unmapped <= job.observations
    stored = list(job.stored_observations.values_list("kind", "attributes", "mapped"))
    assert len(stored) == rows
    assert job.unmapped == sum(1 for kind, attributes, mapped in stored if is_counted(kind, attributes) and not mapped)
    assert job.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert Finding.objects.filter(scan_job=job).count() == distinct


def test_mobsf_report_findings_codes_and_reimport(
    corpus, inspector, inspection_factory, django_capture_on_commit_callbacks
):
    path = corpus("mobsf", "dd_knablibom_mobsf-3.1.6_android.json")
    inspection = inspection_factory()
    job = ingest(inspector, inspection, path, django_capture_on_commit_callbacks)

    assert (job.status, job.tool, job.observations, job.findings_created) == (ScanStatus.SUCCEEDED, "mobsf", 168, 8)
    codes = Counter(Finding.objects.filter(scan_job=job).values_list("violation_type__code", flat=True))
    assert codes == {"PM-02": 3, "PM-01": 3, "PI-03": 1, "PI-05": 1}
    assert set(Finding.objects.filter(scan_job=job).values_list("source", "status").distinct()) == {
        (FindingSource.SCAN, "candidate")
    }

    # The same report again (one byte of whitespace more, so it is another file): all duplicates.
    with django_capture_on_commit_callbacks(execute=True):
        again, _ = jobs.scan_job_create(
            actor=inspector,
            inspection=inspection,
            uploaded=SimpleUploadedFile("again.json", path.read_bytes() + b"\n"),
        )
    again.refresh_from_db()
    assert (again.status, again.findings_created, again.duplicates) == (ScanStatus.SUCCEEDED, 0, 8)
    assert Finding.objects.filter(inspection=inspection).count() == 8
    assert set(Finding.objects.filter(inspection=inspection).values_list("occurrences", flat=True)) == {2}


def test_privacysentry_workbook(corpus, inspector, inspection_factory, django_capture_on_commit_callbacks):
    job = ingest(
        inspector,
        inspection_factory(),
        corpus("privacysentry", "privacysentry_demo_result_2021-12-26.xls"),
        django_capture_on_commit_callbacks,
    )

    assert (job.status, job.tool, job.observations, job.findings_created) == (
        ScanStatus.SUCCEEDED,
        "privacysentry",
        37,
        3,
    )
    assert set(Finding.objects.filter(scan_job=job).values_list("violation_type__code", flat=True)) == {"PI-01"}


def test_retest_of_a_newer_version_with_real_reports(
    corpus, inspector, inspection_factory, version_factory, django_capture_on_commit_callbacks
):
    """The same MobSF report on the re-test: everything still present, nothing proposed gone."""
    path = corpus("mobsf", "dd_knablibom_mobsf-3.1.6_android.json")
    previous = inspection_factory()
    newer = version_factory(product=previous.product_version.product)
    current = inspection_factory(product_version=newer, retest_of=previous)
    ingest(inspector, previous, path, django_capture_on_commit_callbacks)
    ingest(inspector, current, path, django_capture_on_commit_callbacks)

    comparison = retest.retest_comparison(inspection=current)

    assert comparison.counts() == {"new": 0, "still_present": 8, "gone": 0, "manual_to_recheck": 0}
    # Fingerprints differ (they include the version); the comparison matched on (rule, locus).
    assert not set(Finding.objects.filter(inspection=previous).values_list("fingerprint", flat=True)) & set(
        Finding.objects.filter(inspection=current).values_list("fingerprint", flat=True)
    )

    # A re-test that only captured traffic: the report's findings are proposed gone, not closed.
    other = inspection_factory(product_version=newer, retest_of=previous)
    ingest(inspector, other, corpus("zeek", "zeek-btest_mqtt_connect.log"), django_capture_on_commit_callbacks)
    comparison = retest.retest_comparison(inspection=other)
    assert comparison.counts() == {"new": 1, "still_present": 0, "gone": 8, "manual_to_recheck": 0}
    assert set(Finding.objects.filter(inspection=previous).values_list("status", flat=True)) == {"candidate"}
