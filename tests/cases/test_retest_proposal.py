"""The re-test proposal a reviewer confirms: built on ingestion's places (rule, locus) and job state."""

import hashlib

import pytest

from cases.models import FindingSource, FindingStatus, RetestLink, ScanJob, ScanStatus, ViolationType
from cases.retest import retest_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(case_factory, inspection_factory, finding_factory, version_factory, reviewer):
    case = case_factory()
    first = inspection_factory(product_version=case.product_version, campaign=case.campaign)
    finding_factory(
        inspection=first,
        case=case,
        status=FindingStatus.CONFIRMED,
        source=FindingSource.SCAN,
        rule="permission.dangerous",
        locus="android.permission.READ_CONTACTS",
        violation_type=ViolationType.objects.get(code="PM-02"),
    )
    newer = version_factory(product=case.product, version="9.9.9")
    retest = inspection_factory(product_version=newer, campaign=case.campaign, retest_of=first)
    RetestLink.objects.create(case=case, inspection=retest, linked_by=reviewer)
    return case, retest


def _job(inspection, status, user):
    return ScanJob.objects.create(
        inspection=inspection,
        file="scans/x.har",
        original_name="x.har",
        sha256=hashlib.sha256(status.encode()).hexdigest(),
        size=1,
        status=status,
        created_by=user,
    )


def test_a_clean_complete_retest_proposes_closure(setup, reviewer):
    case, retest = setup
    _job(retest, ScanStatus.SUCCEEDED, reviewer)
    proposal = retest_proposal(case=case)
    assert [f.locus for f in proposal.gone] == ["android.permission.READ_CONTACTS"]
    assert proposal.remaining == [] and proposal.complete and proposal.propose_closure


def test_an_unfinished_scan_job_blocks_the_proposal(setup, reviewer):
    case, retest = setup
    _job(retest, ScanStatus.RUNNING, reviewer)
    proposal = retest_proposal(case=case)
    assert proposal.complete is False and proposal.propose_closure is False


def test_the_same_place_seen_again_remains_even_under_another_type(setup, finding_factory):
    case, retest = setup
    finding_factory(
        inspection=retest,
        source=FindingSource.SCAN,
        rule="permission.dangerous",
        locus="android.permission.READ_CONTACTS",
        violation_type=ViolationType.objects.get(code="PI-02"),
    )
    proposal = retest_proposal(case=case)
    assert [f.locus for f in proposal.remaining] == ["android.permission.READ_CONTACTS"]
    assert proposal.propose_closure is False


def test_the_same_violation_type_seen_by_hand_remains(setup, finding_factory):
    case, retest = setup
    finding_factory(inspection=retest, violation_type=ViolationType.objects.get(code="PM-02"))
    assert retest_proposal(case=case).propose_closure is False


def test_a_dismissed_finding_of_the_retest_does_not_count(setup, finding_factory):
    case, retest = setup
    finding_factory(
        inspection=retest,
        status=FindingStatus.DISMISSED,
        violation_type=ViolationType.objects.get(code="PM-02"),
    )
    assert retest_proposal(case=case).propose_closure is True
