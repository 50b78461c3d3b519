"""Re-test comparison: new, still present and gone (a proposal only) by (rule, locus)."""

import pytest

from accounts.errors import Conflict, NotFound
from cases import retest
from cases.error_codes import INSPECTION_NOT_A_RETEST
from cases.models import Finding, FindingSource, FindingStatus, ScanJob, ScanStatus, ViolationType
from tests.cases.ingest.test_service import english  # noqa: F401 (fixture)


@pytest.fixture
def pair(inspection_factory, version_factory):
    """A previous inspection of version 1 and a re-test of version 2 of the same product."""
    previous = inspection_factory()
    newer = version_factory(product=previous.product_version.product)
    return previous, inspection_factory(product_version=newer, retest_of=previous)


def scan_finding(finding_factory, inspection, rule, locus, **extra):
    return finding_factory(inspection=inspection, source=FindingSource.SCAN, rule=rule, locus=locus, **extra)


def pm02():
    return ViolationType.objects.get(code="PM-02")


def ids(queryset) -> list[int]:
    return [f.pk for f in queryset]


def test_new_still_present_and_gone_by_rule_and_locus(pair, finding_factory):
    previous, current = pair
    kept_old = scan_finding(finding_factory, previous, "har.imei", "POST https://t.example/collect")
    gone = scan_finding(finding_factory, previous, "tracker.identifying", "tracker:27", violation_type=pm02())
    kept_new = scan_finding(finding_factory, current, "har.imei", "POST https://t.example/collect")
    new = scan_finding(finding_factory, current, "perm.sensitive", "permission:READ_CONTACTS")
    # Same locus, other rule: not the same finding.
    other_rule = scan_finding(finding_factory, current, "tracker.other", "tracker:27")

    comparison = retest.retest_comparison(inspection=current)

    assert comparison.previous == previous
    assert sorted(ids(comparison.new)) == sorted([new.pk, other_rule.pk])
    assert ids(comparison.still_present) == [kept_new.pk]
    assert comparison.still_present[0].previous_finding_id == kept_old.pk
    assert ids(comparison.gone) == [gone.pk]
    assert comparison.counts() == {"new": 2, "still_present": 1, "gone": 1, "manual_to_recheck": 0}
    assert comparison.complete is True


def test_a_violation_type_the_retest_still_shows_elsewhere_is_not_gone(pair, finding_factory):
    """One "seen again" for the comparison and the closure proposal (cases.retest.seen_again_in):
    an obfuscated class renamed in the new version moves the locus, not the violation."""
    previous, current = pair
    moved = scan_finding(finding_factory, previous, "code.imei", "com/a/b.java", violation_type=pm02())
    scan_finding(finding_factory, current, "code.imei", "com/x/y.java", violation_type=pm02())
    comparison = retest.retest_comparison(inspection=current)
    assert moved.pk not in ids(comparison.gone)
    assert ids(comparison.gone) == []


def test_gone_is_only_a_proposal_nothing_is_written(pair, finding_factory, django_assert_max_num_queries):
    previous, current = pair
    confirmed = scan_finding(finding_factory, previous, "r", "gone-locus", status=FindingStatus.CONFIRMED)
    before = list(Finding.objects.order_by("pk").values())

    with django_assert_max_num_queries(12) as captured:
        comparison = retest.retest_comparison(inspection=current)
        assert ids(comparison.gone) == [confirmed.pk]
        comparison.counts()

    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in captured.captured_queries)
    assert list(Finding.objects.order_by("pk").values()) == before
    assert Finding.objects.get(pk=confirmed.pk).status == FindingStatus.CONFIRMED


def test_dismissed_findings_take_part_on_neither_side(pair, finding_factory):
    previous, current = pair
    scan_finding(finding_factory, previous, "r", "dismissed-before", status=FindingStatus.DISMISSED)
    scan_finding(finding_factory, current, "r", "dismissed-now", status=FindingStatus.DISMISSED)
    scan_finding(finding_factory, previous, "r", "both")
    scan_finding(finding_factory, current, "r", "both", status=FindingStatus.DISMISSED)

    counts = retest.retest_comparison(inspection=current).counts()

    # "both" was dismissed in the re-test: not seen as a violation there, so proposed gone.
    assert counts == {"new": 0, "still_present": 0, "gone": 1, "manual_to_recheck": 0}


def test_manual_findings_are_listed_to_recheck_by_hand(pair, finding_factory):
    previous, current = pair
    manual = finding_factory(inspection=previous, source=FindingSource.MANUAL, rule="manual", locus="manual:abc")

    comparison = retest.retest_comparison(inspection=current)

    assert ids(comparison.manual_to_recheck) == [manual.pk]
    assert comparison.counts()["gone"] == 0


def test_an_unfinished_or_failed_scan_job_marks_the_comparison_incomplete(pair, finding_factory, inspector):
    previous, current = pair
    scan_finding(finding_factory, previous, "r", "l")
    for status in (ScanStatus.SUCCEEDED, ScanStatus.FAILED):
        ScanJob.objects.create(
            inspection=current,
            file=f"scans/x-{status}.har",
            original_name="x.har",
            sha256=status[0] * 64,
            size=1,
            status=status,
            created_by=inspector,
        )

    comparison = retest.retest_comparison(inspection=current)

    assert comparison.jobs_not_succeeded == 1
    assert comparison.complete is False

    # Withdrawing the failed job sets it aside: the comparison is complete again.
    ScanJob.objects.filter(inspection=current, status=ScanStatus.FAILED).update(status=ScanStatus.WITHDRAWN)
    assert retest.retest_comparison(inspection=current).complete is True


def test_an_inspection_that_is_not_a_retest_is_refused(inspection_factory):
    with pytest.raises(Conflict) as refused:
        retest.retest_comparison(inspection=inspection_factory())
    assert refused.value.code == INSPECTION_NOT_A_RETEST


def test_comparison_selector_is_scoped(pair, inspector, vendor_user):
    _, current = pair
    assert retest.retest_comparison_for(actor=inspector, inspection_id=current.pk).inspection == current
    with pytest.raises(NotFound):
        retest.retest_comparison_for(actor=vendor_user, inspection_id=current.pk)
    with pytest.raises(NotFound):
        retest.retest_comparison_for(actor=inspector, inspection_id=999999)


def test_comparison_api_and_scan_page(pair, finding_factory, api_client, client, reviewer):
    previous, current = pair
    scan_finding(finding_factory, previous, "r", "gone-1", title="SDK collects IMEI")
    scan_finding(finding_factory, current, "r", "new-1", violation_type=pm02())
    api_client.force_authenticate(reviewer)

    body = api_client.get(f"/api/v1/inspections/{current.pk}/comparison/?limit=5").json()

    assert body["previous_inspection"] == previous.pk
    assert body["counts"] == {"new": 1, "still_present": 0, "gone": 1, "manual_to_recheck": 0}
    assert [f["locus"] for f in body["gone"]] == ["gone-1"]
    assert body["gone"][0]["violation_code"] == "PI-01"
    assert body["complete"] is True
    assert body["limit"] == 5

    client.force_login(reviewer)
    page = client.get(f"/inspections/{current.pk}/scans/").content.decode()
    assert "Re-test comparison" in page
    assert "SDK collects IMEI" in page
    assert "Proposed as gone" in page
